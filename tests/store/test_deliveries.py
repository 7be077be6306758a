"""The outbox: each delivery owed once, claimed by one sender at a time, settled only by its holder."""

from __future__ import annotations

import datetime as dt

from store import deliveries
from store.db import Database


def _owe(db: Database, now: dt.datetime, key: str = "nudge:U1:2026-W48") -> bool:
    with db.transaction() as session:
        return deliveries.enqueue(session, key=key, kind="nudge", recipient="U1", now=now)


def test_a_key_is_owed_once_and_the_answer_says_so(db: Database, now: dt.datetime) -> None:
    assert _owe(db, now) is True
    assert _owe(db, now) is False
    assert deliveries.count_by_status(db) == {"pending": 1}


def test_one_claim_at_a_time_and_a_dead_senders_claim_is_taken_over(db: Database, now: dt.datetime) -> None:
    _owe(db, now)
    lease = dt.timedelta(seconds=30)
    [first] = deliveries.claim_due(db, now, lease=lease)
    assert deliveries.claim_due(db, now + dt.timedelta(seconds=10), lease=lease) == []

    [second] = deliveries.claim_due(db, now + dt.timedelta(seconds=31), lease=lease)

    assert second.id == first.id and second.recovered and not first.recovered
    assert second.attempts == 2


def test_only_the_current_holder_can_settle_a_claim(db: Database, now: dt.datetime) -> None:
    _owe(db, now)
    lease = dt.timedelta(seconds=30)
    [stale] = deliveries.claim_due(db, now, lease=lease)
    [current] = deliveries.claim_due(db, now + dt.timedelta(seconds=31), lease=lease)

    assert deliveries.mark_retry(db, stale, now, dt.timedelta(seconds=5), "slow") is False
    assert deliveries.mark_sent(db, current, now, channel="D1", ts="1.000001") is True
    assert deliveries.mark_sent(db, stale, now, channel="D1", ts="2.000002") is False
    assert deliveries.count_by_status(db) == {"sent": 1}
