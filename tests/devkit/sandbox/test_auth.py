"""The bearer key: a wrong one, none, or another scheme gets Telnyx's 401 body, never the key back."""

from __future__ import annotations

import httpx
import pytest

from devkit.sandbox import Sandbox
from tests.devkit.sandbox.conftest import KEY, TLS, error_of


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer KEYWRONG"}, {"Authorization": f"Basic {KEY}"}, {"Authorization": KEY}],
    ids=["none", "wrong-key", "basic", "bare"],
)
@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("GET", "/v2/balance", "GetUserBalance"),
        ("GET", "/v2/user_tags", "GetUserTags"),
        ("POST", "/v2/payment/stored_payment_transactions", "createStoredPaymentTransaction"),
    ],
)
async def test_unauthorized(sb: Sandbox, headers: dict, method: str, path: str, operation: str) -> None:
    before = sb.state.balance
    async with httpx.AsyncClient(base_url=sb.url, verify=TLS) as client:
        body = {"amount": "10.00"} if method == "POST" else None
        response = await client.request(method, path, headers=headers, json=body)
    error = error_of(response, operation, 401)
    assert error["code"] == "10009" and error["title"] == "Authentication failed"
    assert KEY not in response.text and "KEYWRONG" not in response.text
    assert sb.state.balance == before
    assert sb.requests[-1].authorized is False and sb.requests[-1].status == 401
    assert KEY not in repr(sb.requests[-1]) and KEY not in repr(sb.config)


async def test_the_right_key_is_accepted(sb: Sandbox, client: httpx.AsyncClient) -> None:
    assert (await client.get("/v2/balance")).status_code == 200
    assert sb.requests[-1].authorized is True
