"""No secret reaches a log: a whole session at DEBUG level, every logger captured; response URLs and
modal metadata are redacted like secrets."""

import json
import logging
from collections.abc import Callable, Iterator

import pytest

from bot import ids
from bot.config import Settings, configure_logging
from bot.logs import OURS, Redactor
from bot.redaction import RedactingFilter
from devkit.slackfake.values import text_input
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


@pytest.fixture
def redaction_installed_at_start_up() -> Iterator[Callable[[Settings], None]]:
    """`configure_logging` as start-up calls it; the filters it put on the root handlers removed after."""
    yield configure_logging
    for handler in logging.getLogger().handlers:
        for installed in [f for f in handler.filters if isinstance(f, RedactingFilter | Redactor)]:
            handler.removeFilter(installed)
    root = logging.getLogger()
    for ours in [h for h in root.handlers if getattr(h, OURS, False)]:  # the stderr handler start-up adds
        root.removeHandler(ours)
        ours.close()


async def test_no_response_url_or_modal_metadata_in_any_log_line_at_debug(
    tmp_path, caplog, redaction_installed_at_start_up
):
    """A response_url lets anyone post into the conversation for 30 minutes: no log line may show one,
    whether from the payload, the post to it, or the modal that carries it in private_metadata."""
    caplog.set_level(logging.DEBUG)
    async with running_bot(tmp_path) as bot:
        # start-up's logging as LOG_LEVEL=DEBUG configures it
        redaction_installed_at_start_up(bot.svc.settings.model_copy(update={"log_level": "DEBUG"}))
        [answer] = await bot.command("balance", user="U0REQUEST")
        await bot.click(answer, ids.ACTION_REQUEST_TOPUP, user="U0REQUEST")
        [form] = bot.slack.view_stack("U0REQUEST")
        values = {ids.BLOCK_TOPUP_AMOUNT: {ids.INPUT: text_input("75")}}
        assert (await bot.requests.view_submission(form, values, user="U0REQUEST")).ok
        await bot.idle()
        handed_out = list(bot.slack.workspace.response_urls)
    assert len(handed_out) == 2 and json.loads(form["private_metadata"])["url"]
    logged = caplog.text + "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    for rid in handed_out:
        assert rid not in logged
    assert form["private_metadata"] not in logged
    # the posts to them and the modal were logged, with the secret cut off
    assert "/response/[redacted]" in logged and "private_metadata': '[redacted]'" in logged
