"""The `/reference` slash command: one entry point, dispatched on its first word."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from handlers.desk import Desk
from handlers.help import help_blocks, help_text

log = logging.getLogger(__name__)

#: sub-command → listener body; later surfaces add their own words here
SubCommand = Callable[[Desk, Ack, dict[str, Any], str], None]


def answer_help(desk: Desk, ack: Ack, command: dict[str, Any], rest: str) -> None:
    ack(response_type="ephemeral", text=help_text(), blocks=help_blocks())


SUBCOMMANDS: dict[str, SubCommand] = {"help": answer_help}


def parse(text: str | None) -> tuple[str, str]:
    """`"find fintech case study"` → `("find", "fintech case study")`."""
    words = (text or "").strip().split(maxsplit=1)
    if not words:
        return "", ""
    return words[0].lower(), words[1] if len(words) > 1 else ""


def register(app: App, desk: Desk) -> None:
    @app.command("/reference")
    def reference(ack: Ack, command: dict[str, Any]) -> None:
        word, rest = parse(command.get("text"))
        handler = SUBCOMMANDS.get(word)
        if handler is not None:
            handler(desk, ack, command, rest)
            return
        note = f"I don't know `{word}`." if word else None
        ack(response_type="ephemeral", text=help_text(), blocks=help_blocks(note))
