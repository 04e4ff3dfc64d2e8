"""Home tabs: who opened theirs, what each one shows, and when it is published again.

- A person's Home is published when they open it (handlers/home.py) and again whenever something it shows
  changes. The changes are told in their own transactions, as *topics*: a top-up request was made or
  changed (the pending approvals and unknown outcomes finance sees, and the requester's own list; a paid
  one changes the balance too), an alert fired, closed, was acknowledged or snoozed, a rule was added,
  changed or deleted. `HomeBook.changed` then queues one `home.publish` outbox row for each person whose
  last published Home showed one of those topics (and for the people named, e.g. the requester), in the
  same transaction: a change committed is a Home republished, by whichever instance delivers it.
- Rows are keyed `home:<user>`, so the publishes of one person go out in order, one at a time, across
  instances. Each delivery renders the Home as it is then, so a row with a later one queued behind it is
  skipped (`superseded`): a burst of changes makes one publish.
- Slack's `views.publish` is rate tier 4 (100+ a minute per workspace). A person's Home is published at
  most once per `min_gap` (3 s): a row queued sooner after the last publish waits until then (`not_before`
  on the row; the outbox honours a 429's Retry-After on top).
- `view_hash` is the hash of the view Slack showed last (from the `app_home_opened` event, or the answer
  to our last publish). A publish passes it, so Slack refuses a publish made over a view changed since
  (`hash_conflict`): handlers/home.py then renders again and retries with the newest hash known.
Publish times are wall-clock (`utcnow`), as the outbox's are: instances share them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import Decision, Permission, RoleMatch
from bot.alerts.book import Alert
from bot.alerts.rules import Rule
from bot.approvals import TopupRequest, Tx
from bot.approvals.model import TopupState
from bot.errors import TelnyxError
from bot.models import Balance
from bot.outbox import Outbox
from bot.runway import Runway
from bot.store import OutboxRow, Store, TopupRow, utcnow
from bot.store.tables import HomeViewerRow

if TYPE_CHECKING:
    from bot.alerts.book import AlertBook
    from bot.approvals import Approvals

PUBLISH = "home.publish"  # outbox kind: payload {"user": ...}
MIN_GAP = timedelta(seconds=3)
IDLE = timedelta(
    days=30
)  # who has not opened Home for this long is no longer followed (HomeBook.forget_idle)


class Topic(StrEnum):
    """A part of the Home tab that changes with the bot's state."""

    BALANCE = "balance"  # balance, available credit, runway (everyone who may view the account)
    ALERTS = "alerts"  # the alerts firing now
    APPROVALS = "approvals"  # the top-up requests waiting for finance, and the unknown outcomes
    RULES = "rules"  # the alert rules (admins)
    DIGESTS = "digests"  # the digest subscriptions (admins)


T = TypeVar("T")


@dataclass(frozen=True)
class Listed(Generic[T]):
    """The first items of a list, and how many there are in all (the Home says "and N more")."""

    items: Sequence[T] = ()
    total: int = 0

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.items))


@dataclass(frozen=True)
class Account:
    """The balance and its runway, or the Telnyx error that kept them from being read."""

    balance: Balance | None
    runway: Runway | None = None
    spark: str = ""  # the last 14 days (bot.runway.sparkline)
    low_threshold: Decimal = Decimal(0)
    fetched_at: datetime | None = None
    from_cache: bool = False
    error: TelnyxError | None = None


@dataclass(frozen=True)
class HomeContent:
    """What one person's Home shows: only what their permissions let them act on."""

    user: str
    as_of: datetime  # the app's clock when it was gathered
    may: frozenset[Permission]
    account: Account | None = None  # view
    alerts: Listed[Alert] = field(default_factory=Listed)  # view: firing now
    requests: Listed[TopupRequest] | None = None  # request_topup (or someone who has requests): theirs
    pending: Listed[TopupRequest] | None = None  # approve_topup: waiting for a decision
    unknown: Listed[TopupRequest] | None = None  # approve_topup: payment outcome unknown
    rules: Listed[Rule] | None = None  # admin
    firing: dict[str, int] = field(default_factory=dict)  # rule id -> alerts firing
    digests: Sequence[Any] | None = None  # admin: digest subscriptions (bot/digests Subscription)
    sandbox: bool = False

    def topics(self) -> frozenset[Topic]:
        """The parts shown that change with the bot's state: a change of any republishes this Home."""
        shown = set()
        if self.account is not None:
            shown |= {Topic.BALANCE, Topic.ALERTS}
        if self.pending is not None:
            shown.add(Topic.APPROVALS)
        if self.rules is not None:
            shown.add(Topic.RULES)
        if self.digests is not None:
            shown.add(Topic.DIGESTS)
        return frozenset(shown)


@dataclass(frozen=True)
class NoRole:
    """The Home of someone the access policy gives no role: why there is nothing, and their whoami."""

    user: str
    as_of: datetime
    roles: Sequence[RoleMatch]
    decisions: Sequence[Decision]
    configured: bool

    def topics(self) -> frozenset[Topic]:
        return frozenset()


def key_of(user: str) -> str:
    """The outbox key of a person's Home publishes."""
    return f"home:{user}"


@dataclass(frozen=True)
class Viewer:
    """Someone who opened the Home tab: what their Home showed last, its hash, when it was published."""

    user: str
    shows: frozenset[Topic]
    view_hash: str | None
    published_at: datetime | None


_TOPICS = frozenset(t.value for t in Topic)


def _viewer(row: HomeViewerRow) -> Viewer:
    shows = frozenset(Topic(t) for t in row.shows.split(",") if t in _TOPICS)
    return Viewer(row.user_id, shows, row.view_hash, row.published_at)


