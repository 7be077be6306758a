"""Owing someone a fresh App Home after a decision that concerns them (an outbox delivery).

Keyed `home_refresh:<user>:<request id>:<why>`, so a double click or a retried payload owes one
republish, and the worker retries it if Slack hiccups.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.db import Database
from store.models import Delivery, ReferenceRequest
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.outbox.payloads import HomeRefreshPayload
from store.requests import asking

#: the longest `why` kept as it is: key = kind (12) + user (32) + request id (18) + why, within 200
WHY_MAX = 64


def owe(
    db: Database,
    user_id: str,
    request_id: int,
    now: dt.datetime,
    *,
    why: str = "click",
    wait_for_decision: bool = False,
) -> str | None:
    """Owe `user_id` a fresh Home about `request_id`; None when there is no such request.

    `why` (e.g. the click's `action_ts`) comes from the payload: it is hashed into the key when it
    is long, so any click owes one row whose key fits its column.
    """
    if len(why) > WHY_MAX:
        why = "h" + hashlib.sha256(why.encode()).hexdigest()[: WHY_MAX - 1]
    key = f"{DeliveryKind.HOME_REFRESH}:{user_id}:{request_id}:{why}"
    with db.transaction() as session:
        if session.get(ReferenceRequest, request_id) is None:
            return None
        queue.enqueue(
            session,
            key=key,
            kind=DeliveryKind.HOME_REFRESH,
            recipient=user_id,
            now=now,
            request_id=request_id,
            payload=HomeRefreshPayload(wait_for_decision),
        )
    return key


def owe_for_decision(
    session: Session, request_id: int, requester_id: str, status: str, now: dt.datetime
) -> list[str]:
    """Inside the decision's own transaction: a fresh Home for everyone the request concerns.

    That is the requester (their open requests) and everyone a decision message went to (the
    owner, the admins): their "waiting for you" list just changed. The lead's hook in
    `store.requests.asking` calls this once per decision or cancellation.
    """
    asked = session.scalars(
        select(Delivery.recipient).where(Delivery.request_id == request_id, asking.asks_to_decide())
    )
    owed = [
        queue.Owed(
            f"{DeliveryKind.HOME_REFRESH}:{user_id}:{request_id}:{status}",
            DeliveryKind.HOME_REFRESH,
            user_id,
            request_id,
            HomeRefreshPayload(),
        )
        for user_id in sorted({requester_id, *asked})
    ]
    queue.enqueue_all(session, owed, now)  # one statement for them all
    return [one.key for one in owed]
