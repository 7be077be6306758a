"""The Slack surface: one module per surface, wired here in one place.

Each surface with listeners has `register(app, desk)`; the words of `/reference` are mapped to
the surfaces that answer them here too, so a new sub-command is one line in this file.
"""

from __future__ import annotations

from slack_bolt import App

from handlers import (
    commands,
    decision_outbox,  # noqa: F401 - registers the request lifecycle's renderers
    decisions,
    dedupe,
    digest,  # noqa: F401 - registers the digest's renderers
    errors,
    find,
    followups,
    giveback,
    home,
    requests,
    status,
)
from handlers.desk import Desk

#: `/reference WORD ...` → the surface that answers it
SUBCOMMANDS: dict[str, commands.SubCommand] = {
    "help": commands.help_command,
    "find": find.answer_find,
    "status": status.answer_status,
    "log": giveback.log_command,
}


def register_all(app: App, desk: Desk) -> None:
    errors.register(app)
    dedupe.register(app, desk)
    commands.register(app, desk, SUBCOMMANDS, fallback=requests.ask)
    requests.register(app, desk)
    decisions.register(app, desk)
    giveback.register(app, desk)
    followups.register(app, desk)
    home.register(app, desk)
