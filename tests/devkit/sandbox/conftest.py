"""A sandbox on 127.0.0.1:0 with a fixed clock, and an httpx client holding its key."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from devkit.sandbox import Sandbox, SandboxConfig
from devkit.sandbox.spec import contract

KEY = "KEYSANDBOXTEST"
NOW = datetime(2026, 3, 15, 12, 30, tzinfo=UTC)
# One TLS context for every client: httpx builds a new one per client otherwise (~0.1 s each), though
# the sandbox is plain HTTP on loopback.
TLS = ssl.create_default_context()


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox(SandboxConfig(api_key=KEY, seed=7, now=NOW)) as sandbox:
        yield sandbox


@pytest.fixture
async def client(sb: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=sb.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=5, verify=TLS
    ) as http:
        yield http


def checked(response: httpx.Response, operation: str, status: int = 200) -> Any:
    """Assert the status and content type, validate the body against the spec, return it."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    problems = contract().response_problems(operation, status, body)
    assert problems == [], problems
    return body


def error_of(response: httpx.Response, operation: str, status: int) -> dict[str, Any]:
    """Assert a Telnyx error answer valid against the spec; return its one error."""
    body = checked(response, operation, status)
    # every error body also fits the spec's generic ErrorResponse, whatever the operation documents
    assert contract().schema_problems("/components/schemas/ErrorResponse", body) == []
    assert len(body["errors"]) == 1
    error = body["errors"][0]
    assert error["code"] and error["title"] and error["detail"]
    return error
