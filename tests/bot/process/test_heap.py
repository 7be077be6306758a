"""A started process freezes what its start built, and `/metrics` shows each collection's pause."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot.metrics import HEAP, PAUSE_BUCKETS, exposition
from bot.process import heap
from tests.support.metrics import Samples, samples


class Built:
    """An object of a process's start (modules, mappers, the Bolt app are many)."""


@pytest.fixture
def settled() -> Iterator[Built]:
    """`heap.settle()` as a process calls it, with something the start built; undone afterwards:
    the test run goes on unfrozen."""
    watched = HEAP._timed in gc.callbacks
    built = Built()
    heap.settle()
    try:
        yield built
    finally:
        gc.unfreeze()
        if not watched and HEAP._timed in gc.callbacks:
            gc.callbacks.remove(HEAP._timed)


def _samples() -> Samples:
    return samples(exposition()[0].decode())


def scanned(obj: object) -> bool:
    """Whether a collection of some generation would scan `obj`."""
    return any(found is obj for generation in (0, 1, 2) for found in gc.get_objects(generation))


def test_settling_freezes_what_the_start_built_so_full_collections_do_not_scan_it(settled: Built) -> None:
    assert not scanned(settled)
    assert scanned(Built()), "what the process makes after its start is collected as before"
    before = gc.get_freeze_count()
    shown = _samples()[("refdesk_gc_frozen_objects", frozenset())]
    assert before > 1_000
    assert gc.get_freeze_count() <= shown <= before  # a frozen object that dies leaves the count


def test_each_collection_after_settling_is_a_pause_on_metrics_by_generation(settled: Built) -> None:
    def full_count() -> float:
        return _samples()[("refdesk_gc_pause_seconds_count", frozenset({("generation", "2")}))]

    before = full_count()
    gc.collect()
    gc.collect()
    samples = _samples()
    assert full_count() >= before + 2
    full = frozenset({("generation", "2")})
    assert samples[("refdesk_gc_pause_seconds_sum", full)] > 0
    buckets = [
        samples[("refdesk_gc_pause_seconds_bucket", full | {("le", str(bound))})] for bound in PAUSE_BUCKETS
    ]
    assert buckets == sorted(buckets), "the buckets are cumulative"
    assert samples[("refdesk_gc_pause_seconds_bucket", full | {("le", "+Inf")})] == full_count()


def test_settling_twice_times_each_collection_once(settled: Built) -> None:
    heap.settle()
    assert gc.callbacks.count(HEAP._timed) == 1
