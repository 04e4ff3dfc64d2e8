"""The usage CSV export: every page, fetched concurrently, streamed to a file, uploaded, with progress.

Progress is a normal bot message in the conversation, changed with `chat.update` (a response_url allows
only five posts, and `replace_original` would overwrite the answer the user clicked on). Rows go to a
temporary file as they arrive, so memory does not grow with the number of records.
"""

from __future__ import annotations

import csv
import logging
import tempfile
import time
from contextlib import aclosing
from pathlib import Path
from typing import Any

from slack_bolt.async_app import AsyncBoltContext
from slack_sdk.errors import SlackApiError

from bot.errors import TelnyxError
from bot.models import DetailRecord
from bot.periods import Period
from formatting.errors import error_text
from formatting.export import (
    export_done_blocks,
    export_empty_blocks,
    export_empty_text,
    export_failed_blocks,
    export_progress_blocks,
)
from formatting.periods import describe_period
from handlers.replies import answer_error, respond, services, slack, user
from handlers.uploads import upload_csv

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 1.0  # seconds between progress edits (chat.update is rate limited)
BASE_COLUMNS = ["id", "record_type", "created_at", "status", "direction", "cost", "currency"]


def columns_for(first: DetailRecord) -> list[str]:
    """The common columns, then the record type's own fields as the first record shows them."""
    extra = sorted(
        k for k in first.raw if k not in BASE_COLUMNS and not isinstance(first.raw[k], dict | list)
    )
    return BASE_COLUMNS + extra


def row_for(record: DetailRecord, columns: list[str]) -> list[str]:
    """One CSV row: the lifted fields as typed, the rest as the API sent them."""
    lifted: dict[str, Any] = {
        "id": record.id,
        "record_type": record.record_type,
        "created_at": record.created_at.isoformat() if record.created_at else "",
        "status": record.status or "",
        "direction": record.direction or "",
        "cost": "" if record.cost is None else str(record.cost),
        "currency": record.currency or "",
    }
    return [str(lifted[c]) if c in lifted else _cell(record.raw.get(c)) for c in columns]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


async def start_export(
    context: AsyncBoltContext, channel: str, record_type: str, period: Period, filters: dict[str, str]
) -> None:
    """Post the progress message in `channel`, then run the export in the background (the click is acked)."""
    title = f"{record_type} records, {describe_period(period)}"
    try:
        posted = await slack(context).chat_postMessage(
            channel=channel,
            text=f"Exporting {title} for <@{user(context)}>...",
            blocks=export_progress_blocks(0, 0, 0, title=title, user_id=user(context)),
        )
    except SlackApiError as err:
        await answer_error_slack(context, err)
        return
    where = (posted["channel"], posted["ts"])
    services(context).spawn(
        run_export(context, record_type, period, filters, title, where), name=f"export {record_type}"
    )


async def answer_error_slack(context: AsyncBoltContext, err: SlackApiError) -> None:
    """The bot cannot post here (not a member): say how to fix it."""
    from formatting.help import usage_error_blocks

    code = err.response.get("error", "unknown_error")
    problem = f"The bot cannot post in this conversation ({code})"
    await respond(
        context,
        problem,
        usage_error_blocks(
            problem, "a channel the bot is a member of, or a DM with the bot", "/invite @Telnyx"
        ),
        response_type="ephemeral",
        replace_original=False,
    )


async def run_export(
    context: AsyncBoltContext,
    record_type: str,
    period: Period,
    filters: dict[str, str],
    title: str,
    where: tuple[str, str],
) -> None:
    """Walk every page (concurrently, in order), write rows as they come, upload, report."""
    channel, ts = where
    progress: dict[str, int] = {"pages": 0, "total": 0, "rows": 0}
    last_update = [0.0]

    async def on_page(done: int, total: int) -> None:
        progress["pages"], progress["total"] = done, total
        now = time.monotonic()
        if now - last_update[0] >= PROGRESS_EVERY and done < total:
            last_update[0] = now
            await _update(
                context,
                channel,
                ts,
                f"Exporting {title}: page {done} of {total}",
                export_progress_blocks(done, total, progress["rows"], title=title, user_id=user(context)),
            )

    with tempfile.TemporaryDirectory(prefix="telnyx-export-") as tmp:
        path = (
            Path(tmp)
            / f"telnyx-{record_type}-{period.start.isoformat()}-to-{period.last_day.isoformat()}.csv"
        )
        try:
            with path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                columns: list[str] | None = None
                records = services(context).telnyx.iter_detail_records(
                    record_type,
                    filters=filters,
                    start=period.start_dt(),
                    end=period.end_dt(),
                    size=50,
                    on_page=on_page,
                )
                async with aclosing(records):
                    async for record in records:
                        if columns is None:
                            columns = columns_for(record)
                            writer.writerow(columns)
                        writer.writerow(row_for(record, columns))
                        progress["rows"] += 1
        except TelnyxError as err:
            await _update(
                context,
                channel,
                ts,
                error_text(err),
                export_failed_blocks(err, title=title, user_id=user(context)),
            )
            await answer_error(context, err)
            return
        rows = int(progress["rows"])
        if rows == 0:
            await _update(
                context,
                channel,
                ts,
                export_empty_text(title),
                export_empty_blocks(title=title, user_id=user(context)),
            )
            return
        uploaded = await upload_csv(context, channel, path.name, path, title)
        text = (
            f"Export of {title} done: {rows} rows."
            if uploaded
            else f"Export of {title} could not be uploaded."
        )
        await _update(
            context,
            channel,
            ts,
            text,
            export_done_blocks(rows, path.name, title=title, user_id=user(context), uploaded=uploaded),
        )


async def _update(context: AsyncBoltContext, channel: str, ts: str, text: str, blocks: list[Any]) -> None:
    """Edit the progress message; a failed edit is logged, never fatal for the export."""
    try:
        await slack(context).chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
    except SlackApiError as err:
        logger.warning("progress update failed: %s", err.response.get("error"))
