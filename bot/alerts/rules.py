"""Alert rules: the kinds, what each one's threshold means, and a rule as the admin's modal describes it.

A rule is stored with its threshold as typed (`AlertRuleRow.threshold`) and read back by kind with
`read_threshold`, the same reader the modal's inline errors come from, so a stored rule can always be
evaluated. Refusals are `Problem`s (data: which field, what was read, what is accepted, an example);
formatting/alerts.py turns them into the sentences under the inputs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from bot.money import AmountProblem, InvalidAmount, parse_amount

MAX_DAYS = 365
MAX_CREDIT = Decimal(100_000)  # far above any real threshold: a typo (a zero too many) is caught
MAX_FACTOR = Decimal(100)
MAX_FAILURES = 100_000
DEFAULT_RENOTIFY = timedelta(hours=24)
RENOTIFY_CHOICES = (
    timedelta(hours=1),
    timedelta(hours=4),
    timedelta(hours=24),
    timedelta(days=3),
    timedelta(days=7),
    timedelta(0),  # never
)
MAX_ENDPOINT = 500


class Kind(StrEnum):
    """What a rule watches."""

    LOW_CREDIT = "low_credit"  # available credit below an amount
    RUNWAY = "runway"  # days until available credit runs out below N
    SPEND_SPIKE = "spend_spike"  # the last 24 h's spend above K x the 7-day daily average
    WEBHOOK_FAILURES = "webhook_failures"  # an endpoint's failures in the last hour above N, or above P%
    AUTORECHARGE = "autorecharge"  # auto-recharge turned off (while it stays off) or changed (once each)
    INVOICE_UNPAID = "invoice_unpaid"  # an invoice still unpaid N days after its period ended


TOPUP_KINDS = frozenset({Kind.LOW_CREDIT, Kind.RUNWAY})  # alerts that offer "Request top-up"


class Field(StrEnum):
    """The modal's fields a problem can be about."""

    KIND = "kind"
    THRESHOLD = "threshold"
    ENDPOINT = "endpoint"
    CHANNEL = "channel"
    RENOTIFY = "renotify"


class Reason(StrEnum):
    """Why a field of a rule was refused (formatting/alerts.py says it in words, with an example)."""

    NO_KIND = "no_kind"
    NO_THRESHOLD = "no_threshold"  # the kind needs one
    TAKES_NO_THRESHOLD = "takes_no_threshold"
    BAD_AMOUNT = "bad_amount"  # `amount_problem` is bot.money's reason, `maximum` its largest amount
    BAD_RATE = "bad_rate"
    BAD_COUNT = "bad_count"
    BAD_FACTOR = "bad_factor"
    BAD_DAYS = "bad_days"
    ENDPOINT_NOT_WEBHOOKS = "endpoint_not_webhooks"
    BAD_ENDPOINT = "bad_endpoint"
    NO_CHANNEL = "no_channel"
    BAD_RENOTIFY = "bad_renotify"


@dataclass(frozen=True)
class Problem:
    """A field of a rule refused: why, for which kind, and what was read (shortened).

    A bad amount also carries bot.money's refusal: why, and the largest amount accepted when it was above.
    """

    field: Field
    reason: Reason
    kind: Kind | None = None
    shown: str = ""
    amount_problem: AmountProblem | None = None
    maximum: Decimal | None = None


@dataclass(frozen=True)
class Threshold:
    """A rule's threshold read by kind: an amount, days, a factor, a count or a rate in percent."""

    value: Decimal | None  # None: the kind takes none (auto-recharge)
    percent: bool = False  # webhook failures: a failure rate rather than a count


_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def _number(text: str) -> Decimal | None:
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern only lets decimals through
        return None


