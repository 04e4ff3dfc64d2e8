"""`python -m devkit.sandbox` (what `telnyx-bot sandbox` runs) serves with its flags, and stops on Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from decimal import Decimal

import httpx
import pytest

from devkit.sandbox import Fault, add_cli
from devkit.sandbox.cli import config_from_args
from tests.devkit.sandbox.conftest import TLS


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_cli(parser.add_subparsers())
    return parser.parse_args(["sandbox", *argv])


def test_flags_become_a_config() -> None:
    args = parse(
        "--port",
        "0",
        "--api-key",
        "KEYX",
        "--seed",
        "3",
        "--latency",
        "0.2",
        "--jitter",
        "0.1",
        "--fault",
        "/v2/balance=503",
        "--fault",
        "/v2/invoices=429",
    )
    cfg = config_from_args(args)
    assert (cfg.port, cfg.api_key, cfg.seed, cfg.strict) == (0, "KEYX", 3, True)
    assert cfg.faults == {
        "/v2/": Fault(latency=0.2, jitter=0.1),
        "/v2/balance": Fault(latency=0.2, jitter=0.1, status=503),
        "/v2/invoices": Fault(latency=0.2, jitter=0.1, status=429),
    }
    assert args.func.__name__ == "run"


def test_the_account_clock_follows_real_time_unless_frozen_and_spends_the_pace_given() -> None:
    default = config_from_args(parse())
    assert (default.live, default.per_day) == (True, Decimal("300.00"))
    frozen = config_from_args(parse("--frozen", "--per-day", "120.50"))
    assert (frozen.live, frozen.per_day) == (False, Decimal("120.50"))


@pytest.mark.parametrize("bad", ["-5", "abc", "1.234", "NaN", "2000000"])
def test_a_bad_pace_flag_is_refused(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse("--per-day", bad)
    assert "--per-day takes USD a day, e.g. 300.00" in capsys.readouterr().err


@pytest.mark.parametrize(
    "bad",
    [
        "/v2/balance",
        "balance=503",
        "/v2/balance=abc",
        "/v2/balance=418",
        "/balance=503",
        "/v2/balances=503",
        "/v2/invoices/inv_1/pdf=503",
        "/_sandbox/faults=503",
    ],
)
def test_bad_fault_flags_are_refused(bad: str) -> None:
    with pytest.raises(SystemExit):
        parse("--fault", bad)


@pytest.mark.parametrize(
    "path", ["/v2/", "/v2", "/v2/invoices/", "/v2/invoices/inv_1", "/v2/payment", "/v2/bal"]
)
def test_a_fault_path_some_request_can_start_with_is_taken(path: str) -> None:
    assert path in config_from_args(parse("--fault", f"{path}=503")).faults


@pytest.mark.parametrize(
    ("flag", "says"),
    [
        ("/balance=503", "`/balance` is not a path of the Telnyx API; did you mean `/v2/balance`?"),
        ("/v2/no_such_thing=503", "`/v2/no_such_thing` is not a path of the Telnyx API."),
    ],
)
async def test_a_fault_that_can_never_match_stops_the_start_with_the_right_form(flag: str, says: str) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "sandbox",
        "--port",
        "0",
        "--fault",
        flag,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = err.decode()
    assert process.returncode == 2 and out == b"", text  # refused before serving anything
    assert says in text and "Traceback" not in text
    # the accepted paths, as the API spells them
    assert "/v2/balance, " in text and "/v2/invoices/{id}" in text and "/v2/ for all" in text


async def test_serves_until_interrupted() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "devkit.sandbox",
        "--port",
        "0",
        "--api-key",
        "KEYCLI",
        "--fault",
        "/v2/balance=503",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        first = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
        base_url = first.rsplit(" ", 1)[1].strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v2")
        rest = [(await asyncio.wait_for(process.stdout.readline(), 5)).decode() for _ in range(3)]
        assert "TELNYX_API_KEY=KEYCLI" in rest[1]
        async with httpx.AsyncClient(headers={"Authorization": "Bearer KEYCLI"}, verify=TLS) as client:
            assert (await client.get(base_url + "/balance")).status_code == 503
            assert (await client.get(base_url + "/user_tags")).status_code == 200
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 10) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
