"""Typed data the gateway returns, validated straight from Telnyx's JSON: money is Decimal, times aware UTC.

These are the only shapes `handlers/` and `formatting/` see of Telnyx. Each model is built two ways with
the same field names: by the gateway, `Model.model_validate(body["data"])` on a decoded answer (Telnyx's
names are `validation_alias=wire(...)` or an AliasPath into nested objects; list answers take
`context={"page_number": n, "page_size": s}`); and by name, `Balance(balance=Decimal("1.00"), ...)`, in
the core and its tests. Aliases are for validation only: `model_dump()` and every constructor keep the
field names.

Telnyx's JSON is read leniently where its documents are loose: `null` for a field with a default is
that default, an absent list is an empty one, an item that is not an object is skipped, a time without
offset is UTC. Money comes from a decimal string or an integer (`bot.money.wire_decimal`), never a float.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar, get_args

from pydantic import (
    AfterValidator,
    AliasChoices,
    AliasPath,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)

from bot.money import wire_decimal
from bot.times import as_utc

M = TypeVar("M", bound=BaseModel)
# A webhook delivery's (and an attempt's) status, as Telnyx spells it; also the `webhooks` filter.
WebhookStatus = Literal["delivered", "failed"]
WEBHOOK_STATUSES: tuple[WebhookStatus, ...] = get_args(WebhookStatus)


def wire(*names: str) -> AliasChoices:
    """A field's name(s) in Telnyx's JSON, the first one given wins; for validation only.

    Always AliasChoices, even for one name: pydantic names a `__signature__` parameter after a plain
    string alias, and the constructor's keywords (for mypy, IDEs, hypothesis) must stay the field names.
    """
    return AliasChoices(*names)


def _money(value: Any) -> Decimal:
    """Telnyx's decimal string (or integer); a Decimal is taken as it is: built by name, or decoded from
    JSON digits (`load_json` parses fractions as Decimal, always finite)."""
    return value if isinstance(value, Decimal) else wire_decimal(value)


def _money_or_none(value: Any) -> Decimal | None:
    return None if value is None or value == "" else _money(value)


def _none_if_blank(value: Any) -> Any:
    return None if value == "" else value


def _empty_if_none(value: Any) -> Any:
    return "" if value is None else value


def _usd_if_blank(value: Any) -> Any:
    return value or "USD"


def _false_if_none(value: Any) -> Any:
    return False if value is None else value


def _objects(value: Any) -> Any:
    """A JSON array of objects: null is empty, an item that is not an object is skipped."""
    if value is None:
        return []
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict | BaseModel)]
    return value


def _listed(value: Any) -> Any:
    return [] if value is None else value


def _object_or_empty(value: Any) -> Any:
    return value if isinstance(value, dict) else {}


def _error_codes(value: Any) -> list[int]:
    """Attempt errors: the spec says integers, but its own example also shows {"code": "75001"} objects."""
    codes: list[int] = []
    for error in value if isinstance(value, list) else []:
        code = error.get("code") if isinstance(error, dict) else error
        if isinstance(code, int) and not isinstance(code, bool):
            codes.append(code)
        elif isinstance(code, str) and code.isdigit():
            codes.append(int(code))
    return codes


Money = Annotated[Decimal, BeforeValidator(_money)]
MoneyOrNone = Annotated[Decimal | None, BeforeValidator(_money_or_none)]
UtcTime = Annotated[datetime, AfterValidator(as_utc)]
UtcTimeOrNone = Annotated[UtcTime | None, BeforeValidator(_none_if_blank)]
Text = Annotated[str, BeforeValidator(_empty_if_none)]
Currency = Annotated[str, BeforeValidator(_usd_if_blank)]
Flag = Annotated[bool, BeforeValidator(_false_if_none)]
Objects = Annotated[list[M], BeforeValidator(_objects)]


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True,
        extra="ignore",
        validate_by_name=True,
        validate_by_alias=True,
        coerce_numbers_to_str=True,  # an id Telnyx sends as a number is still an id
        # validators are built on a model's first use, not at import: 15 ms and 0.2 MB of the bot's
        # start-up for models most runs use a few of
        defer_build=True,
    )


class Page(_Model):
    """Pagination facts of a list response (Telnyx's `meta`)."""

    number: int = Field(1, validation_alias=wire("page_number"))
    size: int = Field(20, validation_alias=wire("page_size"))
    total_pages: int = 1
    total_results: int = 0


class _Listing(_Model):
    """A list answer, `{"data": [...], "meta": {...}}`. What `meta` leaves out is what was asked for
    (the validation context's `page_number`/`page_size`), one page, and as many results as arrived."""

    @model_validator(mode="before")
    @classmethod
    def _complete_meta(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, dict) or "data" not in value:
            return value  # built by name
        if not isinstance(value["data"], list):
            raise ValueError("a list answer needs a `data` array")
        asked = info.context if isinstance(info.context, dict) else {}
        meta = value.get("meta")
        if not isinstance(meta, dict):
            meta = {}
        known = {
            "page_number": asked.get("page_number", 1),
            "page_size": asked.get("page_size", 20),
            "total_results": len(value["data"]),
        }
        return {**value, "meta": known | {k: v for k, v in meta.items() if v is not None}}


class Balance(_Model):
    balance: Money
    available_credit: Money
    credit_limit: Money
    pending: Money = Decimal("0")
    currency: Currency = "USD"


class AutoRechargePrefs(_Model):
    id: str | None = None
    enabled: Flag = False
    invoice_enabled: Flag = False
    preference: Literal["credit_paypal", "ach"] | None = None
    threshold_amount: MoneyOrNone = None
    recharge_amount: MoneyOrNone = None


class AutoRechargeChange(_Model):
    """A PATCH body: only the fields set are sent."""

    enabled: bool | None = None
    invoice_enabled: bool | None = None
    preference: Literal["credit_paypal", "ach"] | None = None
    threshold_amount: Decimal | None = None
    recharge_amount: Decimal | None = None

    def against(self, prefs: AutoRechargePrefs) -> AutoRechargeChange:
        """Only the settings this change gives a value `prefs` does not already have."""
        wanted = self.model_dump(exclude_none=True)
        return AutoRechargeChange(**{k: v for k, v in wanted.items() if getattr(prefs, k) != v})

    @property
    def empty(self) -> bool:
        """It sets nothing: there is nothing to send."""
        return not self.model_dump(exclude_none=True)


class Invoice(_Model):
    invoice_id: str
    file_id: str | None = None
    period_start: date
    period_end: date
    paid: bool
    url: str | None = None
    download_url: str | None = None  # only with action=link; short lived


class InvoicePage(_Listing):
    invoices: Objects[Invoice] = Field(validation_alias=wire("data"))
    page: Page = Field(validation_alias=wire("meta"))


class _MonthCharges(_Model):
    """One month of a comparative summary line on the wire: recurring (mrc) and one-time (otc) charges."""

    quantity: int | None = None
    mrc: Money = Decimal("0")
    otc: MoneyOrNone = None

    @property
    def amount(self) -> Decimal:
        return self.mrc + (self.otc or Decimal("0"))


class SummaryLine(_Model):
    """One line of the charges summary. `comparative` lines split new and existing this month."""

    type: Literal["simple", "comparative"]
    name: str
    alias: Text = ""
    quantity: int | None = None
    amount: MoneyOrNone = None
    new_quantity: int | None = None
    new_amount: MoneyOrNone = None  # recurring plus one-time
    new_one_time: MoneyOrNone = None  # the one-time part of new_amount, when Telnyx gave one
    existing_quantity: int | None = None
    existing_amount: MoneyOrNone = None
    existing_one_time: MoneyOrNone = None

    @model_validator(mode="before")
    @classmethod
    def _months(cls, value: Any) -> Any:
        """Telnyx's comparative line nests `new_this_month`/`existing_this_month`; any other is simple."""
        if not isinstance(value, dict):
            return value
        if value.get("type") != "comparative":
            return {"amount": "0", **value, "type": "simple"}
        if "new_amount" in value or "existing_amount" in value:
            return value  # built by name
        lifted = dict(value)
        for month in ("new", "existing"):
            charges = _MonthCharges.model_validate(value.get(f"{month}_this_month") or {})
            lifted[f"{month}_quantity"] = charges.quantity
            lifted[f"{month}_amount"] = charges.amount  # a month's amount: its recurring plus one-time
            lifted[f"{month}_one_time"] = charges.otc
        return lifted

    @property
    def total(self) -> Decimal:
        if self.type == "simple":
            return self.amount or Decimal("0")
        return (self.new_amount or Decimal("0")) + (self.existing_amount or Decimal("0"))


class Adjustment(_Model):
    amount: Money
    description: Text = ""
    event_date: date


class ChargesTotals(_Model):
    new_mrc: Money
    new_otc: Money
    existing_mrc: Money
    other: Money
    credits: Money
    ledger_adjustments: Money
    grand_total: Money


class ChargesSummary(_Model):
    start_date: date
    end_date: date
    currency: Currency = "USD"
    user_email: Text = ""
    lines: Objects[SummaryLine] = Field(default_factory=list, validation_alias=AliasPath("summary", "lines"))
    adjustments: Objects[Adjustment] = Field(
        default_factory=list, validation_alias=AliasPath("summary", "adjustments")
    )
    totals: ChargesTotals = Field(validation_alias=wire("total"))


class ServiceCharge(_Model):
    name: str
    cost_type: Text = ""
    cost: Money


class NumberCharges(_Model):
    tn: str
    charge_type: Text = ""
    services: Objects[ServiceCharge] = Field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((s.cost for s in self.services), Decimal("0"))


class ChargesBreakdown(_Model):
    start_date: date
    end_date: date
    currency: Currency = "USD"
    results: Objects[NumberCharges] = Field(default_factory=list)


class DetailRecord(_Model):
    """A usage record; the common fields are lifted, the rest stays in `raw` (it varies by type).

    Field names differ by record type (messaging has `uuid`, not `id`; voice has `started_at`): each
    field takes the first of its names that is given and not blank.
    """

    id: str = Field("", validation_alias=wire("id", "uuid"))
    record_type: str = ""
    created_at: UtcTimeOrNone = Field(None, validation_alias=wire("created_at", "started_at", "invoked_at"))
    status: str | None = Field(None, validation_alias=wire("status", "verification_status"))
    direction: str | None = None
    cost: MoneyOrNone = Field(None, validation_alias=wire("cost", "verify_usage_fee", "data_cost"))
    currency: str | None = None
    raw: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _keep_raw(cls, value: Any) -> Any:
        if not isinstance(value, dict) or "raw" in value:
            return value  # built by name
        given = {key: item for key, item in value.items() if item is not None and item != ""}
        return given | {"raw": value}


class DetailRecordPage(_Listing):
    records: Objects[DetailRecord] = Field(validation_alias=wire("data"))
    page: Page = Field(validation_alias=wire("meta"))


class AuditChange(_Model):
    field: Text = ""
    old: Any = Field(None, validation_alias=wire("from"))
    new: Any = Field(None, validation_alias=wire("to"))


class AuditEvent(_Model):
    id: str
    created_at: UtcTime
    change_made_by: str | None = None
    change_type: str | None = None
    resource_id: str | None = None
    user_id: str | None = None
    changes: Objects[AuditChange] = Field(default_factory=list)


class AuditEventPage(_Listing):
    events: Objects[AuditEvent] = Field(validation_alias=wire("data"))
    page: Page = Field(validation_alias=wire("meta"))


class UserTags(_Model):
    number_tags: Annotated[list[str], BeforeValidator(_listed)] = Field(default_factory=list)
    outbound_profile_tags: Annotated[list[str], BeforeValidator(_listed)] = Field(default_factory=list)


class DeliveryAttempt(_Model):
    status: WebhookStatus | None = None
    started_at: UtcTimeOrNone = None
    finished_at: UtcTimeOrNone = None
    errors: Annotated[list[int], BeforeValidator(_error_codes)] = Field(default_factory=list)
    request_url: str | None = Field(None, validation_alias=AliasPath("http", "request", "url"))
    response_status: int | None = Field(None, validation_alias=AliasPath("http", "response", "status"))
    response_body: str | None = Field(None, validation_alias=AliasPath("http", "response", "body"))
    response_headers: Annotated[list[Any], BeforeValidator(_listed)] = Field(
        default_factory=list, validation_alias=AliasPath("http", "response", "headers")
    )


class WebhookDelivery(_Model):
    id: str
    status: WebhookStatus
    started_at: UtcTimeOrNone = None
    finished_at: UtcTimeOrNone = None
    event_type: str | None = Field(None, validation_alias=AliasPath("webhook", "event_type"))
    event_id: str | None = Field(None, validation_alias=AliasPath("webhook", "id"))
    occurred_at: UtcTimeOrNone = Field(None, validation_alias=AliasPath("webhook", "occurred_at"))
    payload: Annotated[dict[str, Any], BeforeValidator(_object_or_empty)] = Field(
        default_factory=dict, validation_alias=AliasPath("webhook", "payload")
    )
    attempts: Objects[DeliveryAttempt] = Field(default_factory=list)


class WebhookDeliveryPage(_Listing):
    deliveries: Objects[WebhookDelivery] = Field(validation_alias=wire("data"))
    page: Page = Field(validation_alias=wire("meta"))


class PaymentResult(_Model):
    id: str
    amount: Decimal  # from amount_cents
    currency: Currency = Field("USD", validation_alias=wire("amount_currency"))
    processor_status: str | None = None
    created_at: UtcTimeOrNone = None

    @model_validator(mode="before")
    @classmethod
    def _cents(cls, value: Any) -> Any:
        """Telnyx answers `amount_cents`, an integer: the amount is exactly that many hundredths."""
        if not isinstance(value, dict) or "amount_cents" not in value:
            return value  # built by name
        cents = value["amount_cents"]
        if isinstance(cents, bool) or not isinstance(cents, int):
            raise ValueError("amount_cents is not an integer")
        return value | {"amount": Decimal(cents).scaleb(-2)}
