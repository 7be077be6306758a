"""Handle each Slack event once, however often Slack (or two replicas behind a balancer) sees it.

An event that arrives while the database is unavailable cannot be recorded as seen, and so cannot
be handled once: it is answered 503, which Slack takes as "not delivered" and retries (within the
minute, then after five) — over HTTP as over Socket Mode, where a non-200 answer leaves the
envelope unacked. The retry, once the database is back, is handled like a first delivery.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse

from handlers.kit.desk import Desk
from store.errors import Unavailable
from store.events import first_time

log = logging.getLogger(__name__)

#: what Slack is told when an event cannot be recorded now: it retries, as it does after a timeout
RETRY_LATER = BoltResponse(
    status=503, body="the database is unavailable: retry", headers={"Retry-After": "1"}
)


def once_per_event(body: dict[str, Any], next: Callable[[], BoltResponse], desk: Desk) -> BoltResponse:
    """An event id seen before is acknowledged and not handled again."""
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    if not isinstance(event_id, str) or not event_id:
        return next()
    try:
        first = first_time(desk.db, event_id, desk.now())
    except Unavailable as error:
        log.warning("event %s not recorded (%s): Slack is asked to send it again", event_id, error.reason)
        return RETRY_LATER
    if not first:
        log.info("event %s already handled: acknowledged, not handled again", event_id)
        return BoltResponse(status=200, body="")
    return next()


def register(app: App) -> None:
    app.middleware(once_per_event)
