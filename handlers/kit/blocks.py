"""Small Block Kit builders shared by every surface (pure functions returning dicts).

They apply Slack's limits where text comes from people (names, reasons, context), so a long
CRM field can never make Slack reject a whole message.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from store.links import is_safe_link

Block = dict[str, Any]

SECTION_TEXT_MAX = 3000
FIELD_TEXT_MAX = 2000
BUTTON_TEXT_MAX = 75
OPTION_TEXT_MAX = 75
HEADER_TEXT_MAX = 150
CONTEXT_TEXT_MAX = 2000


def escape(text: str) -> str:
    """Make people's text literal in mrkdwn (no accidental links, mentions or formatting tags)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str | None, text: str) -> str:
    """`text` as a link to `url` when it is a safe http(s) link; else just the text, escaped.

    Both halves are escaped and the URL re-checked here, so a link stored before the check
    existed still cannot inject markup.
    """
    label = escape(text).replace("|", "¦")
    return f"<{escape(url)}|{label}>" if url and is_safe_link(url) else label


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = SECTION_TEXT_MAX) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit) or " ", "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_TEXT_MAX) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": truncate(text, limit) or " "}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_TEXT_MAX)}


def section(text: str, *, accessory: dict[str, Any] | None = None, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if accessory is not None:
        block["accessory"] = accessory
    if block_id is not None:
        block["block_id"] = block_id
    return block


def fields(pairs: list[tuple[str, str]]) -> Block:
    """A two-column section of `*label*\\nvalue` cells (Slack allows 10)."""
    return {
        "type": "section",
        "fields": [mrkdwn(f"*{label}*\n{value}", FIELD_TEXT_MAX) for label, value in pairs[:10]],
    }


def context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(text, CONTEXT_TEXT_MAX)]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str,
    action_id: str,
    value: str,
    style: str | None = None,
    *,
    confirm: tuple[str, str, str] | None = None,
) -> dict[str, Any]:
    """A button; `confirm` (title, question, yes) asks first, for a click that cannot be taken back."""
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(text, BUTTON_TEXT_MAX),
        "action_id": action_id,
        "value": value,
    }
    if style is not None:
        element["style"] = style
    if confirm is not None:
        title, question, yes = confirm
        element["confirm"] = {
            "title": plain(title, 100),
            "text": plain(question, 300),
            "confirm": plain(yes, 30),
            "deny": plain("Cancel", 30),
        }
    return element


def actions(*elements: dict[str, Any], block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text, OPTION_TEXT_MAX), "value": value}


def when(moment: dt.datetime) -> str:
    """A time every reader sees in their own timezone (Slack's date token), with a UTC fallback."""
    fallback = moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def duration(span: dt.timedelta | None) -> str:
    """`2 d 3 h`, `5 h 10 min`, `12 min`: how long people waited, at a useful precision."""
    if span is None:
        return "—"
    minutes = int(span.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


#: the moment of a day's token: Slack shows a token's moment in each reader's own time zone, and
#: no moment is the same date in all 26 hours of them. 10:00 UTC is, from UTC−10 (Hawaii) to
#: UTC+13:59 (New Zealand's summer, Tonga, Samoa); it is the day before at UTC−11 (Niue,
#: American Samoa) and the day after at UTC+14 (Kiritimati). Noon UTC showed the next day in New
#: Zealand all summer.
DAY_AT = dt.time(10)


def day(date: dt.date) -> str:
    """A day every reader sees in their own style ("Dec 10, 2026", "tomorrow"), the one way a date
    is written in Slack (on the same date wherever the readers are: `DAY_AT`)."""
    moment = dt.datetime.combine(date, DAY_AT, dt.UTC)
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}}|{date:%-d %b %Y}>"


def day_of(moment: dt.datetime) -> str:
    """The day a moment fell on, in each reader's own time zone (a UTC date is the next day in
    the evening west of UTC)."""
    fallback = f"{moment.astimezone(dt.UTC):%-d %b %Y} (UTC)"
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}}|{fallback}>"


#: a date as the store writes it in a sentence (the checklist's, which the command line prints too)
ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def days_in(text: str) -> str:
    """A sentence the store wrote, its ISO dates written as Slack's dates (`day`)."""

    def as_day(found: re.Match[str]) -> str:
        try:
            return day(dt.date(int(found[1]), int(found[2]), int(found[3])))
        except ValueError:
            return found[0]

    return ISO_DATE.sub(as_day, text)


def user(user_id: str | None, nobody: str = "the program admins") -> str:
    return f"<@{user_id}>" if user_id else nobody


def modal(
    title: str,
    blocks: list[Block],
    *,
    callback_id: str,
    submit: str | None = None,
    private_metadata: str = "",
    close: str = "Cancel",
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "close": plain(close, 24),
        "blocks": blocks,
        "private_metadata": private_metadata,
    }
    if submit is not None:
        view["submit"] = plain(submit, 24)
    return view
