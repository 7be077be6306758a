"""Owing a message again: a rewrite of every message already sent about a request, so each shows it
as it now stands (the owner's decided DM, the requester's receipt and outcome: a decision, the
customer's answer or a withdrawal changes what they should read; one outbox row per change,
`refresh:<id>:<why>`, so a double click owes one rewrite); a delivery not posted yet rendered
afresh; a weekly post that failed for good armed again."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store.models import Delivery, DeliveryStatus
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.outbox.wakeup import notify


def owe_rewrite(session: Session, request_id: int, requester_id: str, why: str, now: dt.datetime) -> str:
    """Inside the change's transaction: the request's messages are owed a rewrite; its key."""
    key = f"refresh:{request_id}:{why}"
    queue.enqueue(
        session, key=key, kind=DeliveryKind.REFRESH, recipient=requester_id, now=now, request_id=request_id
    )
    return key


def rearm(session: Session, *, key: str, recipient: str, now: dt.datetime) -> bool:
    """Owe again a delivery that failed for good; True when there was one to arm.

    A weekly post that failed because the app was not in the channel goes out once someone
    invites the app and the job runs again: pending from `now`, its tries counted afresh, to
    `recipient` (the channel setting may have changed since). One that went out is never re-armed.
    """
    return bool(
        session.execute(
            update(Delivery)
            .where(Delivery.key == key, Delivery.status == DeliveryStatus.FAILED)
            .values(
                status=DeliveryStatus.PENDING,
                recipient=recipient,
                attempts=0,
                next_attempt_at=now,
                last_error=None,
            )
        ).rowcount
    )


def render_again(session: Session, *, key: str, now: dt.datetime) -> None:
    """Inside the caller's transaction: a delivery not posted yet is rendered afresh, because
    what it would say changed (a conditional DM that is now due whatever the condition).

    The row is read locked, so a claim or an outcome being recorded right now is waited for and
    then seen (PostgreSQL; SQLite's writers queue anyway). One that went out as nothing (its
    renderer had nothing to say then) is owed again. One being sent right now is fenced off: its
    lease moves a microsecond, so its sender's outcome is no longer recorded, and the next claim
    comes when that lease would have run out, in doubt — it looks for a post before rendering and
    posting (its sender may have posted from the state before; waiting out the lease keeps such a
    post from landing after the look-up). One that posted, failed for good or waits stays as it is.
    """
    row = session.scalar(select(Delivery).where(Delivery.key == key).with_for_update())
    if row is None or row.ts is not None:
        return
    if row.status == DeliveryStatus.SENT:
        row.status, row.attempts, row.next_attempt_at, row.sent_at = DeliveryStatus.PENDING, 0, now, None
        notify(session)
    elif row.status == DeliveryStatus.SENDING and row.lease_until is not None:
        row.lease_until -= dt.timedelta(microseconds=1)
