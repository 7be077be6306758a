"""What `/reference` can do, in Block Kit (pure builders, no Slack calls)."""

from __future__ import annotations

from typing import Any

from handlers.kit.blocks import escape, section, truncate

#: how much of someone's words a note repeats back: enough to recognise them, never enough to
#: push a section past Slack's 3,000 characters (a pasted paragraph would)
ECHO_MAX = 80

COMMANDS: tuple[tuple[str, str], ...] = (
    ("/reference", "ask for a customer reference: pick an account, an activity and the deal"),
    ("/reference acme", "the same, with the account search filled in"),
    (
        "/reference log [account]",
        "log value delivered to your customer (owners, admins): it earns points back",
    ),
    ("/reference adjust [account]", "add or take away points, with a reason (program admins)"),
    ("/reference find <words>", "find accounts that fit a deal and can afford the ask"),
    ("/reference status", "your requests of the last 90 days and who decides"),
    ("/reference give <account>", "what the account got back in 12 months, and the offers that fit it"),
    ("/reference offers", "the open offers (admins: edit and close them)"),
    ("/reference offer", "post a give-back offer with a number of seats (program admins)"),
    (
        "/reference evidence <words>",
        "customers' own words, approved by them, that fit a deal: use them instead of a new ask",
    ),
    ("/reference evidence new", "draft a customer's words for them to approve (program admins)"),
    (
        "/reference nominate [account]",
        "nominate a customer contact as an advocate: the owner decides, they opt in",
    ),
    ("/reference help", "this list"),
)


def help_text() -> str:
    return "Reference Desk commands:\n" + "\n".join(f"• {cmd} — {what}" for cmd, what in COMMANDS)


def no_match_note(text: str) -> str:
    """What `/reference <text>` (not blank) gets when it is neither a command nor an account."""
    words = escape(truncate(text, ECHO_MAX))
    first = escape(truncate(text.split()[0], ECHO_MAX))
    return f"No account matches “{words}”, and `{first}` is not a command."


def help_blocks(note: str | None = None) -> list[dict[str, Any]]:
    """The help card; `note` (e.g. "I don't know `foo`.") goes on top when there is one."""
    blocks: list[dict[str, Any]] = []
    if note:
        blocks.append(section(note))
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
