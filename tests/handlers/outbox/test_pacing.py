"""The pacer keeps posts inside Slack's rates without letting one busy channel hold back the others,
and its slots are booked in the database: two pacers (two processes) post at the rate together."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from handlers.outbox.messages import NotYet
from handlers.outbox.pacing import Pacer
from store.db import Database
from store.models import SendSlot
from store.outbox import pace
from tests.support.database import open_database
from tests.support.turns import kept_elsewhere


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{tmp_path / 'pace.db'}")
    database.upgrade()
    # the first write opens the connection and the WAL file: not what the timings measure
    pace.book(database, "warm-up", time.time(), 0.0, 0.0)
    yield database
    database.dispose()


def _timed(pacer: Pacer, db: Database, channel: str) -> float:
    started = time.monotonic()
    pacer.wait(db, channel)
    return time.monotonic() - started


def test_a_sender_that_waited_for_its_turn_books_from_when_it_got_it(sqlite_db: Database) -> None:
    """The booking reads the clock once it may write: a slot booked from before a wait for the
    sender's turn could let two posts to one channel go out less than a second apart."""
    turn = threading.RLock()
    with kept_elsewhere(turn, release_after=0.3):
        asked = time.time()
        with sqlite_db.writing_beside(turn):
            slot, booked = pace.book(sqlite_db, "D1", time.time, 0.0, 1.0)

    assert booked
    assert slot >= asked + 0.25


def test_posts_to_one_channel_are_a_channel_interval_apart(sqlite_db: Database) -> None:
    pacer = Pacer(per_second=100, per_channel_seconds=0.3)

    waits = [_timed(pacer, sqlite_db, "D1") for _ in range(3)]

    assert waits[0] < 0.05
    assert waits[1] == pytest.approx(0.3, abs=0.08)
    assert waits[2] == pytest.approx(0.3, abs=0.08)


def test_a_busy_channel_does_not_hold_back_posts_to_other_channels(sqlite_db: Database) -> None:
    """A post waiting for its channel's second must not push the overall slot along with it."""
    pacer = Pacer(per_second=20, per_channel_seconds=1.0)
    pacer.wait(sqlite_db, "D1")
    second_to_d1 = threading.Thread(target=pacer.wait, args=(sqlite_db, "D1"))
    second_to_d1.start()  # books D1's next slot, a second ahead, and sleeps until then
    time.sleep(0.1)

    assert _timed(pacer, sqlite_db, "D2") < 0.2
    second_to_d1.join(5)


def test_the_overall_rate_still_spaces_posts_to_different_channels(sqlite_db: Database) -> None:
    pacer = Pacer(per_second=10, per_channel_seconds=1.0)

    started = time.monotonic()
    for channel in ("D1", "D2", "D3", "D4"):
        pacer.wait(sqlite_db, channel)

    assert time.monotonic() - started == pytest.approx(0.3, abs=0.08)


def test_a_burst_goes_at_once_then_the_pace_applies(sqlite_db: Database) -> None:
    """Slack counts per minute and grants bursts: the first `burst` posts to different people go
    at once, the next ones a gap apart, so a spike does not queue behind an even spacing."""
    pacer = Pacer(per_second=10, per_channel_seconds=1.0, burst=5)

    waits = [_timed(pacer, sqlite_db, f"D{n}") for n in range(7)]

    assert sum(waits[:5]) < 0.1
    assert waits[5] == pytest.approx(0.1, abs=0.05)
    assert waits[6] == pytest.approx(0.1, abs=0.05)


def test_a_burst_is_the_deployment_s_and_a_flood_keeps_the_pace(db: Database) -> None:
    """Two processes share one burst (their bookings are one slot in the database), and posts
    booked faster than the pace for longer than the burst go at the pace: N posts past the burst
    take N gaps, whatever the number of processes."""
    gap, burst, now = 0.1, 4, time.time()
    first = [pace.book(db, f"D{n}", now, gap, 1.0, burst=burst) for n in range(2)]
    second = [pace.book(db, f"D{n + 2}", now, gap, 1.0, burst=burst) for n in range(2)]
    flood = [pace.book(db, f"D{n + 4}", now, gap, 1.0, burst=burst) for n in range(10)]

    assert all(booked and slot == pytest.approx(now, abs=1e-4) for slot, booked in [*first, *second])
    assert [slot - now for slot, _ in flood] == pytest.approx([gap * (n + 1) for n in range(10)], abs=1e-4)
    assert pace.book(db, "D0", now, gap, 1.0, burst=burst)[0] == pytest.approx(now + 11 * gap, abs=1e-4), (
        "a channel's second allows no burst, and the workspace's queue comes first"
    )


