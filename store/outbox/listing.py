"""Reading the outbox: the messages about a request that reached Slack (what a decision rewrites),
those still on their way, and what an operator looks at (`refdesk deliveries`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, case, func, or_, select

from store.db import Database
from store.models import Delivery, DeliveryStatus
from store.outbox.kinds import DeliveryKind


@dataclass(frozen=True)
class SentMessage:
    key: str
    kind: str
    recipient: str
    channel: str
    ts: str
    #: the payload it was rendered from (a rewrite renders it again, as things now stand)
    data: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class DeliveryLine:
    """One delivery as an operator sees it (`refdesk deliveries`)."""

    key: str
    kind: str
    recipient: str
    status: str
    attempts: int
    last_error: str | None
    created_at: dt.datetime
    #: when it is tried next (for one being sent, when its sender's lease runs out)
    due_at: dt.datetime


def sent_messages(db: Database, request_id: int, kinds: tuple[DeliveryKind, ...]) -> list[SentMessage]:
    """Messages about a request that reached Slack, oldest first: what a decision rewrites."""
    with db.transaction(readonly=True) as session:
        rows = session.scalars(
            select(Delivery)
            .where(
                Delivery.request_id == request_id,
                Delivery.kind.in_(kinds),
                Delivery.status == DeliveryStatus.SENT,
                Delivery.ts.is_not(None),
            )
            .order_by(Delivery.id)
        )
        return [
            SentMessage(r.key, r.kind, r.recipient, r.channel or "", r.ts or "", dict(r.data or {}))
            for r in rows
        ]


def unsettled(db: Database, request_id: int, kinds: tuple[DeliveryKind, ...]) -> dt.datetime | None:
    """When the last of the messages of these kinds about a request still on their way is next
    tried; None when none is on its way."""
    return _next_tried(
        db,
        (
            Delivery.request_id == request_id,
            Delivery.kind.in_(kinds),
            Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
        ),
    )


def _next_tried(db: Database, where: tuple[ColumnElement[bool], ...]) -> dt.datetime | None:
    """The latest moment one of these deliveries is due (one being sent now was due already)."""
    with db.transaction(readonly=True) as session:
        return session.scalar(select(func.max(Delivery.next_attempt_at)).where(*where))


def next_pending(db: Database, keys: list[str]) -> dt.datetime | None:
    """When the first of these deliveries still waiting to be sent is due; None when none waits
    (each reached its recipient, failed for good, or is in another sender's hands)."""
    if not keys:
        return None
    with db.transaction(readonly=True) as session:
        return session.scalar(
            select(func.min(Delivery.next_attempt_at)).where(
                Delivery.key.in_(keys), Delivery.status == DeliveryStatus.PENDING
            )
        )


def count_by_status(db: Database) -> dict[str, int]:
    with db.transaction(readonly=True) as session:
        rows = session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))
        return {status: int(count) for status, count in rows}


def not_sent(db: Database, *, failed_only: bool = False, limit: int = 100) -> list[DeliveryLine]:
    """What is still owed or was given up on, oldest first: what an operator looks at."""
    wanted = (
        [DeliveryStatus.FAILED]
        if failed_only
        else [DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.FAILED]
    )
    with db.transaction(readonly=True) as session:
        rows = session.scalars(
            select(Delivery).where(Delivery.status.in_(wanted)).order_by(Delivery.id).limit(limit)
        )
        return [
            DeliveryLine(
                r.key,
                r.kind,
                r.recipient,
                r.status,
                r.attempts,
                r.last_error,
                r.created_at,
                (r.lease_until if r.status == DeliveryStatus.SENDING else None) or r.next_attempt_at,
            )
            for r in rows
        ]


def _keyed(prefixes: tuple[str, ...]) -> ColumnElement[bool]:
    return or_(*(Delivery.key.startswith(prefix, autoescape=True) for prefix in prefixes))


def sent_with_keys(db: Database, prefixes: tuple[str, ...]) -> list[SentMessage]:
    """Messages whose keys start with one of `prefixes` that reached Slack, oldest first: what a
    change rewrites when the messages are about something other than a request (a nomination)."""
    with db.transaction(readonly=True) as session:
        rows = session.scalars(
            select(Delivery)
            .where(_keyed(prefixes), Delivery.status == DeliveryStatus.SENT, Delivery.ts.is_not(None))
            .order_by(Delivery.id)
        )
        return [
            SentMessage(r.key, r.kind, r.recipient, r.channel or "", r.ts or "", dict(r.data or {}))
            for r in rows
        ]


def unsettled_with_keys(db: Database, prefixes: tuple[str, ...]) -> dt.datetime | None:
    """When the last of the messages whose keys start with one of `prefixes` still on their way is
    next tried; None when none is on its way."""
    return _next_tried(
        db, (_keyed(prefixes), Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]))
    )


@dataclass(frozen=True)
class Depth:
    """How many deliveries of a kind wait in a status, and how long the longest-waiting one that
    is due has waited (seconds; 0 when none is due): what `/metrics` shows of the outbox."""

    status: str
    kind: str
    count: int
    oldest_due_seconds: float


def depth(db: Database, now: dt.datetime) -> list[Depth]:
    """The outbox's depth by status and kind, sent ones aside, in one grouped read.

    A pending delivery is due from `next_attempt_at`; one being sent is due again (to another
    sender) once its lease has run out; a failed one is never due.
    """
    due_since = case(
        (Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at),
        (Delivery.status == DeliveryStatus.SENDING, Delivery.lease_until),
    )
    with db.transaction(readonly=True) as session:
        rows = session.execute(
            select(
                Delivery.status,
                Delivery.kind,
                func.count(),
                func.min(case((due_since <= now, due_since))),
            )
            .where(Delivery.status != DeliveryStatus.SENT)
            .group_by(Delivery.status, Delivery.kind)
        )
        return [
            Depth(status, kind, int(count), _age(now, oldest) if oldest is not None else 0.0)
            for status, kind, count, oldest in rows
        ]


def _age(now: dt.datetime, then: dt.datetime | str) -> float:
    """Seconds since `then` (SQLite hands an aggregate back as text, without its time zone)."""
    moment = dt.datetime.fromisoformat(then) if isinstance(then, str) else then
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return max(0.0, (now - moment).total_seconds())
