"""Charges summary and breakdown for a date range, computed from the same numbers so they agree.

For [start, end) (end exclusive), each number active in the range is billed its monthly services
prorated by days (30 days = a full month) and its activation fee if activated in the range. The
summary's `new_mrc + new_otc + existing_mrc` is exactly the sum of every service cost in the breakdown.
Usage (the detail records billed as the account's time passes) is no number's monthly or one-time charge:
the summary counts it in simple lines (Messaging, Call Control, SIP Trunking: records and amount, by the
day of the record's time) and so in `other`; the breakdown, per number and MRC/OTC by the spec, has none.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from devkit.sandbox.data.billing import SIMPLE_LINES
from devkit.sandbox.errors import ApiError
from devkit.sandbox.spend import USAGE_LINES
from devkit.sandbox.state import AccountState, PhoneNumber, money

MAX_RANGE_DAYS = 31
ZERO = Decimal("0")
LINE_NAMES = {"local": "Local DIDs", "toll_free": "Toll-free DIDs"}


def parse_range(query: Mapping[str, Any], *, end_required: bool) -> tuple[date, date]:
    """start_date and end_date as dates; end defaults to a month after start; over 31 days is a 400."""
    start = _date(query, "start_date")
    if "end_date" in query:
        end = _date(query, "end_date")
    elif end_required:
        raise _range_error("end_date", "The required parameter 'end_date' is missing.", code="10004")
    else:
        end = _add_month(start)
    if end <= start:
        raise _range_error("end_date", "end_date must be after start_date.")
    if (end - start).days > MAX_RANGE_DAYS:
        raise _range_error(
            "end_date",
            f"The date range cannot exceed {MAX_RANGE_DAYS} days ({(end - start).days} requested).",
        )
    return start, end


def _date(query: Mapping[str, Any], name: str) -> date:
    raw = query.get(name)
    if raw is None:
        raise _range_error(name, f"The required parameter {name!r} is missing.", code="10004")
    try:
        return date.fromisoformat(raw)
    except (TypeError, ValueError):
        raise _range_error(name, f"{name} must be a date as YYYY-MM-DD, not {raw!r}.") from None


def _range_error(parameter: str, detail: str, code: str = "10015") -> ApiError:
    return ApiError(400, detail, code=code, title="Invalid date range", parameter=parameter)


def _add_month(day: date) -> date:
    index = day.year * 12 + day.month  # the next month, 0-based
    year, month = index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _services(number: PhoneNumber, start: date, end: date) -> list[tuple[str, str, Decimal]]:
    """What one number costs in [start, end): prorated MRCs, plus OTCs if activated in the range."""
    first = max(start, number.activated_on)
    last = min(end, number.released_on or end)
    days = (last - first).days
    if days <= 0:
        return []
    share = Decimal(min(days, 30)) / Decimal(30)
    billed = []
    for name, cost_type, price in number.services:
        if cost_type == "MRC":
            billed.append((name, cost_type, (price * share).quantize(Decimal("0.01"), ROUND_HALF_UP)))
        elif start <= number.activated_on < end:
            billed.append((name, cost_type, price))
    return billed


def breakdown_body(state: AccountState, start: date, end: date) -> dict[str, Any]:
    """The `data` of GET /charges_breakdown."""
    results = []
    for number in sorted(state.numbers, key=lambda n: n.tn):
        services = _services(number, start, end)
        if services:
            results.append(
                {
                    "tn": number.tn,
                    "charge_type": number.charge_type,
                    "service_owner_user_id": state.user_id,
                    "service_owner_email": state.user_email,
                    "services": [{"name": n, "cost_type": t, "cost": money(c)} for n, t, c in services],
                }
            )
    return _header(state, start, end) | {"results": results}


def summary_body(state: AccountState, start: date, end: date) -> dict[str, Any]:
    """The `data` of GET /charges_summary, its totals built from the breakdown's numbers."""
    groups: dict[str, dict[str, list[Decimal | int]]] = {}
    for number in state.numbers:
        services = _services(number, start, end)
        if not services:
            continue
        age = "new" if number.activated_on >= start else "existing"
        group = groups.setdefault(number.charge_type, {"new": [0, ZERO, ZERO], "existing": [0, ZERO, ZERO]})
        tally = group[age]
        tally[0] += 1
        tally[1] += sum((c for _, t, c in services if t == "MRC"), ZERO)
        tally[2] += sum((c for _, t, c in services if t == "OTC"), ZERO)
    lines: list[dict[str, Any]] = []
    for alias in sorted(groups):
        new, existing = groups[alias]["new"], groups[alias]["existing"]
        lines.append(
            {
                "type": "comparative",
                "name": LINE_NAMES[alias],
                "alias": alias,
                "new_this_month": {"quantity": new[0], "mrc": money(new[1]), "otc": money(new[2])},
                "existing_this_month": {"quantity": existing[0], "mrc": money(existing[1]), "otc": None},
            }
        )
    in_range = [e for e in state.ledger if start <= e.day < end]
    other = ZERO
    for alias, (name, _price) in SIMPLE_LINES.items():
        events = [e for e in in_range if e.kind == alias]
        amount = sum((e.amount for e in events), ZERO)
        other += amount
        lines.append(
            {"type": "simple", "name": name, "alias": alias, "quantity": len(events), "amount": money(amount)}
        )
    # what the account spent on usage as its time passed (devkit.sandbox.spend), a line per product used
    usage = state.spending.usage_between(start, end)
    for product, (alias, name) in USAGE_LINES.items():
        if product in usage:
            quantity, amount = usage[product]
            other += amount
            lines.append(
                {
                    "type": "simple",
                    "name": name,
                    "alias": alias,
                    "quantity": quantity,
                    "amount": money(amount),
                }
            )
    adjustments = [e for e in in_range if e.kind == "adjustment"]
    totals = {
        "new_mrc": sum((g["new"][1] for g in groups.values()), ZERO),
        "new_otc": sum((g["new"][2] for g in groups.values()), ZERO),
        "existing_mrc": sum((g["existing"][1] for g in groups.values()), ZERO),
        "other": other,
        "credits": ZERO,
        "ledger_adjustments": sum((e.amount for e in adjustments), ZERO),
    }
    totals["grand_total"] = sum(totals.values(), ZERO)
    return _header(state, start, end) | {
        "summary": {
            "lines": lines,
            "adjustments": [
                {"amount": money(e.amount), "description": e.name, "event_date": e.day.isoformat()}
                for e in adjustments
            ],
        },
        "total": {key: money(value) for key, value in totals.items()},
    }


def _header(state: AccountState, start: date, end: date) -> dict[str, Any]:
    return {
        "user_id": state.user_id,
        "user_email": state.user_email,
        "currency": state.currency,
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
    }


def breakdown_csv(body: dict[str, Any]) -> str:
    """The breakdown as CSV (format=csv): one row per number and service."""
    rows = ["tn,charge_type,service,cost_type,cost"]
    for result in body["results"]:
        for service in result["services"]:
            rows.append(
                f"{result['tn']},{result['charge_type']},{service['name']},{service['cost_type']},{service['cost']}"
            )
    return "\n".join(rows) + "\n"
