"""Suite-wide: the heap every test shares is frozen once collected, so the garbage collector skips it; the
PostgreSQL schemas the tests made are dropped when the session ends."""

from __future__ import annotations

import gc

import pytest

from tests.support.pg import drop_schemas


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "telnyx_timeout(seconds): TELNYX_TIMEOUT of the test's bot (tests/app/harness.py)"
    )
    config.addinivalue_line(
        "markers", "long: a test that mostly waits for many seconds of real time; the suite starts it first"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Long tests first (stable otherwise): xdist hands tests out in this order, so a 30 s test that waits
    on real time overlaps the rest of the suite instead of running alone at its end."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze what collection built (the libraries, the product, every test module: 300,000 objects).

    Tests make and drop objects fast, so the collector runs a full collection every dozen tests or so;
    each one walked all of that again (0.3 s apiece, 15 s or more of a worker's CPU over the suite, and
    pytest's collections at the end of the session besides). Frozen objects are never collected, nor
    freed: they live as long as the session anyway. The bot does the same at start (bot/heap.py).
    """
    gc.collect()
    gc.freeze()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop the PostgreSQL schemas the tests made, all at once (tests/support/pg.py)."""
    drop_schemas()
