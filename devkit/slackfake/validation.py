"""Block Kit validation as Slack does it: slack_sdk's models first, then the limits they do not check.

Every function returns a list of problems in Slack's own format ("<reason> [json-pointer:/blocks/3]");
an empty list means Slack would accept it.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from devkit.slackfake.records import iter_elements

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100  # modals and Home tabs alike
MAX_FIELD_TEXT = 2000
MAX_BUTTON_VALUE = 2000
MAX_MESSAGE_TEXT = 40000
MAX_VIEW_TEXT = 24  # title, submit, close
MAX_PRIVATE_METADATA = 3000
MAX_CALLBACK_ID = 255

# What slack_sdk raises from a malformed dict: its own error, or a constructor that got a wrong shape.
_MODEL_ERRORS = (SlackObjectFormationError, TypeError, ValueError, KeyError, AttributeError)


def block_problems(blocks: Any, *, limit: int, pointer: str = "/blocks") -> list[str]:
    """Problems with a list of blocks: count, each block's model, field/value lengths, duplicate ids."""
    if not isinstance(blocks, list):
        return [f"must be an array [json-pointer:{pointer}]"]
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"no more than {limit} items allowed [json-pointer:{pointer}]")
    seen_block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"{pointer}/{i}"
        problems.extend(_one_block(block, where))
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if block_id is not None:
            if block_id in seen_block_ids:
                problems.append(f"duplicate block_id {block_id!r} [json-pointer:{where}/block_id]")
            seen_block_ids.add(block_id)
    return problems


_VERDICTS: dict[str, list[str]] = {}  # one verdict per distinct block: a burst repeats the same answers


def _one_block(block: Any, where: str) -> list[str]:
    """A block's problems, computed once per distinct block (slack_sdk's parse is the costly part)."""
    try:
        key = json.dumps(block, sort_keys=True)
    except (TypeError, ValueError):
        return _check_block(block, where)
    if key not in _VERDICTS:
        if len(_VERDICTS) > 4096:
            _VERDICTS.clear()
        _VERDICTS[key] = [p.replace(where, "{where}") for p in _check_block(block, where)]
    return [p.replace("{where}", where) for p in _VERDICTS[key]]


def _check_block(block: Any, where: str) -> list[str]:
    if not isinstance(block, dict):
        return [f"must be an object [json-pointer:{where}]"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # slack_sdk warns and returns None for unknown types
            parsed = Block.parse(block)
            if parsed is None:
                return [f"unsupported type {block.get('type')!r} [json-pointer:{where}/type]"]
            parsed.to_dict()
    except _MODEL_ERRORS as exc:
        return [f"{exc} [json-pointer:{where}]"]
    problems: list[str] = []
    if "text" in block and not isinstance(block["text"], dict):
        # slack_sdk turns a bare string into a text object; Slack itself refuses it
        problems.append(f"must be a text object [json-pointer:{where}/text]")
    for j, f in enumerate(block.get("fields") or []):
        text = f.get("text") if isinstance(f, dict) else None
        if isinstance(text, str) and len(text) > MAX_FIELD_TEXT:
            problems.append(
                f"must be less than {MAX_FIELD_TEXT + 1} characters [json-pointer:{where}/fields/{j}/text]"
            )
    action_ids: set[str] = set()
    for _, element in iter_elements([block]):
        value = element.get("value")
        if element.get("type") == "button" and isinstance(value, str) and len(value) > MAX_BUTTON_VALUE:
            problems.append(
                f"must be less than {MAX_BUTTON_VALUE + 1} characters [json-pointer:{where}/value]"
            )
        action_id = element.get("action_id")
        if action_id is not None:
            if action_id in action_ids:
                problems.append(f"duplicate action_id {action_id!r} [json-pointer:{where}]")
            action_ids.add(action_id)
    return problems


def message_problems(args: dict[str, Any]) -> tuple[str | None, list[str]]:
    """(error, details) for a message body (chat.* or a response_url post); (None, []) when valid."""
    blocks = args.get("blocks")
    text = args.get("text")
    if blocks not in (None, []):
        problems = block_problems(blocks, limit=MAX_MESSAGE_BLOCKS)
        if problems:
            return "invalid_blocks", problems
    if text is not None and not isinstance(text, str):
        return "invalid_arguments", ["must be a string [json-pointer:/text]"]
    if not text and not blocks and not args.get("attachments"):
        return "no_text", []
    if text and len(text) > MAX_MESSAGE_TEXT:
        return "msg_too_long", []
    return None, []


def message_warnings(args: dict[str, Any]) -> list[str]:
    """What Slack accepts but a careful bot avoids: blocks without a plain-text fallback."""
    if args.get("blocks") and not args.get("text"):
        return ["missing_text_fallback: notifications and screen readers get no text"]
    return []


def view_problems(view: Any) -> list[str]:
    """Problems with a view (modal or home) as Slack's views.* methods report them."""
    if not isinstance(view, dict):
        return ["must be an object [json-pointer:/view]"]
    problems: list[str] = []
    try:
        View(**view).to_dict()
    except _MODEL_ERRORS as exc:
        problems.append(f"{exc} [json-pointer:/view]")
    kind = view.get("type")
    blocks = view.get("blocks")
    problems.extend(block_problems(blocks, limit=MAX_VIEW_BLOCKS, pointer="/view/blocks"))
    if kind == "modal":
        if not view.get("title"):
            problems.append("missing required field: title [json-pointer:/view/title]")
        has_input = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        if has_input and not view.get("submit"):
            problems.append("must provide submit when input blocks are present [json-pointer:/view/submit]")
    for key in ("title", "submit", "close"):
        text = _plain_text(view.get(key))
        if text is not None and len(text) > MAX_VIEW_TEXT:
            problems.append(
                f"must be less than {MAX_VIEW_TEXT + 1} characters [json-pointer:/view/{key}/text]"
            )
    metadata = view.get("private_metadata")
    if isinstance(metadata, str) and len(metadata) > MAX_PRIVATE_METADATA:
        problems.append(
            f"must be less than {MAX_PRIVATE_METADATA + 1} characters [json-pointer:/view/private_metadata]"
        )
    callback_id = view.get("callback_id")
    if isinstance(callback_id, str) and len(callback_id) > MAX_CALLBACK_ID:
        problems.append(
            f"must be less than {MAX_CALLBACK_ID + 1} characters [json-pointer:/view/callback_id]"
        )
    return list(dict.fromkeys(problems))  # the model and our own checks may report the same limit


def _plain_text(obj: Any) -> str | None:
    if isinstance(obj, str):
        return obj
    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
        return obj["text"]
    return None
