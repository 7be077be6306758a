"""Owing someone a fresh App Home after a decision that concerns them (an outbox delivery).

Keyed `home_refresh:<user>:<request id>:<why>`, so a double click or a retried payload owes one
republish, and the worker retries it if Slack hiccups.
"""

from __future__ import annotations

import datetime as dt

from store import deliveries
from store.db import Database

HOME_REFRESH = "home_refresh"


def owe(
    db: Database,
    user_id: str,
    request_id: int,
    now: dt.datetime,
    *,
    why: str = "click",
    wait_for_decision: bool = False,
) -> str:
    key = f"{HOME_REFRESH}:{user_id}:{request_id}:{why}"
    with db.transaction() as session:
        deliveries.enqueue(
            session,
            key=key,
            kind=HOME_REFRESH,
            recipient=user_id,
            now=now,
            request_id=request_id,
            data={"wait_for_decision": wait_for_decision},
        )
    return key
