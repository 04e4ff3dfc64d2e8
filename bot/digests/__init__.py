"""Scheduled digests: `schedule` (when a digest is due, and reading the command's words), `content` (what a
digest says, section by section), `book` (subscriptions in the database, a period posted once) and `job`
(the scheduler's part).

Import from here: `from bot.digests import DigestBook, book_of, gather`.
"""

from bot.digests.book import DIGEST_POST, MAX_SUBSCRIPTIONS, DigestBook, Due, Subscription
from bot.digests.content import Digest, Section, gather
from bot.digests.job import book_of, post_due
from bot.digests.schedule import (
    Cadence,
    Part,
    Period,
    Problem,
    Reason,
    Schedule,
    Wanted,
    latest_period,
    next_due,
    preview_period,
    read_channel,
    read_wanted,
)

__all__ = [
    "DIGEST_POST",
    "MAX_SUBSCRIPTIONS",
    "Cadence",
    "Digest",
    "DigestBook",
    "Due",
    "Part",
    "Period",
    "Problem",
    "Reason",
    "Schedule",
    "Section",
    "Subscription",
    "Wanted",
    "book_of",
    "gather",
    "latest_period",
    "next_due",
    "post_due",
    "preview_period",
    "read_channel",
    "read_wanted",
]
