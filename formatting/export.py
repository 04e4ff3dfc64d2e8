"""Progress, completion and failure of a CSV export (a channel message, credited to who asked)."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.errors import TelnyxError
from formatting.layout import context, fallback, section
from formatting.share import shared_by_context
from formatting.telnyx_errors import hint, message
from formatting.text import escape, escape_truncated, inline_code, plural

BAR_WIDTH = 20


def _bar(done: int, total: int) -> str:
    filled = round(BAR_WIDTH * done / total) if total > 0 else 0
    return "▓" * filled + "░" * (BAR_WIDTH - filled)


def _what(title: str | None) -> str:
    return f" {escape_truncated(title, 200, single_line=True)}" if title else ""


def _credit(user_id: str | None) -> list[Block]:
    return [shared_by_context(user_id, verb="Requested")] if user_id else []


def export_progress_blocks(
    done_pages: int, total_pages: int, rows: int, *, title: str | None = None, user_id: str | None = None
) -> list[Block]:
    """ "Exporting… ▓▓░░ 3 of 10 pages (1,234 rows so far)"."""
    total = max(total_pages, done_pages, 0)
    done = max(min(done_pages, total), 0)
    return [
        section(
            f":hourglass_flowing_sand: *Exporting{_what(title)}…* {_bar(done, total)} {done:,} of "
            f"{plural(total, 'page')} ({plural(max(rows, 0), 'row')} so far)"
        ),
        *_credit(user_id),
    ]


def export_progress_text(done_pages: int, total_pages: int, rows: int) -> str:
    """Plain fallback for export_progress_blocks."""
    return (
        f"Exporting: {max(done_pages, 0):,} of {max(total_pages, 0):,} pages, {max(rows, 0):,} rows so far."
    )


def export_done_blocks(
    rows: int,
    filename: str,
    *,
    title: str | None = None,
    user_id: str | None = None,
    uploaded: bool = True,
) -> list[Block]:
    """The export is ready (file name and row count), or it was written but could not be uploaded."""
    if uploaded:
        text = f":white_check_mark: *Export{_what(title)} ready:* {inline_code(filename, 200)} with {plural(max(rows, 0), 'row')}."
    else:
        text = (
            f":warning: *Export{_what(title)} finished but could not be uploaded* ({plural(max(rows, 0), 'row')}). "
            "Check that the bot may upload files in this channel (files:write), then try again."
        )
    return [section(text), *_credit(user_id)]


def export_done_text(rows: int, filename: str) -> str:
    """Plain fallback for export_done_blocks."""
    return fallback(escape(f"Export ready: {filename} with {max(rows, 0):,} rows."))


def export_failed_blocks(
    err: TelnyxError, *, title: str | None = None, user_id: str | None = None
) -> list[Block]:
    """The export stopped on a Telnyx error: what happened and what to do."""
    return [
        section(
            f":x: *Export{_what(title)} failed:* {escape_truncated(message(err), 1000)}\n"
            f"{escape_truncated(hint(err), 1000)}"
        ),
        context("Nothing was uploaded; run the export again once the problem is fixed."),
        *_credit(user_id),
    ]


def export_empty_blocks(*, title: str | None = None, user_id: str | None = None) -> list[Block]:
    """Nothing matched: no file is made (an empty CSV would only look like a failed export)."""
    return [
        section(
            f":information_source: *Nothing to export{_what(title)}:* no records match, so no file was made. "
            "Try a longer period or fewer filters."
        ),
        *_credit(user_id),
    ]


def export_empty_text(title: str | None = None) -> str:
    """Plain fallback for export_empty_blocks."""
    return fallback(
        escape(f"Nothing to export{' for ' + title if title else ''}: no records match, no file.")
    )
