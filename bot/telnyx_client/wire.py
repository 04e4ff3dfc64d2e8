"""Reading Telnyx's bodies: JSON without floats, and the `errors[]` of an error answer as FieldProblems."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from bot.errors import FieldProblem
from bot.models import Objects


def load_json(body: bytes) -> Any:
    """Decode a response body; JSON numbers with a fraction become Decimal, never float."""
    return json.loads(body, parse_float=Decimal)


def _said(value: Any) -> str:
    return "" if value is None else str(value)


def _object_or_empty(value: Any) -> Any:
    return value if isinstance(value, dict) else {}


Said = Annotated[str, BeforeValidator(_said)]  # whatever Telnyx put there, as text


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class ErrorSource(_Wire):
    pointer: Said = ""  # a JSON pointer into the request body: "/amount"
    parameter: Said = ""  # a query parameter: "filter[record_type]"


class ApiError(_Wire):
    """One entry of Telnyx's `errors[]`."""

    code: Said = ""
    title: Said = ""
    detail: Said = ""
    source: Annotated[ErrorSource, BeforeValidator(_object_or_empty)] = Field(default_factory=ErrorSource)

    def problem(self) -> FieldProblem:
        """What a user may see of it: title, detail, the field it is about, the code."""
        field = self.source.pointer or self.source.parameter
        if field.startswith("/"):
            field = field.strip("/").replace("/", ".")  # "/amount" -> "amount"; "/" is the whole body
        return FieldProblem(
            title=self.title,  # formatting says "Invalid value" when Telnyx gave no title
            detail=self.detail,
            field=field or None,
            code=self.code or None,
        )


class ErrorBody(_Wire):
    """`{"errors": [...]}`, the body of every Telnyx error answer."""

    errors: Objects[ApiError] = Field(default_factory=list)


def problems(body: bytes) -> list[FieldProblem]:
    """The problems an error answer lists; none when its body is not Telnyx's (a proxy's HTML page)."""
    try:
        return [error.problem() for error in ErrorBody.model_validate(load_json(body)).errors]
    except ValueError:  # not JSON, or not Telnyx's shape (pydantic's ValidationError is a ValueError)
        return []
