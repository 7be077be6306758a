"""The Slack surface: one module per surface, each with `register(app, desk)`."""

from __future__ import annotations

from slack_bolt import App

from handlers import (
    commands,
    decision_outbox,  # noqa: F401 - registers the request lifecycle's renderers
    decisions,
    dedupe,
    digest,
    errors,
    find,
    followups,
    giveback,
    home,
    requests,
    status,
)
from handlers.desk import Desk


def register_all(app: App, desk: Desk) -> None:
    errors.register(app)
    dedupe.register(app, desk)
    commands.register(app, desk)
    requests.register(app, desk)
    decisions.register(app, desk)
    giveback.register(app, desk)
    followups.register(app, desk)
    find.register(app, desk)
    status.register(app, desk)
    home.register(app, desk)
    digest.register(app, desk)
