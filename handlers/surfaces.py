"""Every Slack surface wired into one Bolt app, and the words of `/reference` mapped to the
surfaces that answer them: a new sub-command is one line here."""

from __future__ import annotations

from slack_bolt import App

from handlers.accounts import adjust
from handlers.giveback import log
from handlers.home import tab
from handlers.kit import dedupe, errors, sanitize, slash
from handlers.kit.desk import Desk
from handlers.offers import commands
from handlers.requests import ask, customer_say, decisions, find, followups, status

#: `/reference WORD ...` → the surface that answers it
SUBCOMMANDS: dict[str, slash.SubCommand] = {
    "help": slash.help_command,
    "find": find.answer_find,
    "status": status.answer_status,
    "log": log.log_command,
    "adjust": adjust.adjust_command,
    "offer": commands.offer_command,
    "offers": commands.offers_command,
    "give": commands.give_command,
}


def register_all(app: App, desk: Desk) -> None:
    errors.register(app)
    sanitize.register(app)
    dedupe.register(app, desk)
    slash.register(app, desk, SUBCOMMANDS, fallback=ask.ask)
    ask.register(app, desk)
    decisions.register(app, desk)
    log.register(app, desk)
    adjust.register(app, desk)
    followups.register(app, desk)
    tab.register(app, desk)
    commands.register(app, desk)
    customer_say.register(app, desk)
