"""Reading a period from command arguments, with the answer a user gets when it is not one."""

from __future__ import annotations

from slack_bolt.async_app import AsyncBoltContext

from bot.periods import ACCEPTED, Period, PeriodError, parse_period, split_period
from formatting.periods import describe_period
from handlers.replies import services, usage_error


async def period_or_answer(
    context: AsyncBoltContext, words: list[str], *, default: str, example: str, max_days: int | None = None
) -> Period | None:
    """The period the words name (or the default); on a bad one, answer what is accepted and return None."""
    today = services(context).clock().date()
    try:
        period = parse_period(words or [default], today)
    except PeriodError as err:
        await usage_error(context, str(err), ACCEPTED, example)
        return None
    if max_days is not None and period.days > max_days:
        await usage_error(
            context,
            f"{describe_period(period)} is {period.days} days long; Telnyx accepts at most {max_days} days here",
            f"a period of up to {max_days} days: {ACCEPTED}",
            example,
        )
        return None
    return period


__all__ = ["period_or_answer", "split_period"]
