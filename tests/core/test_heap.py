"""Building the bot with the garbage collector paused (bot/heap.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot.heap import built_with_collector_paused


@pytest.fixture
def collector() -> Iterator[None]:
    """The collector on, as the test found it, whatever the test did. What a test froze stays frozen, as the
    session's own heap is (tests/conftest.py)."""
    assert gc.isenabled()
    yield
    gc.enable()


def collected(objects: list[list[int]]) -> int:
    """How many of `objects` sit in a generation a collection walks (a frozen one is in none)."""
    ids = {id(o) for o in objects}
    return sum(id(o) in ids for o in gc.get_objects())


def test_the_block_runs_with_the_collector_off_then_what_it_built_is_frozen(collector: None) -> None:
    with built_with_collector_paused():
        during = gc.isenabled()
        built = [[n] for n in range(1000)]  # lists: tracked by the collector, as modules and models are
    assert not during
    assert gc.isenabled()
    assert collected(built) == 0 and gc.get_freeze_count() >= len(built)


def test_a_failed_build_freezes_nothing_and_resumes_the_collector(collector: None) -> None:
    built: list[list[int]] = []
    with pytest.raises(RuntimeError), built_with_collector_paused():
        built.extend([n] for n in range(1000))
        raise RuntimeError("the policy file is bad")
    assert gc.isenabled()
    assert collected(built) == len(built)


def test_a_collector_that_was_off_stays_off(collector: None) -> None:
    gc.disable()
    with built_with_collector_paused():
        pass
    assert not gc.isenabled()
