"""The pacer keeps posts inside Slack's rates without letting one busy channel hold back the others."""

from __future__ import annotations

import threading
import time

import pytest

from handlers.outbox.pacing import Pacer


def _timed(pacer: Pacer, channel: str) -> float:
    started = time.monotonic()
    pacer.wait(channel)
    return time.monotonic() - started


def test_posts_to_one_channel_are_a_channel_interval_apart() -> None:
    pacer = Pacer(per_second=100, per_channel_seconds=0.3)

    waits = [_timed(pacer, "D1") for _ in range(3)]

    assert waits[0] < 0.05
    assert waits[1] == pytest.approx(0.3, abs=0.08)
    assert waits[2] == pytest.approx(0.3, abs=0.08)


def test_a_busy_channel_does_not_hold_back_posts_to_other_channels() -> None:
    """A post waiting for its channel's second must not push the overall slot along with it."""
    pacer = Pacer(per_second=20, per_channel_seconds=1.0)
    pacer.wait("D1")
    second_to_d1 = threading.Thread(target=pacer.wait, args=("D1",))
    second_to_d1.start()  # books D1's next slot, a second ahead, and sleeps until then
    time.sleep(0.1)

    assert _timed(pacer, "D2") < 0.2
    second_to_d1.join(5)


def test_the_overall_rate_still_spaces_posts_to_different_channels() -> None:
    pacer = Pacer(per_second=10, per_channel_seconds=1.0)

    started = time.monotonic()
    for channel in ("D1", "D2", "D3", "D4"):
        pacer.wait(channel)

    assert time.monotonic() - started == pytest.approx(0.3, abs=0.08)
