"""The sandbox knobs the benchmark uses: extra detail records of one type, and memoized record queries."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from devkit.sandbox import Sandbox, SandboxConfig
from devkit.sandbox.data.records import COUNTS

KEY = "KEYBENCHKNOBS"
NOW = datetime(2026, 3, 15, 12, 30, tzinfo=UTC)
TLS = ssl.create_default_context()  # one for every client: httpx builds one per client otherwise


async def records(sb: Sandbox, record_type: str, **query: Any) -> list[dict[str, Any]]:
    """Every record of a type, newest first, page by page over HTTP."""
    out: list[dict[str, Any]] = []
    async with httpx.AsyncClient(
        base_url=sb.url, headers={"Authorization": f"Bearer {KEY}"}, verify=TLS
    ) as http:
        number = 1
        while True:
            params = {"filter[record_type]": record_type, "page[number]": number, "page[size]": 50, **query}
            response = await http.get("/v2/detail_records", params=params)
            assert response.status_code == 200, response.text
            body = response.json()
            out += body["data"]
            if number >= body["meta"]["total_pages"]:
                assert len(out) == body["meta"]["total_results"]
                return out
            number += 1


async def test_extra_records_add_exactly_that_many_and_leave_the_seeded_account_alone() -> None:
    plain = SandboxConfig(api_key=KEY, seed=7, now=NOW)
    more = SandboxConfig(api_key=KEY, seed=7, now=NOW, extra_records={"verify": 120})
    async with Sandbox(plain) as a, Sandbox(more) as b:
        seeded, extended = await records(a, "verify"), await records(b, "verify")
        assert len(seeded) == COUNTS["verify"]
        assert len(extended) == COUNTS["verify"] + 120
        assert {r["id"] for r in seeded} < {r["id"] for r in extended}
        assert len({r["id"] for r in extended}) == len(extended)
        # other types and the rest of the account are the seeded ones
        assert await records(a, "messaging") == await records(b, "messaging")
        assert a.state.balance == b.state.balance and a.state.invoices == b.state.invoices


async def test_memoized_queries_answer_the_same_pages_as_fresh_ones() -> None:
    query = {
        "filter[status]": "delivered",
        "filter[created_at][gte]": "2026-01-01T00:00:00Z",
        "sort": "created_at",
    }
    fresh = SandboxConfig(api_key=KEY, seed=7, now=NOW, extra_records={"messaging": 200})
    memo = SandboxConfig(api_key=KEY, seed=7, now=NOW, extra_records={"messaging": 200}, memo_queries=True)
    async with Sandbox(fresh) as a, Sandbox(memo) as b:
        expected = await records(a, "messaging", **query)
        assert expected and all(r["status"] == "delivered" for r in expected)
        assert [r["created_at"] for r in expected] == sorted(r["created_at"] for r in expected)
        assert await records(b, "messaging", **query) == expected
        assert await records(b, "messaging", **query) == expected  # the second walk is served from the memo
        assert b.state.query_memo is not None and len(b.state.query_memo) == 1
        assert a.state.query_memo is None
        # a different query is its own entry, not the first one's answer
        assert await records(b, "messaging") == await records(a, "messaging")
        assert len(b.state.query_memo) == 2


async def test_a_refused_query_is_refused_again_not_memoized() -> None:
    async with Sandbox(SandboxConfig(api_key=KEY, seed=7, now=NOW, memo_queries=True)) as sb:
        async with httpx.AsyncClient(
            base_url=sb.url, headers={"Authorization": f"Bearer {KEY}"}, verify=TLS
        ) as http:
            params = {"filter[record_type]": "messaging", "filter[no_such_field]": "x"}
            for _ in range(2):
                response = await http.get("/v2/detail_records", params=params)
                assert response.status_code == 400
                assert "no_such_field" in response.json()["errors"][0]["detail"]  # the handler's refusal
        assert sb.state.query_memo == {}


def test_extra_records_of_a_type_the_sandbox_cannot_make_are_refused() -> None:
    with pytest.raises(ValueError, match="webrtc"):
        Sandbox(SandboxConfig(api_key=KEY, extra_records={"webrtc": 5}))
    with pytest.raises(ValueError, match="0 or more"):
        SandboxConfig(api_key=KEY, extra_records={"verify": -1})
