"""`/telnyx tags [prefix]`: number tags and outbound profile tags."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.parsing import Parsed
from formatting.tags import tags_blocks, tags_text
from handlers.replies import answer, services, usage_error
from handlers.subcommand import Subcommand

EXAMPLE = "/telnyx tags prod"
MAX_PREFIX = 100


async def run_tags(context: AsyncBoltContext, parsed: Parsed) -> None:
    """Number tags and outbound profile tags, optionally those starting with a prefix."""
    if parsed.options or len(parsed.args) > 1:
        await usage_error(
            context, "`tags` takes at most one prefix", "a tag prefix (quote it if it has spaces)", EXAMPLE
        )
        return
    prefix = parsed.args[0] if parsed.args else None
    if prefix is not None and len(prefix) > MAX_PREFIX:
        await usage_error(
            context, "the tag prefix is too long", f"a prefix of at most {MAX_PREFIX} characters", EXAMPLE
        )
        return
    svc = services(context)
    fresh = await svc.telnyx.user_tags(prefix)
    blocks = tags_blocks(
        fresh.value, prefix=prefix, fetched_at=fresh.fetched_at, from_cache=fresh.from_cache, now=svc.clock()
    )
    share = "tags" + (f' "{prefix}"' if prefix else "")
    await answer(context, tags_text(fresh.value, prefix=prefix), blocks, share=share)


SUBCOMMANDS = (
    Subcommand("tags", "/telnyx tags [prefix]", "Number tags and outbound profile tags.", EXAMPLE, run_tags),
)


def register(app: AsyncApp) -> None:
    """No buttons: the answer is read-only."""