def test_a_closed_pacer_hands_a_waiting_post_back(sqlite_db: Database) -> None:
    pacer = Pacer(per_second=100, per_channel_seconds=5.0, max_wait=10.0)
    pacer.wait(sqlite_db, "D1")
    threading.Timer(0.1, pacer.close).start()

    with pytest.raises(NotYet):
        pacer.wait(sqlite_db, "D1")


def test_slots_booked_by_several_processes_at_once_are_the_deployment_s_rate(db: Database) -> None:
    """Processes booking side by side (threads here, each its own pacer's booking on one database)
    get distinct slots a rate's gap apart overall, and a channel's a second apart: N senders
    do not post N times faster."""
    gap, per_channel = 0.1, 1.0
    now = time.time()
    slots: list[tuple[str, float]] = []
    failures: list[BaseException] = []
    start = threading.Barrier(4)

    def sender(number: int) -> None:
        try:
            start.wait()
            for i in range(10):
                channel = f"D{(number + i) % 3}"
                slots.append((channel, pace.book(db, channel, now, gap, per_channel)[0]))
        except BaseException as exc:  # a thread's failure must fail the test
            failures.append(exc)

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert failures == []
    assert len(slots) == 40
    for channel in ("D0", "D1", "D2"):
        mine = sorted(at for c, at in slots if c == channel)
        assert all(b - a >= per_channel - 1e-6 for a, b in itertools.pairwise(mine)), channel
    # each booking took the workspace's next slot, `gap` after the one before: 40 posts, 40 gaps
    with db.transaction(readonly=True) as session:
        assert session.get_one(SendSlot, pace.ANY).next_at == pytest.approx(now + 40 * gap)
    assert min(at for _, at in slots) == pytest.approx(now)


def test_a_slot_after_the_claim_s_end_is_not_booked_and_says_when_to_come_back(db: Database) -> None:
    """A sender whose claim ends before its channel's next slot hands the post back for that slot,
    booking nothing: a post handed back never pushes its channel's later posts further away."""
    now = time.time()
    first, booked = pace.book(db, "C0LATE", now, 0.1, 1.0)
    assert booked and first == pytest.approx(now)

    late, booked = pace.book(db, "C0LATE", now, 0.1, 1.0, latest=now + 0.5)
    assert not booked and late == pytest.approx(now + 1.0)
    with pytest.raises(NotYet) as handed_back:
        Pacer(per_second=10, per_channel_seconds=1.0).wait(db, "C0LATE", latest=time.time() + 0.5)
    assert handed_back.value.after is not None and 0.3 < handed_back.value.after <= 1.0

    again, booked = pace.book(db, "C0LATE", now, 0.1, 1.0)
    assert booked and again == pytest.approx(now + 1.0), "the refused bookings took nothing"


def test_a_slot_further_off_than_a_sender_waits_is_handed_back_unbooked(sqlite_db: Database) -> None:
    """A sending thread does not sleep seconds for a busy channel (it would hold its batch and
    send nothing else): the post goes back to the outbox due at its slot, and books nothing."""
    pacer = Pacer(per_second=100, per_channel_seconds=3.0, max_wait=1.0)
    pacer.wait(sqlite_db, "D1")

    started = time.monotonic()
    with pytest.raises(NotYet) as handed_back:
        pacer.wait(sqlite_db, "D1")
    assert time.monotonic() - started < 0.5, "it did not sleep for the slot"
    assert handed_back.value.after == pytest.approx(3.0, abs=0.2)
    assert _timed(pacer, sqlite_db, "D2") < 0.2, "other channels go at once"
    with sqlite_db.transaction(readonly=True) as session:
        d1 = session.get_one(SendSlot, "D1").next_at
    assert d1 == pytest.approx(time.time() + 3.0, abs=0.3), "the refused post booked no slot of D1's"