def read_threshold(kind: Kind, raw: str) -> Threshold | Problem:
    """The threshold typed for `kind`, or the problem with it."""
    text = raw.strip()

    def problem(reason: Reason) -> Problem:
        return Problem(Field.THRESHOLD, reason, kind, text[:24])

    if kind is Kind.AUTORECHARGE:
        return Threshold(None) if not text else problem(Reason.TAKES_NO_THRESHOLD)
    if not text:
        return problem(Reason.NO_THRESHOLD)
    if kind is Kind.LOW_CREDIT:
        try:
            return Threshold(parse_amount(text, maximum=MAX_CREDIT))
        except InvalidAmount as err:  # what was read as bot.money shortens it, for its words
            return Problem(
                Field.THRESHOLD,
                Reason.BAD_AMOUNT,
                kind,
                err.shown,
                amount_problem=err.problem,
                maximum=err.maximum,
            )
    if kind is Kind.WEBHOOK_FAILURES:
        if text.endswith("%"):
            rate = _number(text.removesuffix("%").strip())
            if rate is None or not Decimal(0) < rate <= 100:
                return problem(Reason.BAD_RATE)
            return Threshold(rate, percent=True)
        count = _number(text)
        if count is None or count != count.to_integral_value() or not 1 <= count <= MAX_FAILURES:
            return problem(Reason.BAD_COUNT)
        return Threshold(count)
    if kind is Kind.SPEND_SPIKE:
        factor = _number(text.removesuffix("x").strip())
        if factor is None or not Decimal(1) < factor <= MAX_FACTOR:
            return problem(Reason.BAD_FACTOR)
        return Threshold(factor)
    days = _number(re.sub(r"\s*(days?|d)$", "", text))
    lowest = 1 if kind is Kind.RUNWAY else 0
    if days is None or days != days.to_integral_value() or not lowest <= days <= MAX_DAYS:
        return problem(Reason.BAD_DAYS)
    return Threshold(days)


@dataclass(frozen=True)
class Rule:
    """A stored rule, its threshold read."""

    id: str
    kind: Kind
    threshold: Threshold
    raw_threshold: str
    endpoint: str  # webhook failures: one endpoint URL, or "" for every endpoint
    channel: str
    renotify: timedelta  # 0: never
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class Draft:
    """What the modal submitted, before it is checked."""

    kind: str | None
    threshold: str
    endpoint: str
    channel: str | None
    renotify_seconds: str | None


@dataclass(frozen=True)
class Checked:
    """A draft that passed every check: ready to store."""

    kind: Kind
    threshold: str
    endpoint: str
    channel: str
    renotify: timedelta


def check_draft(draft: Draft) -> Checked | list[Problem]:
    """Every problem of the draft at once (the modal shows each under its input), or the rule to store."""
    problems: list[Problem] = []
    try:
        kind: Kind | None = Kind(draft.kind or "")
    except ValueError:
        kind = None
        problems.append(Problem(Field.KIND, Reason.NO_KIND))
    if kind is not None:
        read = read_threshold(kind, draft.threshold)
        if isinstance(read, Problem):
            problems.append(read)
    endpoint = draft.endpoint.strip()
    if endpoint and kind is not None and kind is not Kind.WEBHOOK_FAILURES:
        problems.append(Problem(Field.ENDPOINT, Reason.ENDPOINT_NOT_WEBHOOKS, kind))
    elif endpoint and (not re.fullmatch(r"https?://\S+", endpoint) or len(endpoint) > MAX_ENDPOINT):
        problems.append(Problem(Field.ENDPOINT, Reason.BAD_ENDPOINT, kind, endpoint[:24]))
    if not draft.channel:
        problems.append(Problem(Field.CHANNEL, Reason.NO_CHANNEL))
    renotify = DEFAULT_RENOTIFY
    if draft.renotify_seconds is not None:
        try:
            renotify = timedelta(seconds=int(draft.renotify_seconds))
        except ValueError:
            renotify = timedelta(seconds=-1)
        if renotify not in RENOTIFY_CHOICES:
            problems.append(Problem(Field.RENOTIFY, Reason.BAD_RENOTIFY))
    if problems or kind is None or draft.channel is None:
        return problems
    return Checked(kind, draft.threshold.strip(), endpoint, draft.channel, renotify)
