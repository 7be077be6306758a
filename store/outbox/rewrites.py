"""Owing a rewrite of every message already sent about a request, so each shows it as it now stands
(the owner's decided DM, the requester's receipt and outcome): a decision, the customer's answer or
a withdrawal changes what they should read. One outbox row per change (`refresh:<id>:<why>`), so a
double click owes one rewrite."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from store.outbox import queue
from store.outbox.kinds import DeliveryKind


def owe_rewrite(session: Session, request_id: int, requester_id: str, why: str, now: dt.datetime) -> str:
    """Inside the change's transaction: the request's messages are owed a rewrite; its key."""
    key = f"refresh:{request_id}:{why}"
    queue.enqueue(
        session, key=key, kind=DeliveryKind.REFRESH, recipient=requester_id, now=now, request_id=request_id
    )
    return key
