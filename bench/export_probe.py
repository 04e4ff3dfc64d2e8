"""The export's streaming part alone, under tracemalloc, in its own process: pages in, CSV rows out.

    python -m bench.export_probe     # then one JSON line per export on stdin:
    {"record_type": "messaging", "start": "2026-08-28T00:00:00+00:00", "end": "2026-11-29T00:00:00+00:00"}

Settings (TELNYX_API_KEY, TELNYX_BASE_URL, EXPORT_CONCURRENCY) come from the environment. It prints
"ready" once imported (the SDK import takes seconds: paid once, while the bench starts the bot), then for
each line walks `TelnyxGateway.iter_detail_records` and writes rows with the export handler's own
`columns_for`/`row_for`, as `handlers.exports.run_export` does, and prints one JSON line: rows, seconds,
the peak of Python memory allocated while exporting (tracemalloc, after a warm-up page so imports and the
pool are not counted), and the file's size. It exits at the end of stdin. The upload is left out: it is
measured through the app by bench.export_bench.
"""

from __future__ import annotations

import asyncio
import csv
import json
import sys
import tempfile
import time
import tracemalloc
from contextlib import aclosing
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.config import load_settings
from bot.telnyx_client import TelnyxGateway
from handlers.exports import BASE_COLUMNS, columns_for, row_for


async def probe(record_type: str, start: datetime, end: datetime) -> dict[str, Any]:
    """Export every matching record to a temporary CSV under tracemalloc; the figures."""
    gateway = TelnyxGateway.from_settings(load_settings(env_file=None))
    try:
        await gateway.detail_records(record_type, start=start, end=end, page=1, size=50)  # warm-up
        with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
            path = Path(tmp) / "export.csv"
            rows = 0
            tracemalloc.start()
            started = time.perf_counter()
            with path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                columns: list[str] | None = None
                records = gateway.iter_detail_records(record_type, start=start, end=end, size=50)
                async with aclosing(records):
                    async for record in records:
                        if columns is None:
                            columns = columns_for(record)
                            writer.writerow(columns)
                        writer.writerow(row_for(record, columns))
                        rows += 1
                if columns is None:
                    writer.writerow(BASE_COLUMNS)
            seconds = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            size = path.stat().st_size
    finally:
        await gateway.aclose()
    return {
        "rows": rows,
        "seconds": round(seconds, 3),
        "peak_kb": round(peak / 1024),
        "file_kb": round(size / 1024),
    }


def main() -> int:
    """Serve export requests from stdin, one JSON line in, one JSON line out."""
    print("ready", flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        ask = json.loads(line)
        start, end = datetime.fromisoformat(ask["start"]), datetime.fromisoformat(ask["end"])
        print(json.dumps(asyncio.run(probe(ask["record_type"], start, end))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
