"""Renderers of one batch read a request once; outside a batch every read is fresh."""

from __future__ import annotations

import threading
from collections.abc import Callable

from handlers.outbox.batch import in_hand, one_batch


def _counting() -> tuple[list[int], Callable[[], int]]:
    reads: list[int] = []

    def read() -> int:
        reads.append(1)
        return len(reads)

    return reads, read


def test_within_one_batch_a_second_renderer_gets_what_the_first_read() -> None:
    reads, read = _counting()
    with one_batch():
        assert in_hand(("card", 7), read) == 1
        assert in_hand(("card", 7), read) == 1
        assert in_hand(("card", 8), read) == 2
    assert len(reads) == 2


def test_outside_a_batch_and_in_the_next_batch_it_is_read_again() -> None:
    _reads, read = _counting()
    assert in_hand(("card", 7), read) == 1
    assert in_hand(("card", 7), read) == 2
    with one_batch():
        assert in_hand(("card", 7), read) == 3
    with one_batch():
        assert in_hand(("card", 7), read) == 4


def test_batches_on_other_threads_do_not_share() -> None:
    _reads, read = _counting()
    seen: list[int] = []
    with one_batch():
        in_hand(("card", 7), read)

        def other() -> None:
            with one_batch():
                seen.append(in_hand(("card", 7), read))

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(5)
    assert seen == [2]
