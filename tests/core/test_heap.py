"""Building the bot with the garbage collector paused (bot/heap.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot.heap import built_with_collector_paused


@pytest.fixture
def collector() -> Iterator[None]:
    """Leave the collector as the test found it: on, nothing frozen."""
    assert gc.isenabled() and gc.get_freeze_count() == 0
    yield
    gc.unfreeze()
    gc.enable()


def test_the_block_runs_with_the_collector_off_then_what_it_built_is_frozen(collector: None) -> None:
    with built_with_collector_paused():
        during = gc.isenabled()
        built = [{"n": n} for n in range(1000)]  # tracked by the collector, like modules and models
    assert not during
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(built)
    ids = {id(b) for b in built}
    assert not any(id(o) in ids for o in gc.get_objects())  # in no generation a collection walks


def test_a_failed_build_freezes_nothing_and_resumes_the_collector(collector: None) -> None:
    with pytest.raises(RuntimeError), built_with_collector_paused():
        raise RuntimeError("the policy file is bad")
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_collector_that_was_off_stays_off(collector: None) -> None:
    gc.disable()
    with built_with_collector_paused():
        pass
    assert not gc.isenabled()
