"""`python -m devkit.sandbox`: the same as `telnyx-bot sandbox`."""

from devkit.sandbox.cli import main

raise SystemExit(main())
