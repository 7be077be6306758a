"""What `/reference` can do, in Block Kit (pure builders, no Slack calls)."""

from __future__ import annotations

from typing import Any

COMMANDS: tuple[tuple[str, str], ...] = (
    ("/reference", "ask for a customer reference: pick an account, an activity and the deal"),
    ("/reference acme", "the same, with the account search filled in"),
    ("/reference log [account]", "log value delivered to a customer (it earns equity back)"),
    ("/reference find <words>", "find accounts that fit a deal and can afford the ask"),
    ("/reference status", "your requests of the last 90 days and who decides"),
    ("/reference help", "this list"),
)


def help_text() -> str:
    return "Reference Desk commands:\n" + "\n".join(f"• {cmd} — {what}" for cmd, what in COMMANDS)


def help_blocks(note: str | None = None) -> list[dict[str, Any]]:
    """The help card; `note` (e.g. "I don't know `foo`.") goes on top when there is one."""
    blocks: list[dict[str, Any]] = []
    if note:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": note}})
    blocks.append(
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*Reference Desk* asks customers for references only when we have earned "
                "it: every ask spends relationship equity, every bit of value given back earns it.",
            },
        }
    )
    blocks.append(
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "\n".join(f"• `{cmd}` — {what}" for cmd, what in COMMANDS),
            },
        }
    )
    return blocks
