"""Development kit: the sandbox Telnyx account, the fake Slack, and the local console.

Not part of the product: `pip install .` ships `bot`, `handlers` and `formatting` only, and nothing there
imports `devkit`. Install it with the `console` extra (`pip install '.[console]'`; `make run` and
`make test` do): it brings `rich` (the console) and `jsonschema` (the sandbox's contract checks).
"""
