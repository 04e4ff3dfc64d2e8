"""`python -m bot.sandbox`: the same as `telnyx-bot sandbox`."""

from bot.sandbox.cli import main

raise SystemExit(main())
