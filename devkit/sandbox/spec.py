"""The contract: account-openapi.json compiled once into request and response validators.

Two readings are the sandbox's, not the file's, and both follow Telnyx's documentation:
- `DetailRecord` is a oneOf whose subschemas all match almost anything, so it is validated by its
  `record_type` discriminator (if/then per type) instead; record types the spec has no schema for
  (call-control, sip-trunking, webrtc) are checked against `VOICE_RECORD`, written from Telnyx's
  published WebRTC detail record example (the voice record types share that shape).
- `filter[date_range]` also accepts `last_N_days`, which the parameter's description allows but its enum omits.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).with_name("account-openapi.json")
SPEC_URI = "urn:telnyx:account-openapi"
METHODS = ("get", "post", "patch", "put", "delete")
LAST_N_DAYS = r"^last_[1-9][0-9]{0,2}_days$"
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")

# record_type in the data -> the spec has no schema: checked against VOICE_RECORD
VOICE_RECORD_TYPES = ("call_control_detail_record", "sip_trunking_detail_record", "webrtc_detail_record")
_TIME = {"type": "string", "format": "date-time"}
_TEXT = {"type": "string"}
VOICE_RECORD: dict[str, Any] = {
    "type": "object",
    "required": ["id", "record_type", "started_at", "direction", "cost", "currency"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "record_type": {"enum": list(VOICE_RECORD_TYPES)},
        "call_leg_id": _TEXT,
        "call_session_id": _TEXT,
        "connection_id": _TEXT,
        "connection_name": _TEXT,
        "started_at": _TIME,
        "answered_at": {"type": ["string", "null"], "format": "date-time"},
        "finished_at": _TIME,
        "call_sec": {"type": "integer", "minimum": 0},
        "billed_sec": {"type": "integer", "minimum": 0},
        "direction": {"enum": ["inbound", "outbound"]},
        "status": _TEXT,
        "hangup_cause": _TEXT,
        "cli": _TEXT,
        "cld": _TEXT,
        "rate": {"type": "string", "pattern": r"^\d+\.\d+$"},
        "cost": {"type": "string", "pattern": r"^\d+\.\d+$"},
        "currency": _TEXT,
        "tags": _TEXT,
        "billing_group_id": _TEXT,
        "billing_group_name": _TEXT,
    },
}


def _check_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True  # formats constrain strings only
    if not _RFC3339.match(value):
        return False
    datetime.fromisoformat(value.replace("z", "Z"))  # raises ValueError on 2024-02-30 and the like
    return True


def _check_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parsed = urlparse(value)
    return bool(parsed.scheme and parsed.netloc)


FORMATS = FormatChecker()
FORMATS.checks("date-time", raises=ValueError)(_check_datetime)
FORMATS.checks("uri")(_check_uri)
FORMATS.checks("integer")(lambda v: not isinstance(v, str) or bool(re.fullmatch(r"-?\d+", v)))
FORMATS.checks("json-pointer")(lambda v: not isinstance(v, str) or v == "" or v.startswith("/"))


@dataclass(frozen=True)
class Param:
    """One query or path parameter, with its compiled validator."""

    name: str
    where: str
    required: bool
    deep: bool
    schema: dict[str, Any]
    validator: Draft202012Validator

    @property
    def is_array(self) -> bool:
        return self.schema.get("type") == "array"


@dataclass(frozen=True)
class Operation:
    """One operation of the contract, as served under `path` (which includes /v2)."""

    id: str
    method: str
    path: str
    query: dict[str, Param]
    path_params: dict[str, Param]
    body: Draft202012Validator | None
    responses: dict[str, Draft202012Validator | None] = field(repr=False)

    def refusal_status(self, where: str) -> int:
        """The 4xx this operation documents for a bad request part: its 400, else its 422 (or 404 for ids)."""
        documented = self.responses
        if where == "body":
            return 422
        if "400" in documented:
            return 400
        if where == "path" and "404" in documented:
            return 404
        return 422 if "422" in documented else 400


def _patched_spec() -> dict[str, Any]:
    spec = json.loads(SPEC_PATH.read_text())
    schemas = spec["components"]["schemas"]
    branches, known = [], []
    for option in schemas["DetailRecord"]["oneOf"]:
        target = option["$ref"]
        record_type = schemas[target.rsplit("/", 1)[1]]["properties"]["record_type"]["default"]
        known.append(record_type)
        branches.append(_if_type(record_type, {"$ref": target}))
    schemas["x-sandbox-VoiceDetailRecord"] = VOICE_RECORD
    for record_type in VOICE_RECORD_TYPES:
        known.append(record_type)
        branches.append(_if_type(record_type, {"$ref": "#/components/schemas/x-sandbox-VoiceDetailRecord"}))
    schemas["DetailRecord"] = {
        "type": "object",
        "required": ["record_type"],
        "properties": {"record_type": {"enum": known}},
        "allOf": branches,
    }
    for parameter in spec["paths"]["/detail_records"]["get"]["parameters"]:
        if parameter.get("name") == "filter":
            date_range = parameter["schema"]["properties"]["date_range"]
            enum = date_range.pop("enum")
            date_range["anyOf"] = [{"enum": enum}, {"pattern": LAST_N_DAYS}]
    return spec


def _if_type(record_type: str, then: dict[str, Any]) -> dict[str, Any]:
    return {
        "if": {"properties": {"record_type": {"const": record_type}}, "required": ["record_type"]},
        "then": then,
    }


class Contract:
    """The compiled contract: operations by (method, served path template)."""

    def __init__(self) -> None:
        self.spec = _patched_spec()
        self.registry = Registry().with_resource(
            SPEC_URI, Resource.from_contents(self.spec, default_specification=DRAFT202012)
        )
        self.operations: dict[str, Operation] = {}
        for path, item in self.spec["paths"].items():
            for method in METHODS:
                if method in item:
                    op = self._operation(_served(self.spec, path, item), path, method, item[method])
                    self.operations[op.id] = op

    def validator(self, pointer: str) -> Draft202012Validator:
        """A validator for the schema at `pointer` (e.g. "/components/schemas/Invoice")."""
        return Draft202012Validator(
            {"$ref": f"{SPEC_URI}#{pointer}"}, registry=self.registry, format_checker=FORMATS
        )

    def _operation(self, served: str, path: str, method: str, raw: dict[str, Any]) -> Operation:
        base = "/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method
        query: dict[str, Param] = {}
        path_params: dict[str, Param] = {}
        for index, entry in enumerate(raw.get("parameters", [])):
            pointer = f"{base}/parameters/{index}"
            if "$ref" in entry:
                pointer = entry["$ref"].lstrip("#")
                entry = self.resolve(pointer)
            param = Param(
                name=entry["name"],
                where=entry["in"],
                required=bool(entry.get("required")),
                deep=entry.get("style") == "deepObject",
                schema=entry["schema"],
                validator=self.validator(pointer + "/schema"),
            )
            (query if param.where == "query" else path_params)[param.name] = param
        body = None
        if "requestBody" in raw:
            body = self.validator(f"{base}/requestBody/content/application~1json/schema")
        responses: dict[str, Draft202012Validator | None] = {}
        for status, response in raw["responses"].items():
            pointer = f"{base}/responses/{status}"
            if "$ref" in response:
                pointer = response["$ref"].lstrip("#")
                response = self.resolve(pointer)
            has_json = "application/json" in response.get("content", {})
            responses[status] = (
                self.validator(pointer + "/content/application~1json/schema") if has_json else None
            )
        return Operation(raw["operationId"], method.upper(), served, query, path_params, body, responses)

    def resolve(self, pointer: str) -> Any:
        """The spec's value at a JSON pointer."""
        node: Any = self.spec
        for part in pointer.strip("/").split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    def response_problems(self, operation_id: str, status: int, body: Any) -> list[str]:
        """Every way `body` breaks the schema documented for `status` ([] if none is documented)."""
        responses = self.operations[operation_id].responses
        validator = responses.get(str(status), responses.get("default"))
        if validator is None:
            return []
        return [_describe(error) for error in validator.iter_errors(body)]

    def schema_problems(self, pointer: str, instance: Any) -> list[str]:
        """Every way `instance` breaks the schema at `pointer`."""
        return [_describe(error) for error in self.validator(pointer).iter_errors(copy.deepcopy(instance))]


def _describe(error: Any) -> str:
    where = "/" + "/".join(str(p) for p in error.absolute_path)
    return f"{where}: {error.message}"


def _served(spec: dict[str, Any], path: str, item: dict[str, Any]) -> str:
    """The path as requests reach it: the spec's path under its server's path (/v2)."""
    prefix = urlparse((item.get("servers") or spec["servers"])[0]["url"]).path.rstrip("/")
    return prefix + path


@cache
def served_paths() -> tuple[str, ...]:
    """Every path template the sandbox serves, e.g. /v2/invoices/{id}, sorted (without compiling the contract)."""
    spec = json.loads(SPEC_PATH.read_text())
    return tuple(sorted({_served(spec, path, item) for path, item in spec["paths"].items()}))


@cache
def contract() -> Contract:
    """The process-wide compiled contract (compiling takes a moment; do it once)."""
    return Contract()
