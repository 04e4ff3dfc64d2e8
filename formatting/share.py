"""Sharing an ephemeral answer into the channel, and the sandbox mark."""

from __future__ import annotations

import re

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, ContextBlock, InteractiveElement

from bot import ids
from formatting.layout import MAX_BLOCKS, actions, button, context
from formatting.text import escape

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,30}")


def with_share_button(blocks: list[Block], share_value: str) -> list[Block]:
    """The answer plus a "Share in channel" button (ids.ACTION_SHARE carrying `share_value`)."""
    if len(blocks) >= MAX_BLOCKS:
        raise ValueError(f"no room for the share button: the answer already has {len(blocks)} blocks")
    return [*blocks, actions(button("Share in channel", ids.ACTION_SHARE, value=share_value))]


def shared_by_context(user_id: str, *, verb: str = "Shared") -> ContextBlock:
    """ "Shared by @someone": prepended to the channel copy of an answer."""
    if not _USER_ID.fullmatch(user_id):
        raise ValueError("not a Slack user id")  # the id goes into a mention token: accept ids only
    return context(f":busts_in_silhouette: {escape(verb)} by <@{user_id}>")


def _is_personal(element: object) -> bool:
    """Buttons that must not reach the channel: the share button itself and link buttons (personal links)."""
    return isinstance(element, ButtonElement) and (element.action_id == ids.ACTION_SHARE or bool(element.url))


def channel_copy(blocks: list[Block], user_id: str) -> list[Block]:
    """The channel version of an ephemeral answer: credited, without the share button or personal links.

    Download links are short lived and meant for the person who asked, so link buttons are dropped;
    ordinary buttons stay, because every click is checked and answered only to the clicker.
    """
    kept: list[Block] = [shared_by_context(user_id)]
    for block in blocks:
        if isinstance(block, ActionsBlock):
            elements = [
                e for e in block.elements if isinstance(e, InteractiveElement) and not _is_personal(e)
            ]
            if not elements:
                continue
            block = ActionsBlock(elements=elements, block_id=block.block_id)
        elif _is_personal(getattr(block, "accessory", None)):
            data = block.to_dict()
            data.pop("accessory", None)
            block = Block.parse(data) or block
        kept.append(block)
    return kept[:MAX_BLOCKS]


def sandbox_context() -> ContextBlock:
    """The mark on every answer built from the sandbox: it is not a real account."""
    return context(":test_tube: Sandbox data: not a real Telnyx account")
