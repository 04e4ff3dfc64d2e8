"""Building the bot with the garbage collector paused (bot/heap.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot.heap import built_with_collector_paused


@pytest.fixture
def collector() -> Iterator[int]:
    """How many objects are frozen already (the suite freezes its own, tests/conftest.py); the collector is
    left on, as the test found it. What a test froze stays frozen, as the session's own heap is."""
    assert gc.isenabled()
    yield gc.get_freeze_count()
    gc.enable()


def test_the_block_runs_with_the_collector_off_then_what_it_built_is_frozen(collector: int) -> None:
    with built_with_collector_paused():
        during = gc.isenabled()
        built = [[n] for n in range(1000)]  # lists: tracked by the collector, as modules and models are
    assert not during
    assert gc.isenabled()
    assert gc.get_freeze_count() >= collector + len(built)
    ids = {id(b) for b in built}
    assert not any(id(o) in ids for o in gc.get_objects())  # in no generation a collection walks


def test_a_failed_build_freezes_nothing_and_resumes_the_collector(collector: int) -> None:
    with pytest.raises(RuntimeError), built_with_collector_paused():
        raise RuntimeError("the policy file is bad")
    assert gc.isenabled() and gc.get_freeze_count() == collector


def test_a_collector_that_was_off_stays_off(collector: int) -> None:
    gc.disable()
    with built_with_collector_paused():
        pass
    assert not gc.isenabled()
