"""The scheduler's digest job: for each subscription whose latest period is due and not posted, one
instance (the tick's claim) reads the digest and posts it through the compare-and-set in bot/digests/book.py.

A period is "late" when the first tick that found it came more than one tick plus LATE_GRACE after its
time: the bot was not running then. It is posted with its own date, once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.digests.book import DigestBook, Due
from bot.digests.content import gather
from bot.home import Topic

if TYPE_CHECKING:
    from bot.services import Services

LATE_GRACE = timedelta(minutes=5)


def book_of(svc: Services) -> DigestBook:
    """The digest subscriptions of this app's database (stateless: built where it is needed)."""
    home = svc.home
    if home is None:
        return DigestBook(svc.store, svc.outbox, svc.audit)

    async def changed(session: AsyncSession) -> None:
        await home.changed(session, [Topic.DIGESTS])

    return DigestBook(svc.store, svc.outbox, svc.audit, changed=changed)


def is_late(due: Due, now: datetime, tick: timedelta) -> bool:
    return now - due.period.due > tick + LATE_GRACE


async def post_due(svc: Services, due: Due, now: datetime, tick: timedelta) -> bool:
    """Read the due period's digest and queue its post; False when another instance posted it first."""
    digest = await gather(svc, due.period, now=now, late=is_late(due, now, tick))
    return await book_of(svc).post(due, digest, now)
