"""Handle each Slack event once, however often Slack (or two replicas behind a balancer) sees it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse

from handlers.kit.desk import Desk
from store.events import first_time

log = logging.getLogger(__name__)


def once_per_event(body: dict[str, Any], next: Callable[[], BoltResponse], desk: Desk) -> BoltResponse:
    """An event id seen before is acknowledged and not handled again."""
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    if isinstance(event_id, str) and event_id and not first_time(desk.db, event_id, desk.now()):
        log.info("event %s already handled: acknowledged, not handled again", event_id)
        return BoltResponse(status=200, body="")
    return next()


def register(app: App) -> None:
    app.middleware(once_per_event)