class HomeBook:
    """The people who opened Home, in `store`; their republishing is queued in `outbox`."""

    def __init__(
        self,
        store: Store,
        outbox: Outbox,
        *,
        min_gap: timedelta = MIN_GAP,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store, self._outbox, self._now = store, outbox, now
        self.min_gap = min_gap

    def watch(self, approvals: Approvals, alerts: AlertBook | None) -> None:
        """Republish the Homes a top-up request, an alert or a rule change affects."""
        approvals.observe(self._topup_changed)
        if alerts is not None:
            alerts.observe(self._alerts_changed)

    async def forget_idle(self) -> int:
        """Stop following people who have not opened Home for IDLE (they left, or never look): their Home is
        no longer republished on changes; opening it again publishes it fresh. Returns how many."""
        async with self._store.transaction() as session:
            gone = await session.execute(
                delete(HomeViewerRow).where(HomeViewerRow.opened_at < self._now() - IDLE)
            )
        return int(gone.rowcount or 0)  # type: ignore[attr-defined]

    async def opened(self, user: str, seen_hash: str | None) -> Viewer:
        """Remember that `user` opened Home, showing the view `seen_hash` (None: none published yet)."""
        now = self._now()
        try:
            async with self._store.transaction() as session:
                row = await session.get(HomeViewerRow, user)
                if row is None:
                    row = HomeViewerRow(user_id=user, opened_at=now, shows="", view_hash=seen_hash)
                    session.add(row)
                else:
                    # the hash stored may be newer than the event's (published since Slack sent it): kept
                    row.opened_at = now
                    row.view_hash = row.view_hash or seen_hash
                await session.flush()
                return _viewer(row)
        except IntegrityError:  # two deliveries of the first opening at once: the other one stored it
            viewer = await self.viewer(user)
            assert viewer is not None
            return viewer

    async def viewer(self, user: str) -> Viewer | None:
        """The person's Home record, or None when they never opened it."""
        async with self._store.transaction() as session:
            row = await session.get(HomeViewerRow, user)
            return None if row is None else _viewer(row)

    async def published(self, user: str, view_hash: str | None, shows: Iterable[Topic]) -> None:
        """Record a publish: the new view's hash and what it shows (the topics that republish it)."""
        values = {
            "view_hash": view_hash,
            "shows": "," + ",".join(sorted(t.value for t in shows)) + ",",
            "published_at": self._now(),
        }
        async with self._store.transaction() as session:
            await session.execute(
                update(HomeViewerRow)
                .where(HomeViewerRow.user_id == user)
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    def ready_at(self, viewer: Viewer | None) -> datetime:
        """The earliest moment the person's Home may be published again (now, or `min_gap` after the last)."""
        now = self._now()
        if viewer is None or viewer.published_at is None:
            return now
        return max(now, viewer.published_at + self.min_gap)

    def may_publish(self, viewer: Viewer | None) -> bool:
        """Whether the person's Home may be published now (not within `min_gap` of the last publish)."""
        return self.ready_at(viewer) <= self._now()

    async def changed(
        self, session: AsyncSession, topics: Iterable[Topic], *, users: Iterable[str] = ()
    ) -> int:
        """Inside a change's transaction: queue a publish for every Home showing one of `topics`, and for
        the `users` named (who opened Home). Returns how many rows were queued."""
        wanted = [HomeViewerRow.shows.like(f"%,{topic.value},%") for topic in topics]
        named = list(dict.fromkeys(users))
        if named:
            wanted.append(HomeViewerRow.user_id.in_(named))
        if not wanted:
            return 0
        rows = await session.scalars(select(HomeViewerRow).where(or_(*wanted)))
        queued = 0
        for row in rows:
            viewer = _viewer(row)
            await self._outbox.add(
                session, key_of(viewer.user), PUBLISH, {"user": viewer.user}, not_before=self.ready_at(viewer)
            )
            queued += 1
        return queued

    async def queue(self, user: str, *, not_before: datetime | None = None) -> None:
        """Queue a publish of one person's Home in its own transaction (a refresh asked for, or retried)."""
        async with self._store.transaction() as session:
            await self._outbox.add(session, key_of(user), PUBLISH, {"user": user}, not_before=not_before)
        self._outbox.wake()

    async def superseded(self, delivery_id: int, user: str) -> bool:
        """True when another publish of the person's Home is queued behind this one: that one will show
        everything this one would, so this one need not go out."""
        async with self._store.transaction() as session:
            later = await session.scalar(
                select(func.count(OutboxRow.id)).where(
                    and_(
                        OutboxRow.key == key_of(user),
                        OutboxRow.kind == PUBLISH,
                        OutboxRow.id > delivery_id,
                        OutboxRow.done_at.is_(None),
                    )
                )
            )
        return bool(later)

    async def _topup_changed(self, tx: Tx, request_id: str) -> None:
        row = await tx.session.execute(
            select(TopupRow.requester, TopupRow.state)
            .where(TopupRow.id == request_id)
            .execution_options(populate_existing=True)
        )
        found = row.first()
        if found is None:
            return
        requester, state = found
        topics = {Topic.APPROVALS}
        if state == TopupState.SUCCEEDED.value:
            topics.add(Topic.BALANCE)  # money came in
        tx.effects += await self.changed(tx.session, topics, users=[requester])

    async def _alerts_changed(self, session: AsyncSession, what: frozenset[str]) -> None:
        topics = {Topic(t) for t in what if t in (Topic.ALERTS.value, Topic.RULES.value)}
        await self.changed(session, topics)
