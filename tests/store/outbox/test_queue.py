"""The outbox: each delivery owed once, claimed by one sender at a time, settled only by its holder,
and a post whose outcome is unknown handed on as "maybe posted"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

import pytest
from sqlalchemy import event, update

from store.db import Database
from store.models import Delivery
from store.outbox import listing, queue
from store.outbox.fields import BadPayload
from store.outbox.kinds import DeliveryKind
from store.outbox.payloads import DigestPayload, HomeRefreshPayload, LoggedPayload, NudgePayload

LEASE = dt.timedelta(seconds=30)


def _owe(db: Database, now: dt.datetime, key: str = "followup:1") -> bool:
    with db.transaction() as session:
        return queue.enqueue(session, key=key, kind=DeliveryKind.FOLLOWUP, recipient="U1", now=now)


def test_a_key_is_owed_once_and_the_answer_says_so(db: Database, now: dt.datetime) -> None:
    assert _owe(db, now) is True
    assert _owe(db, now) is False
    assert listing.count_by_status(db) == {"pending": 1}


def test_several_owed_at_once_take_one_statement_and_only_the_new_keys_are_added(
    db: Database, now: dt.datetime
) -> None:
    _owe(db, now, key="followup:2")
    inserts: list[str] = []
    event.listen(
        db.engine, "before_cursor_execute", lambda *a: inserts.append(a[2]) if "INSERT" in a[2] else None
    )
    later = now + dt.timedelta(days=1)
    owed = [
        queue.Owed("followup:1", DeliveryKind.FOLLOWUP, "U1"),
        queue.Owed("followup:2", DeliveryKind.FOLLOWUP, "U2"),
        queue.Owed(
            "nudge:1",
            DeliveryKind.NUDGE,
            "U3",
            payload=NudgePayload((1,), dt.date(2026, 11, 1), "2026-W48"),
            due=later,
        ),
    ]
    with db.transaction() as session:
        added = queue.enqueue_all(session, owed, now)

    assert added == {"followup:1", "nudge:1"}
    assert len(inserts) == 1
    rows = {d.key: d for d in listing.not_sent(db, limit=10)}
    assert rows["followup:2"].recipient == "U1"  # the one owed before stays as it was
    assert rows["nudge:1"].due_at == later


def test_one_claim_at_a_time_and_a_dead_senders_claim_is_taken_over(db: Database, now: dt.datetime) -> None:
    _owe(db, now)
    [first] = queue.claim_due(db, now, lease=LEASE)
    assert queue.claim_due(db, now + dt.timedelta(seconds=10), lease=LEASE) == []

    [second] = queue.claim_due(db, now + dt.timedelta(seconds=31), lease=LEASE)

    assert second.id == first.id and second.maybe_posted and not first.maybe_posted
    assert second.attempts == 2


def test_leases_are_measured_on_the_wall_clock_whatever_moment_a_drill_claims_at(
    db: Database, now: dt.datetime
) -> None:
    # `refdesk jobs run --now` hours ahead claims what is due then, beside a running sender
    _owe(db, now)
    [running] = queue.claim_due(db, now, lease=LEASE)
    ahead = now + dt.timedelta(hours=2)

    assert queue.claim_due(db, ahead, leased_at=now + dt.timedelta(seconds=10), lease=LEASE) == []
    assert not queue.anything_due(db, ahead, now + dt.timedelta(seconds=10))
    _owe(db, now, key="followup:2")
    [drilled] = queue.claim_due(db, ahead, leased_at=now, lease=LEASE)
    later = now + dt.timedelta(seconds=31)
    [taken_over] = queue.claim_due(db, ahead, leased_at=later, keys=[running.key], lease=LEASE)

    assert drilled.key == "followup:2" and drilled.lease_until == now + LEASE
    assert taken_over.id == running.id and taken_over.maybe_posted


def test_only_the_current_holder_can_settle_a_claim(db: Database, now: dt.datetime) -> None:
    _owe(db, now)
    [stale] = queue.claim_due(db, now, lease=LEASE)
    [current] = queue.claim_due(db, now + dt.timedelta(seconds=31), lease=LEASE)

    assert queue.mark_retry(db, stale, now, dt.timedelta(seconds=5), "slow") is False
    assert queue.mark_uncertain(db, stale, now, dt.timedelta(seconds=5), "slow") is False
    assert queue.mark_sent(db, current, now, channel="D1", ts="1.000001") is True
    assert queue.mark_sent(db, stale, now, channel="D1", ts="2.000002") is False
    assert listing.count_by_status(db) == {"sent": 1}


def test_an_answer_that_never_came_hands_the_delivery_on_as_maybe_posted(
    db: Database, now: dt.datetime
) -> None:
    _owe(db, now)
    [timed_out] = queue.claim_due(db, now, lease=LEASE)
    assert queue.mark_uncertain(db, timed_out, now, dt.timedelta(seconds=5), "TimeoutError")

    assert queue.claim_due(db, now + dt.timedelta(seconds=4), lease=LEASE) == []
    [retry] = queue.claim_due(db, now + dt.timedelta(seconds=6), lease=LEASE)

    assert retry.maybe_posted and retry.attempts == 2


def test_a_refused_post_is_retried_without_doubt(db: Database, now: dt.datetime) -> None:
    _owe(db, now)
    [refused] = queue.claim_due(db, now, lease=LEASE)
    queue.mark_retry(db, refused, now, dt.timedelta(seconds=5), "ratelimited")

    [retry] = queue.claim_due(db, now + dt.timedelta(seconds=6), lease=LEASE)

    assert not retry.maybe_posted


def test_one_claim_takes_a_whole_batch_each_with_its_own_doubt(db: Database, now: dt.datetime) -> None:
    for n in range(5):
        _owe(db, now, key=f"followup:{n}")
    [died, *_] = queue.claim_due(db, now, keys=["followup:0"], lease=LEASE)
    later = now + dt.timedelta(seconds=31)
    for n in (1, 2):  # not due yet: left alone by the batch
        with db.transaction() as session:
            session.execute(
                update(Delivery).where(Delivery.key == f"followup:{n}").values(next_attempt_at=later + LEASE)
            )

    batch = queue.claim_due(db, later, limit=10, lease=LEASE)

    assert [job.key for job in batch] == ["followup:0", "followup:3", "followup:4"]
    assert [job.maybe_posted for job in batch] == [True, False, False]
    assert [job.attempts for job in batch] == [2, 1, 1]
    assert {job.lease_until for job in batch} == {later + LEASE}
    assert died.id == batch[0].id
    assert queue.claim_due(db, later, limit=10, lease=LEASE) == []


def test_a_batch_claim_stops_at_its_limit(db: Database, now: dt.datetime) -> None:
    for n in range(5):
        _owe(db, now, key=f"followup:{n}")

    first = queue.claim_due(db, now, limit=3, lease=LEASE)
    second = queue.claim_due(db, now, limit=3, lease=LEASE)

    assert [job.key for job in first] == ["followup:0", "followup:1", "followup:2"]
    assert [job.key for job in second] == ["followup:3", "followup:4"]


def test_not_sent_lists_what_is_owed_and_what_failed(db: Database, now: dt.datetime) -> None:
    for key in ("followup:1", "followup:2", "followup:3"):
        _owe(db, now, key)
    one, two, _ = queue.claim_due(db, now, lease=LEASE)
    queue.mark_sent(db, one, now, channel="D1", ts="1.1")
    queue.mark_failed(db, two, "render error: KeyError: 'period'")

    pending = listing.not_sent(db)
    failed = listing.not_sent(db, failed_only=True)

    assert [(d.key, d.status) for d in pending] == [("followup:2", "failed"), ("followup:3", "sending")]
    assert [(d.key, d.last_error) for d in failed] == [("followup:2", "render error: KeyError: 'period'")]


def test_a_payload_round_trips_through_the_row(db: Database, now: dt.datetime) -> None:
    nudge = NudgePayload((3, 5), dt.date(2026, 11, 1), "2026-W48")
    with db.transaction() as session:
        queue.enqueue(
            session, key="nudge:U1", kind=DeliveryKind.NUDGE, recipient="U1", now=now, payload=nudge
        )

    [job] = queue.claim_due(db, now)

    assert NudgePayload.from_dict(job.data) == nudge


def test_a_payload_that_does_not_fit_its_kind_is_refused_when_owed(db: Database, now: dt.datetime) -> None:
    with db.transaction() as session, pytest.raises(TypeError):
        queue.enqueue(
            session, key="k", kind=DeliveryKind.NUDGE, recipient="U1", now=now, payload=LoggedPayload(1)
        )
    with db.transaction() as session, pytest.raises(TypeError):
        queue.enqueue(session, key="k", kind=DeliveryKind.DIGEST, recipient="C1", now=now)
    with db.transaction() as session, pytest.raises(TypeError):
        queue.enqueue(
            session, key="k", kind=DeliveryKind.OUTCOME, recipient="U1", now=now, payload=LoggedPayload(1)
        )


@pytest.mark.parametrize(
    ("read", "data"),
    [
        (LoggedPayload.from_dict, {"entry_id": "7"}),
        (LoggedPayload.from_dict, {"entry_id": True}),
        (NudgePayload.from_dict, {"account_ids": [1, "2"], "since": "2026-11-01", "week": "2026-W48"}),
        (NudgePayload.from_dict, {"account_ids": [1], "since": "yesterday", "week": "2026-W48"}),
        (DigestPayload.from_dict, {"period": "2026-W48"}),
        (HomeRefreshPayload.from_dict, {"wait_for_decision": "yes"}),
    ],
)
def test_stored_data_that_does_not_fit_is_refused_when_read(
    read: Callable[[Mapping[str, object]], object], data: dict[str, object]
) -> None:
    with pytest.raises(BadPayload):
        read(data)


def test_a_home_refresh_written_before_payloads_were_typed_never_waits() -> None:
    assert HomeRefreshPayload.from_dict({}) == HomeRefreshPayload(wait_for_decision=False)


def test_a_periodic_pass_leaves_what_a_listener_just_owed_to_that_listener(
    db: Database, now: dt.datetime
) -> None:
    _owe(db, now, key="followup:fresh")
    grace = dt.timedelta(seconds=2)

    assert queue.claim_due(db, now + dt.timedelta(seconds=1), fresh_for=grace) == []
    [late] = queue.claim_due(db, now + dt.timedelta(seconds=2), fresh_for=grace)
    assert late.key == "followup:fresh"


def test_a_retry_is_never_left_for_a_listener(db: Database, now: dt.datetime) -> None:
    _owe(db, now)
    [refused] = queue.claim_due(db, now, lease=LEASE)
    queue.mark_retry(db, refused, now, dt.timedelta(0), "ratelimited")

    [retry] = queue.claim_due(db, now, fresh_for=dt.timedelta(seconds=2))

    assert retry.attempts == 2
