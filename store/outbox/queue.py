"""The outbox's queue: messages the app owes people, and claims on scheduled work.

A delivery is written in the same transaction as the state change it reports, so a Slack outage
can delay it but never lose it. Sending is claimed with a lease (`status = 'sending'` until
`lease_until`): two replicas never send the same row at once, and a row whose sender died is
picked up again when its lease runs out. Leases are measured on the wall clock (`leased_at`),
which every process shares, even one whose `now` is a drill's (`refdesk jobs run --now`).

A row still `sending` when it is claimed again is one whose last post may have reached Slack
unrecorded: its sender died, or Slack's answer never came (`mark_uncertain` leaves it so). Its
next sender looks for the message before posting again.

On PostgreSQL an enqueue also sends a `NOTIFY` in its own transaction, so a `refdesk worker`
listening (`store.outbox.wakeup`) is woken the moment the change commits, and batches are claimed
with `FOR UPDATE SKIP LOCKED`: any number of senders claim side by side, none waiting for another.
Each process tallies what its settled claims came to (`SETTLED`), for its metrics.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.db import Database
from store.models import Delivery, DeliveryStatus
from store.outbox.fields import Payload
from store.outbox.kinds import DeliveryKind, check_payload
from store.outbox.wakeup import notify

LEASE = dt.timedelta(seconds=60)

#: what a claim sent with no message came to: its renderer had nothing to say (a conditional DM
#: whose condition did not hold, a request gone since it was owed)
NOTHING = "nothing"
#: what a settled claim came to, by the status it left: the outcomes `bot.metrics` counts
OUTCOMES = {
    DeliveryStatus.SENT: "sent",
    DeliveryStatus.PENDING: "retry",
    DeliveryStatus.SENDING: "in_doubt",
    DeliveryStatus.FAILED: "failed",
}
#: (kind, outcome) → how many claims of this process settled so (read by `bot.metrics`)
SETTLED: Counter[tuple[str, str]] = Counter()
_settled_lock = threading.Lock()


@dataclass(frozen=True)
class DeliveryJob:
    id: int
    key: str
    #: as stored: a `DeliveryKind` value, or a kind this version does not know
    kind: str
    recipient: str
    request_id: int | None
    #: the kind's payload as stored; read it with the payload type's `from_dict`
    data: Mapping[str, object]
    attempts: int
    channel: str | None
    ts: str | None
    #: this claim's lease: the fencing token that lets only its holder record the outcome
    lease_until: dt.datetime
    #: an earlier attempt may have posted unrecorded (its sender died, or Slack's answer never came)
    maybe_posted: bool = False


@dataclass(frozen=True)
class Owed:
    """A delivery to owe (`enqueue_all`): sent from `due` on, at once by default."""

    key: str
    kind: DeliveryKind
    recipient: str
    request_id: int | None = None
    payload: Payload | None = None
    due: dt.datetime | None = None


def enqueue(
    session: Session,
    *,
    key: str,
    kind: DeliveryKind,
    recipient: str,
    now: dt.datetime,
    request_id: int | None = None,
    payload: Payload | None = None,
    due: dt.datetime | None = None,
) -> bool:
    """Add a delivery unless one with `key` exists; True only when this call added it. It is sent
    from `due` on (a summary of the day sent when the day is over), at once by default."""
    return bool(enqueue_all(session, [Owed(key, kind, recipient, request_id, payload, due)], now))


def enqueue_all(session: Session, owed: Sequence[Owed], now: dt.datetime) -> set[str]:
    """Add those of `owed` whose key no delivery has yet, in one statement (a submit owes three
    or four: one insert, not four); the keys this call added. Of two with the same key, the
    first is added.

    `INSERT ... ON CONFLICT DO NOTHING RETURNING` answers truthfully on both databases (an ORM
    insert's rowcount is -1 on PostgreSQL), so a job can tell "I claimed it" from "already owed".
    """
    if not owed:
        return set()
    for one in owed:
        check_payload(one.kind, one.payload)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = Delivery.__table__
    rows = [
        {
            "key": one.key,
            "kind": one.kind.value,
            "recipient": one.recipient,
            "request_id": one.request_id,
            "data": one.payload.to_dict() if one.payload is not None else {},
            "status": DeliveryStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": one.due or now,
            "created_at": now,
        }
        for one in owed
    ]
    # the rows as parameters of one cached statement (SQLAlchemy's "insertmanyvalues" still sends
    # one INSERT): rows inlined with `.values(rows)` compiled the statement afresh on every call
    statement = insert(table).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.key)
    added = set(session.scalars(statement, rows))
    if added:
        notify(session)
    return added


def _due(now: dt.datetime, fresh_for: dt.timedelta = dt.timedelta(0)) -> ColumnElement[bool]:
    """Pending and due; with `fresh_for`, not one never tried that was owed less than that ago."""
    due = and_(Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= now)
    if not fresh_for:
        return due
    return and_(due, or_(Delivery.attempts > 0, Delivery.created_at <= now - fresh_for))


def _lease_ran_out(now: dt.datetime) -> ColumnElement[bool]:
    return and_(Delivery.status == DeliveryStatus.SENDING, Delivery.lease_until < now)


def _take(
    session: Session, ids: list[int], claimable: ColumnElement[bool], lease_until: dt.datetime
) -> set[int]:
    """Claim those of `ids` that are still `claimable` (a conditional update: one sender wins each)."""
    return set(
        session.scalars(
            update(Delivery)
            .where(Delivery.id.in_(ids), claimable)
            .values(status=DeliveryStatus.SENDING, lease_until=lease_until, attempts=Delivery.attempts + 1)
            .returning(Delivery.id)
            .execution_options(synchronize_session=False)
        )
    )


def claim_due(
    db: Database,
    now: dt.datetime,
    *,
    leased_at: dt.datetime | None = None,
    keys: list[str] | None = None,
    limit: int = 50,
    lease: dt.timedelta = LEASE,
    fresh_for: dt.timedelta = dt.timedelta(0),
) -> list[DeliveryJob]:
    """Claim up to `limit` deliveries that are due at `now` (or whose sender's lease ran out by
    `leased_at`, the wall clock's now; default `now`).

    `fresh_for` leaves alone deliveries owed that recently and never tried: the listener that
    owed them is sending them (`handlers.outbox.sender.send_soon`), and a periodic pass that took them
    would send them one after another behind its whole batch.

    One short transaction for the whole batch (a burst of sends must not queue one write per row
    for SQLite's single write lock): pick the candidates, take them with two conditional updates,
    read them back. Which update won a row says whether an earlier post may have landed unrecorded.
    """
    if keys is not None and not keys:
        return []
    wall = leased_at or now
    lease_until = wall + lease
    with db.transaction() as session:
        query = (
            select(Delivery.id)
            .where(or_(_due(now, fresh_for), _lease_ran_out(wall)))
            .order_by(Delivery.id)
            .limit(limit)
            # PostgreSQL: rows another sender is claiming right now are skipped, not waited for
            # (SQLite has no row locks: its one writer at a time claims alone)
            .with_for_update(skip_locked=True)
        )
        if keys is not None:
            query = query.where(Delivery.key.in_(keys))
        candidates = list(session.scalars(query))
        if not candidates:
            return []
        maybe_posted = _take(session, candidates, _lease_ran_out(wall), lease_until)
        taken = maybe_posted | _take(session, candidates, _due(now, fresh_for), lease_until)
        if not taken:
            return []
        rows = session.scalars(select(Delivery).where(Delivery.id.in_(taken)).order_by(Delivery.id))
        return [
            DeliveryJob(
                row.id,
                row.key,
                row.kind,
                row.recipient,
                row.request_id,
                dict(row.data),
                row.attempts,
                row.channel,
                row.ts,
                lease_until=lease_until,
                maybe_posted=row.id in maybe_posted,
            )
            for row in rows
        ]


def anything_due(db: Database, now: dt.datetime, leased_at: dt.datetime | None = None) -> bool:
    """Whether a claim now would find something: a read that takes no write lock (SQLite's
    worker looks with it every fraction of a second, and claims only when it is worth it)."""
    with db.transaction(readonly=True) as session:
        return bool(session.scalar(select(exists().where(or_(_due(now), _lease_ran_out(leased_at or now))))))


def _settle(db: Database, job: DeliveryJob, outcome: str | None = None, **values: object) -> bool:
    """Record a claim's outcome, only if the claim is still this sender's (not taken over); it is
    counted as `outcome`, by default as what its status says (`OUTCOMES`)."""
    with db.transaction() as session:
        settled = bool(
            session.execute(
                update(Delivery)
                .where(
                    Delivery.id == job.id,
                    Delivery.status == DeliveryStatus.SENDING,
                    Delivery.lease_until == job.lease_until,
                )
                .values(**{"lease_until": None, **values})
            ).rowcount
        )
    if settled:
        with _settled_lock:
            SETTLED[(job.kind, outcome or OUTCOMES[DeliveryStatus(str(values["status"]))])] += 1
    return settled


def mark_sent(
    db: Database, job: DeliveryJob, now: dt.datetime, *, channel: str | None = None, ts: str | None = None
) -> bool:
    return _settle(db, job, status=DeliveryStatus.SENT, sent_at=now, channel=channel, ts=ts, last_error=None)


def mark_said_nothing(db: Database, job: DeliveryJob, now: dt.datetime) -> bool:
    """Done, with nothing sent: its renderer had nothing to say (counted apart from those sent)."""
    return _settle(db, job, NOTHING, status=DeliveryStatus.SENT, sent_at=now, last_error=None)


def mark_retry(db: Database, job: DeliveryJob, now: dt.datetime, delay: dt.timedelta, error: str) -> bool:
    """Put the delivery back in the queue, due again after `delay`: nothing of it reached Slack."""
    return _settle(
        db, job, status=DeliveryStatus.PENDING, next_attempt_at=now + delay, last_error=error[:1000]
    )


def mark_uncertain(db: Database, job: DeliveryJob, wall: dt.datetime, delay: dt.timedelta, err: str) -> bool:
    """Retry after `delay` (from `wall`, the wall clock's now) a delivery whose post may have
    reached Slack (its answer never came). The row stays `sending` with a lease that runs out
    then, exactly like a sender that died: whoever claims it next gets `maybe_posted` and looks
    for the message before posting.
    """
    return _settle(db, job, status=DeliveryStatus.SENDING, lease_until=wall + delay, last_error=err[:1000])


def mark_reposted(
    db: Database, job: DeliveryJob, wall: dt.datetime, look_again_in: dt.timedelta, *, channel: str, ts: str
) -> bool:
    """Record a post made after a look-up found nothing, and keep the delivery in doubt for
    `look_again_in`: an earlier post of it may still land, and the next claim (`maybe_posted`,
    with this post's `channel` and `ts`) looks again and keeps only this one."""
    return _settle(
        db,
        job,
        status=DeliveryStatus.SENDING,
        lease_until=wall + look_again_in,
        channel=channel,
        ts=ts,
        last_error="posted again after a look-up; looking once more for a late copy",
    )


def mark_failed(db: Database, job: DeliveryJob, error: str) -> bool:
    """Give up on a delivery that can never succeed (the user is gone, the renderer is broken)."""
    return _settle(db, job, status=DeliveryStatus.FAILED, last_error=error[:1000])


def cover_pending(
    db: Database, kind: DeliveryKind, recipient: str, owed_before: dt.datetime, now: dt.datetime
) -> int:
    """Settle as sent the deliveries of `kind` to `recipient` still waiting that were owed before
    `owed_before`: a delivery rendered from data read after that moment (a republished App Home)
    already says all they would. How many were covered.

    Only unclaimed rows: one a sender holds is left to it.
    """
    with db.transaction() as session:
        return int(
            session.execute(
                update(Delivery)
                .where(
                    Delivery.kind == kind,
                    Delivery.recipient == recipient,
                    Delivery.status == DeliveryStatus.PENDING,
                    Delivery.created_at < owed_before,
                )
                .values(status=DeliveryStatus.SENT, sent_at=now, last_error="covered by a later one")
                .execution_options(synchronize_session=False)
            ).rowcount
        )
