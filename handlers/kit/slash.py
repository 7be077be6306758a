"""The `/reference` slash command: one entry point, dispatched on its first word.

`handlers.register_all` says which surface answers which word (`find`, `log`, `status`, ...);
text that starts with no known word goes to the fallback, the request modal's account search
(`/reference acme`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from handlers.kit.desk import Desk
from handlers.kit.help import help_blocks, help_text

#: (desk, ack, command payload, the text after the word, client)
SubCommand = Callable[[Desk, Ack, dict[str, Any], str, WebClient], None]


def answer_help(ack: Ack, note: str | None = None) -> None:
    """Help, visible only to the asker, straight in the ack."""
    ack(response_type="ephemeral", text=help_text(), blocks=help_blocks(note))


def help_command(desk: Desk, ack: Ack, command: dict[str, Any], rest: str, client: WebClient) -> None:
    answer_help(ack)


def parse(text: str | None) -> tuple[str, str]:
    """`"find fintech case study"` → `("find", "fintech case study")`."""
    words = (text or "").strip().split(maxsplit=1)
    if not words:
        return "", ""
    return words[0].lower(), words[1] if len(words) > 1 else ""


def register(app: App, desk: Desk, words: Mapping[str, SubCommand], fallback: SubCommand) -> None:
    """`/reference WORD ...` runs `words[WORD]`; anything else runs `fallback` with the whole text."""

    @app.command("/reference")
    def reference(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        text = str(command.get("text") or "")
        word, rest = parse(text)
        handler = words.get(word)
        if handler is not None:
            handler(desk, ack, command, rest, client)
        else:
            fallback(desk, ack, command, text.strip(), client)
