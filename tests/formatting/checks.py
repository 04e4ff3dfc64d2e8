"""Assertions every builder's output must pass: valid Block Kit, within Slack's limits, nothing injected."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from slack_sdk.models.blocks import Block

from formatting.layout import BLOCK_BUDGET

# the only <...> tokens the bot itself writes: date tokens and a user mention
ALLOWED_TOKEN = re.compile(r"<!date\^-?\d+\^\{[a-z_]+\}(?: \{[a-z_]+\})?\|[0-9: -]+UTC>|<@[UW][A-Z0-9]+>")
ENTITY = re.compile(r"&(?:amp|lt|gt);")


def _texts(node: Any, kind: str | None = None) -> Iterator[tuple[str, str]]:
    """(type, text) of every text object in a block dict."""
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
            yield node["type"], node["text"]
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)


def check_limits(d: dict[str, Any]) -> None:
    """Slack's documented limits for one block dict (some of them slack_sdk does not check)."""
    kind = d["type"]
    if kind == "section":
        if "text" in d:
            assert len(d["text"]["text"]) <= 3000
        fields = d.get("fields", [])
        assert len(fields) <= 10
        assert all(len(f["text"]) <= 2000 for f in fields)
        assert "text" in d or fields
    elif kind == "header":
        assert len(d["text"]["text"]) <= 150
    elif kind == "context":
        assert 1 <= len(d["elements"]) <= 10
        assert all(len(e["text"]) <= 3000 for e in d["elements"])
    elif kind == "actions":
        assert 1 <= len(d["elements"]) <= 25
    for _, text in _texts(d):
        assert text, "Slack rejects empty text objects"
    for button in _buttons(d):
        assert len(button["text"]["text"]) <= 75
        assert len(button.get("value", "")) <= 2000
        assert len(button.get("url", "")) <= 3000
        assert len(button["action_id"]) <= 255


def _buttons(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") == "button":
            yield node
        for value in node.values():
            yield from _buttons(value)
    elif isinstance(node, list):
        for item in node:
            yield from _buttons(item)


def check_safe(d: dict[str, Any]) -> None:
    """No mrkdwn text holds a raw <, > or & except the bot's own tokens and escapes; all verbatim."""
    for node in _mrkdwn_nodes(d):
        assert node.get("verbatim") is True, "untrusted text must not be auto-linked or auto-mentioned"
        rest = ALLOWED_TOKEN.sub("", node["text"])
        assert "<" not in rest and ">" not in rest, rest
        assert "&" not in ENTITY.sub("", rest), rest


def _mrkdwn_nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            yield node
        for value in node.values():
            yield from _mrkdwn_nodes(value)
    elif isinstance(node, list):
        for item in node:
            yield from _mrkdwn_nodes(item)


def valid(blocks: Sequence[Block], *, budget: int = BLOCK_BUDGET) -> str:
    """Round-trip, limit and safety checks; returns every text of the message joined, for content asserts."""
    assert isinstance(blocks, list) and blocks
    assert len(blocks) <= budget, f"{len(blocks)} blocks, budget {budget}"
    texts: list[str] = []
    for block in blocks:
        assert isinstance(block, Block)
        d = block.to_dict()
        parsed = Block.parse(d)
        assert parsed is not None
        assert parsed.to_dict() == d
        check_limits(d)
        check_safe(d)
        texts.extend(text for _, text in _texts(d))
    return "\n".join(texts)


def find_buttons(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    """Every button of the message, as dicts."""
    return [b for block in blocks for b in _buttons(block.to_dict())]
