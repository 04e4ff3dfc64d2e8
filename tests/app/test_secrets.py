"""No secret reaches a log: a whole session at DEBUG level, every logger captured."""

import logging

from tests.app.harness import KEY, SECRET, TOKEN, running_bot


async def test_no_token_key_or_secret_in_any_log_line_at_debug(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    async with running_bot(tmp_path) as bot:
        await bot.command("balance")
        await bot.command("invoices 2")
        await bot.command("webhooks failed")
        await bot.command("tags nope-nothing")
    logged = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    assert len(caplog.records) > 20  # the capture did see the libraries' debug output
    for secret in (KEY, TOKEN, SECRET):
        assert secret not in logged
