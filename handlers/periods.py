"""Reading a period from command arguments, with the answer a user gets when it is not one."""

from __future__ import annotations

from slack_bolt.async_app import AsyncBoltContext

from bot.periods import Period, PeriodError, parse_period, split_period
from formatting.periods import (
    ACCEPTED,
    ACCEPTED_BY_TODAY,
    accepted_up_to,
    future_problem,
    period_problem,
    too_long_problem,
)
from handlers.replies import services, usage_error


async def period_or_answer(
    context: AsyncBoltContext, words: list[str], *, default: str, example: str, max_days: int | None = None
) -> Period | None:
    """The period the words name (or the default), cut at the end of today; None once a bad one is answered.

    A period that starts after today is refused (nothing can be in it); one that ends after today is cut
    there, and remembers what was asked so the answer can say so.
    """
    today = services(context).clock().date()
    try:
        period = parse_period(words or [default], today)
    except PeriodError as err:
        await usage_error(context, period_problem(err), ACCEPTED, example)
        return None
    if period.starts_after(today):
        await usage_error(context, future_problem(period, today), ACCEPTED_BY_TODAY, example)
        return None
    if max_days is not None and period.days > max_days:
        await usage_error(context, too_long_problem(period, max_days), accepted_up_to(max_days), example)
        return None
    return period.up_to(today)


__all__ = ["period_or_answer", "split_period"]
