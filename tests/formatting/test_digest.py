"""The digest message: valid Block Kit within Slack's limits whatever it holds (hostile endpoint names,
huge amounts, hundreds of endpoints and invoices), every section that could not be read saying so, and the
digest surviving its trip through the outbox as JSON unchanged."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from bot.digests import Cadence, Digest, Part, Problem, Reason, Schedule, Section, Subscription
from bot.digests.content import (
    Account,
    Driver,
    Drivers,
    Endpoint,
    Invoices,
    Spend,
    UnpaidInvoice,
    Unread,
    Waiting,
    Webhooks,
)
from bot.errors import TelnyxUnavailable
from formatting.digest import TITLES, digest_blocks, digest_text, problem_words, subscriptions_blocks
from formatting.layout import MAX_BLOCKS
from formatting.share import sandbox_context
from tests.formatting.checks import check_limits, valid
from tests.formatting.factories import HOSTILE, T0, long_text, text

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
money_st = st.decimals(
    allow_nan=False, allow_infinity=False, places=2, min_value=Decimal("-1e12"), max_value=Decimal("1e12")
)
counts = st.integers(min_value=0, max_value=10**6)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1))


def base(**sections) -> Digest:
    return Digest(
        cadence=Cadence.DAILY,
        day=date(2026, 11, 30),
        zone="Europe/Berlin",
        start=date(2026, 11, 29),
        end=date(2026, 11, 30),
        previous_start=date(2026, 11, 28),
        made_at=T0,
        due=T0,
        **sections,
    )


accounts = st.builds(
    Account,
    balance=money_st,
    available_credit=money_st,
    currency=st.sampled_from(["USD", "EUR", "xx"]),
    per_day=money_st,
    basis=st.sampled_from(["history", "charges", "none"]),
    days_to_zero=st.none() | st.decimals(min_value=0, max_value=10**6, places=1),
    zero_on=st.none() | days,
    threshold=money_st,
    days_to_threshold=st.none() | st.decimals(min_value=0, max_value=10**6, places=1),
)
drivers = st.builds(
    Drivers,
    top=st.lists(
        st.builds(
            Driver,
            number=long_text,
            charge_type=long_text,
            total=money_st,
            service=st.none() | long_text,
            service_cost=st.none() | money_st,
        ),
        max_size=5,
    ),
    numbers=counts,
    total=money_st,
    currency=st.just("USD"),
)


@st.composite
def endpoints(draw) -> Endpoint:
    deliveries = draw(st.integers(min_value=1, max_value=10**6))
    failed = draw(st.integers(min_value=0, max_value=deliveries))
    return Endpoint(
        endpoint=draw(long_text),
        deliveries=deliveries,
        failed=failed,
        cause=draw(st.sampled_from(["dns", "server_error", "not_in_the_table"])) if failed else None,
        cause_count=failed,
    )


webhooks = st.builds(Webhooks, endpoints=st.lists(endpoints(), max_size=300), read=counts, total=counts)
unreads = st.builds(Unread, message=long_text, hint=long_text)
maybe_t0 = st.none() | st.just(T0)
waitings = st.builds(
    Waiting, pending=counts, oldest_pending=maybe_t0, unknown=counts, oldest_unknown=maybe_t0
)


@FAST
@given(
    st.none() | accounts,
    st.none() | st.builds(Spend, current=money_st, previous=money_st, currency=st.just("USD")),
    st.none() | drivers,
    st.none() | webhooks,
    st.none() | waitings,
    st.none()
    | st.builds(
        Invoices,
        unpaid=st.lists(
            st.builds(UnpaidInvoice, invoice_id=long_text, period_start=days, period_end=days), max_size=200
        ),
    ),
    st.dictionaries(st.sampled_from(list(Section)), unreads),
    st.booleans(),
    st.booleans(),
    st.sampled_from(list(Cadence)),
)
def test_any_digest_is_valid_block_kit_within_limits(
    account, spend, drivers_, webhooks_, waiting, invoices, unread, late, preview, cadence
) -> None:
    digest = base(
        account=account,
        spend=spend,
        drivers=drivers_,
        webhooks=webhooks_,
        waiting=waiting,
        invoices=invoices,
        unread=unread,
        late=late,
    ).model_copy(update={"cadence": cadence})
    blocks = digest_blocks(digest, preview=preview)
    shown = valid(blocks)
    valid([*blocks, sandbox_context()], budget=MAX_BLOCKS)
    assert len(blocks) <= 13
    assert len(digest_text(digest)) <= 3000
    for name, part in (
        (Section.ACCOUNT, account),
        (Section.SPEND, spend),
        (Section.DRIVERS, drivers_),
        (Section.WEBHOOKS, webhooks_),
        (Section.APPROVALS, waiting),
        (Section.INVOICES, invoices),
    ):
        assert (part is None) == (f"*{TITLES[name]}*\n:warning: Could not be read" in shown)
    # what the outbox stores and the delivery reads back is the same digest
    assert Digest.from_payload(json.loads(json.dumps(digest.payload()))) == digest


def test_hostile_names_stay_text() -> None:
    digest = base(
        drivers=Drivers(
            top=[
                Driver(
                    number=HOSTILE,
                    charge_type=HOSTILE,
                    total=Decimal(1),
                    service=HOSTILE,
                    service_cost=Decimal(1),
                )
            ],
            numbers=1,
            total=Decimal(1),
            currency="USD",
        ),
        webhooks=Webhooks(
            endpoints=[Endpoint(endpoint=HOSTILE, deliveries=3, failed=1, cause=HOSTILE, cause_count=1)],
            read=3,
            total=3,
        ),
        unread={Section.ACCOUNT: Unread(message=HOSTILE, hint=HOSTILE)},
    )
    shown = valid(digest_blocks(digest))
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown


@FAST
@given(st.lists(text, min_size=0, max_size=60))
def test_the_subscription_list_fits_whatever_its_length(creators) -> None:
    subs = [
        (
            Subscription(
                id=f"{i:08x}",
                schedule=Schedule(Cadence.WEEKLY, time(9, 30), "America/Argentina/ComodRivadavia", 6),
                channel="C0123456789ABCDEF",
                created_by="U0123456789",
                created_at=T0,
                last_posted_at=T0 if i % 2 else None,
                last_period_at=None,
            ),
            datetime(2026, 12, 6, tzinfo=T0.tzinfo),
        )
        for i, _ in enumerate(creators)
    ]
    blocks = subscriptions_blocks(subs)
    assert len(blocks) <= MAX_BLOCKS - 1
    listed = 0
    for block in blocks:
        d = block.to_dict()
        assert Block.parse(d).to_dict() == d  # valid Block Kit (channel mentions are the bot's own ids)
        check_limits(d)
        listed += json.dumps(d).count("set up by")
    assert listed == len(subs)


def test_a_system_without_time_zones_is_told_to_install_tzdata() -> None:
    problem, accepted, example = problem_words(Problem(Cadence.DAILY, Part.ZONE, Reason.NO_ZONES, "UTC"))
    assert "no time-zone database" in problem and "`tzdata`" in problem
    assert "IANA time zone name" in accepted and example.startswith("/telnyx digest daily 09:00")


def test_an_unread_section_says_why_from_the_data_and_from_an_older_bots_words() -> None:
    stored = Unread.model_validate_json(
        Unread(error=TelnyxUnavailable(status=503).to_data()).model_dump_json()
    )
    now = valid(digest_blocks(base(unread={Section.ACCOUNT: stored})))
    assert (
        "Could not be read this time: Telnyx is unavailable at the moment. Try again in a few minutes" in now
    )
    older = Unread.model_validate(
        {"message": "Telnyx was away.", "hint": "Later."}
    )  # queued before the change
    assert "Could not be read this time: Telnyx was away. Later." in valid(
        digest_blocks(base(unread={Section.ACCOUNT: older}))
    )
    database = valid(digest_blocks(base(unread={Section.ACCOUNT: Unread(database=True)})))
    assert "The bot's database could not be read." in database
