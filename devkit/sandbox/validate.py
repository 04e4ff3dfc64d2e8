"""Requests read the way the contract describes them: deepObject queries, path ids, JSON bodies.

`check_request` never raises on a bad request: it returns the parsed values plus every problem, so the
server can record problems for tests (`sb.requests[i].problems`) and, when strict, refuse them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from devkit.sandbox.errors import ApiError
from devkit.sandbox.spec import Operation, Param

_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)((?:\[[^\[\]]*\])*)$")
_INT = re.compile(r"^-?\d+$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass
class Checked:
    """A request as the contract reads it: parameter values coerced to their schema types."""

    query: dict[str, Any] = field(default_factory=dict)
    path: dict[str, str] = field(default_factory=dict)
    body: Any = None
    problems: list[str] = field(default_factory=list)
    refusal: ApiError | None = None  # the first problem, as the error the real API answers
    fatal: bool = False  # the request cannot be served at all (unreadable body), strict or not

    def problem(self, op: Operation, where: str, name: str, message: str, code: str | None = None) -> None:
        """Record a problem; the first one also becomes the refusal."""
        self.problems.append(f"{where} {name}: {message}")
        if self.refusal is None:
            status = op.refusal_status(where)
            if where == "body":
                self.refusal = ApiError(status, message, code=code, title="Invalid value", pointer=name)
            elif where == "path":
                code, title = ("10006", "Invalid ID") if status == 400 else ("10005", "Resource not found")
                self.refusal = ApiError(status, message, code=code, title=title, parameter=name)
            else:
                title = "Missing required parameter" if code == "10004" else "Invalid parameter"
                self.refusal = ApiError(status, message, code=code, title=title, parameter=name)


def check_request(
    op: Operation,
    query: Iterable[tuple[str, str]],
    path: Mapping[str, str],
    content_type: str,
    raw_body: bytes,
) -> Checked:
    """Parse and validate one request against its operation."""
    checked = Checked(path=dict(path))
    _read_query(op, query, checked)
    for name, param in op.query.items():
        if name in checked.query:
            checked.query[name] = _coerce(param.schema, checked.query[name])
            _validate(op, checked, "query", name, param, checked.query[name])
        elif param.required:
            checked.problem(op, "query", name, f"the required parameter {name!r} is missing", code="10004")
    for name, param in op.path_params.items():
        _validate(op, checked, "path", name, param, checked.path.get(name))
    if op.body is not None:
        _read_body(op, content_type, raw_body, checked)
    elif raw_body.strip():
        checked.problem(op, "body", "/", f"{op.method} {op.path} takes no request body")
    return checked


def _read_query(op: Operation, query: Iterable[tuple[str, str]], checked: Checked) -> None:
    for key, value in query:
        match = _KEY.match(key)
        param = op.query.get(match.group(1)) if match else None
        if match is None or param is None:
            known = ", ".join(sorted(op.query)) or "none"
            checked.problem(op, "query", key, f"unknown query parameter (this operation takes: {known})")
            continue
        keys = [part for part in re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        if param.deep:
            if not keys or "" in keys:
                checked.problem(
                    op, "query", key, f"{param.name} is a deepObject: use {param.name}[key]=value"
                )
                continue
            node = checked.query.setdefault(param.name, {})
            for part in keys[:-1]:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    checked.problem(op, "query", key, "conflicts with another value of the same key")
                    break
                node = child
            else:
                if keys[-1] in node:
                    checked.problem(op, "query", key, "given more than once")
                node[keys[-1]] = value
        elif keys:
            checked.problem(op, "query", key, f"{param.name} takes a plain value, not {param.name}[...]")
        elif param.is_array:
            # form style: sort=a&sort=b; the official SDK joins with commas: sort=a,b
            checked.query.setdefault(param.name, []).extend(v for v in value.split(",") if v)
        elif param.name in checked.query:
            checked.problem(op, "query", key, "given more than once")
        else:
            checked.query[param.name] = value


def _coerce(schema: Mapping[str, Any], value: Any) -> Any:
    """Query strings are all text: turn digits into integers etc. where the schema asks for them."""
    if isinstance(value, dict):
        props = schema.get("properties", {})
        return {k: _coerce(props.get(k, {}), v) for k, v in value.items()}
    if isinstance(value, list):
        return [_coerce(schema.get("items", {}), v) for v in value]
    types = schema.get("type")
    types = [types] if isinstance(types, str) else (types or [])
    if "integer" in types and _INT.match(value):
        return int(value)
    if "number" in types and _NUMBER.match(value):
        return float(value)
    if "boolean" in types and value in ("true", "false"):
        return value == "true"
    return value


def _validate(op: Operation, checked: Checked, where: str, name: str, param: Param, value: Any) -> None:
    for error in param.validator.iter_errors(value):
        inner = "".join(f"[{p}]" for p in error.absolute_path)
        code = None
        if error.validator == "required":
            inner += "[" + _missing(error.message) + "]"
            code = "10004"
        checked.problem(op, where, f"{name}{inner}", error.message, code)


def _missing(message: str) -> str:
    """The property name in jsonschema's "'x' is a required property"."""
    return message.split("'")[1] if message.count("'") >= 2 else ""


def _read_body(op: Operation, content_type: str, raw_body: bytes, checked: Checked) -> None:
    if content_type != "application/json":
        checked.problem(op, "body", "/", f"Content-Type must be application/json, not {content_type!r}")
    try:
        checked.body = json.loads(raw_body or b"null")
    except ValueError:
        checked.problems.append("body /: not valid JSON")
        checked.refusal = ApiError(
            400, "The request body is not valid JSON.", code="10023", title="Invalid JSON"
        )
        checked.fatal = True
        return
    for error in op.body.iter_errors(checked.body):  # type: ignore[union-attr]
        pointer = "/" + "/".join(str(p) for p in error.absolute_path)
        code = None
        if error.validator == "required":
            pointer = pointer.rstrip("/") + "/" + _missing(error.message)
            code = "10004"
        checked.problem(op, "body", pointer, error.message, code)
