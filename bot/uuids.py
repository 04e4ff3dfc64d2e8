"""What a Telnyx id looks like: a UUID (8-4-4-4-12 hex digits, either case).

The one definition: commands and buttons check ids with `is_uuid`, the message shortcuts find them with
`uuids_in`, and the gateway refuses anything else before it reaches a URL path.
"""

from __future__ import annotations

import re

UUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_WHOLE = re.compile(rf"^{UUID_PATTERN}$")
_IN_TEXT = re.compile(rf"\b{UUID_PATTERN}\b")


def is_uuid(text: str) -> bool:
    """Whether `text` is a UUID (nothing around it)."""
    return _WHOLE.match(text) is not None


def uuids_in(text: str) -> list[str]:
    """Every UUID standing as a word in `text`, in order, as written (repeats kept)."""
    return _IN_TEXT.findall(text)
