"""The `/reference` slash command's sub-commands: their shape, and how the first word is read.

`handlers.surfaces` maps each word (`find`, `log`, `status`, ...) to the surface that answers
it; text that starts with no known word goes to the request modal's account search
(`/reference acme`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack
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
