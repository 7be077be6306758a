"""The watchdog cuts each late connection at its own deadline, whatever order they were watched in."""

from __future__ import annotations

import threading
import time

from store.deadlines import Watchdog


class FakeConnection:
    """What the watchdog needs of an sqlite3 connection: `interrupt`, noting when it came."""

    def __init__(self) -> None:
        self.cut_at: float | None = None
        self.cut = threading.Event()

    def interrupt(self) -> None:
        self.cut_at = time.monotonic()
        self.cut.set()


def test_a_later_deadline_watched_first_does_not_delay_an_earlier_one() -> None:
    watchdog = Watchdog()
    late, early, released = FakeConnection(), FakeConnection(), FakeConnection()
    start = time.monotonic()
    watchdog.watch(start + 0.6, late)
    watchdog.release(watchdog.watch(start + 0.1, released))
    watchdog.watch(start + 0.2, early)

    assert early.cut.wait(2) and late.cut.wait(2)
    assert early.cut_at is not None and late.cut_at is not None
    assert 0.15 <= early.cut_at - start < 0.45
    assert 0.55 <= late.cut_at - start < 0.95
    assert not released.cut.is_set()


def test_a_deadline_watched_while_the_watchdog_idles_is_cut_in_time() -> None:
    watchdog = Watchdog()
    watchdog.release(watchdog.watch(time.monotonic() + 0.05, FakeConnection()))
    time.sleep(0.2)  # the watchdog now waits with nothing due
    late = FakeConnection()
    start = time.monotonic()
    watchdog.watch(start + 0.2, late)

    assert late.cut.wait(2) and late.cut_at is not None
    assert late.cut_at - start < 0.5
