"""Every Slack surface wired into one Bolt app, and the words of `/reference` mapped to the
surfaces that answer them: a new sub-command is one line in `SUBCOMMANDS`, a new surface one line
in `register_all`."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from handlers.accounts import adjust
from handlers.bench import decide, nominate
from handlers.coverage import nothing_fits
from handlers.evidence import drafting, library
from handlers.giveback import log_value
from handlers.home import tab
from handlers.kit import acks, context, dedupe, errors, sanitize, slash
from handlers.kit.desk import Desk
from handlers.offers import commands, seats
from handlers.requests import ask, customer_say, decisions, find, followups, status, withdraw

#: `/reference WORD ...` → the surface that answers it
SUBCOMMANDS: dict[str, slash.SubCommand] = {
    "help": slash.help_command,
    "find": find.answer_find,
    "status": status.answer_status,
    "log": log_value.log_command,
    "adjust": adjust.adjust_command,
    "offer": commands.offer_command,
    "offers": commands.offers_command,
    "give": commands.give_command,
    "evidence": library.answer_evidence,
    "nominate": nominate.nominate_command,
}


def reference(ack: Ack, command: dict[str, Any], client: WebClient, desk: Desk) -> None:
    """`/reference WORD ...` runs its sub-command; anything else is the request modal's account
    search, with the whole text."""
    text = str(command.get("text") or "")
    word, rest = slash.parse(text)
    handler = SUBCOMMANDS.get(word)
    if handler is not None:
        handler(desk, ack, command, rest, client)
    else:
        ask.ask(desk, ack, command, text.strip(), client)


def register_all(app: App, desk: Desk) -> None:
    """The error handler, the middleware (the signalling ack first, before anything can ack; then
    the desk: the others read it), then the surfaces."""
    errors.register(app)
    app.middleware(acks.signal)
    app.middleware(context.hand_over(desk))
    sanitize.register(app)
    dedupe.register(app)
    app.command("/reference")(reference)
    for surface in (
        ask,
        decisions,
        log_value,
        adjust,
        followups,
        tab,
        commands,
        seats,
        customer_say,
        library,
        drafting,
        nominate,
        decide,
        withdraw,
        nothing_fits,
    ):
        surface.register(app)
