"""The `/reference` slash command: one entry point, dispatched on its first word.

Surfaces add their words with `@subcommand("log")`; text that starts with no known word is an
account search for the request modal (`/reference acme`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from handlers.desk import Desk
from handlers.help import help_blocks, help_text

#: (desk, ack, command payload, the text after the word, client)
SubCommand = Callable[[Desk, Ack, dict[str, Any], str, WebClient], None]

SUBCOMMANDS: dict[str, SubCommand] = {}
#: what runs when the first word is no sub-command (the request modal, once registered)
FALLBACK: list[SubCommand] = []


def subcommand(word: str) -> Callable[[SubCommand], SubCommand]:
    def add(function: SubCommand) -> SubCommand:
        SUBCOMMANDS[word] = function
        return function

    return add


def answer_help(ack: Ack, note: str | None = None) -> None:
    """Help, visible only to the asker, straight in the ack."""
    ack(response_type="ephemeral", text=help_text(), blocks=help_blocks(note))


@subcommand("help")
def _help(desk: Desk, ack: Ack, command: dict[str, Any], rest: str, client: WebClient) -> None:
    answer_help(ack)


def parse(text: str | None) -> tuple[str, str]:
    """`"find fintech case study"` → `("find", "fintech case study")`."""
    words = (text or "").strip().split(maxsplit=1)
    if not words:
        return "", ""
    return words[0].lower(), words[1] if len(words) > 1 else ""


def register(app: App, desk: Desk) -> None:
    @app.command("/reference")
    def reference(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        text = str(command.get("text") or "")
        word, rest = parse(text)
        handler = SUBCOMMANDS.get(word)
        if handler is not None:
            handler(desk, ack, command, rest, client)
        elif FALLBACK:
            FALLBACK[0](desk, ack, command, text.strip(), client)
        else:
            answer_help(ack, f"I don't know `{word}`." if word else None)
