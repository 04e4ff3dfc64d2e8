"""Telnyx-shaped error answers: `{"errors": [{"code", "title", "detail", "source", "meta"}]}`.

Codes follow Telnyx's published list (10004 missing parameter, 10005 not found, 10006 invalid id,
10009 authentication failed, 10011 too many requests, 10015 bad request, 10027 invalid amount, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ERRORS_URL = "https://developers.telnyx.com/docs/overview/errors/"

# status -> (code, title) for errors that carry no more specific code
GENERIC = {
    400: ("10015", "Bad Request"),
    401: ("10009", "Authentication failed"),
    403: ("10010", "Authorization failed"),
    404: ("10005", "Resource not found"),
    405: ("10015", "Method not allowed"),
    409: ("10015", "Conflict"),
    422: ("10015", "Unprocessable entity"),
    429: ("10011", "Too many requests"),
    500: ("10007", "Unexpected error"),
    502: ("10007", "Bad gateway"),
    503: ("10007", "Service unavailable"),
    504: ("10008", "Request timeout"),
}
DETAILS = {
    401: "The required authentication headers were either invalid or not included in the request.",
    404: "The requested resource or URL could not be found.",
    429: "You have exceeded the maximum number of allowed requests.",
    500: "An unexpected error occurred.",
    502: "An upstream service answered with an error.",
    503: "The service is temporarily unavailable. Please try again later.",
    504: "The request timed out.",
}


@dataclass
class ApiError(Exception):
    """An error answer; raise it from a handler and the server renders it."""

    status: int
    detail: str = ""
    code: str | None = None
    title: str | None = None
    pointer: str | None = None  # JSON pointer into the request body
    parameter: str | None = None  # query or path parameter name
    headers: dict[str, str] = field(default_factory=dict)  # e.g. Retry-After

    def __post_init__(self) -> None:
        super().__init__(f"{self.status} {self.title or ''}: {self.detail}")

    def body(self) -> dict[str, Any]:
        """The JSON body Telnyx sends for this error."""
        return error_body(self.status, self.detail, self.code, self.title, self.pointer, self.parameter)


def error_body(
    status: int,
    detail: str = "",
    code: str | None = None,
    title: str | None = None,
    pointer: str | None = None,
    parameter: str | None = None,
) -> dict[str, Any]:
    """One-error Telnyx body; the generic code and title for `status` fill what is not given."""
    generic_code, generic_title = GENERIC.get(status, ("10007", "Unexpected error"))
    code = code or generic_code
    error: dict[str, Any] = {
        "code": code,
        "title": title or generic_title,
        "detail": detail or DETAILS.get(status, generic_title),
        "meta": {"url": ERRORS_URL + code},
    }
    if pointer is not None:
        error["source"] = {"pointer": pointer}
    elif parameter is not None:
        error["source"] = {"parameter": parameter}
    return {"errors": [error]}


def bad_param(parameter: str, detail: str, *, code: str = "10015") -> ApiError:
    """A 400 about one query parameter."""
    return ApiError(400, detail, code=code, title="Invalid parameter", parameter=parameter)


def bad_field(pointer: str, detail: str, *, title: str = "Invalid value", code: str = "10015") -> ApiError:
    """A 422 about one field of the JSON body."""
    return ApiError(422, detail, code=code, title=title, pointer=pointer)
