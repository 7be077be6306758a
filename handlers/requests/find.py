"""`/reference find <words>`: accounts that fit a deal, best first, each with a **Request** button,
and **Nothing fits** under them.

The answer comes in the slash command's ack (visible to the asker only): the search is one
indexed read, well inside Slack's 3 seconds, and an ack needs no Slack call that could fail. A
search that found nothing the program could ask is recorded as unmet demand after the ack, in a
short write of its own, so recording it never delays the answer.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from handlers.coverage.nothing_fits import nothing_fits_button
from handlers.evidence.library import words_for_find
from handlers.kit.blocks import Block, button, context, escape, section, truncate
from handlers.kit.desk import Desk
from handlers.kit.ids import Action
from handlers.offers.blocks import capital_line
from store.accounts import find
from store.accounts.find import FindResult, Fit, SearchNeed
from store.coverage import demand
from store.errors import Unavailable
from store.rules.policy import counted, points

log = logging.getLogger(__name__)

USAGE = (
    "Tell me what the prospect looks like: `/reference find fintech case study` "
    "(industry, product, region or segment, and an activity if you have one in mind)."
)


def _fit_text(fit: Fit, result: FindResult) -> str:
    facts = " · ".join(escape(part) for part in (fit.industry, fit.segment, fit.region) if part)
    lines = [f"*{escape(fit.name)}*" + (f" · {facts}" if facts else "")]
    if fit.products:
        lines.append(f"Products: {escape(fit.products.replace(';', ', '))}")
    if result.activity is not None:
        willing = (
            counted(fit.willing_advocates, "willing advocate")
            if fit.willing_advocates
            else "no advocate named for it"
        )
        lines.append(
            f"Balance {points(fit.balance)} → {points(fit.balance_after)} after the "
            f"{escape(result.activity.name)} · {willing}"
        )
    else:
        lines.append(f"Balance {points(fit.balance)}")
    if fit.capital is not None:
        lines.append(f"_{capital_line(fit.capital)}_")
    if fit.ratings:
        lines.append(f"Activities {fit.ratings}")
    if fit.unavailable:
        lines.append(f"⏸️ Not now — {escape(fit.unavailable)}")
    return "\n".join(lines)


def find_blocks(text: str, result: FindResult) -> list[Block]:
    """The answer, with **Nothing fits** last: whatever was listed, the requester may say it does not fit."""
    if not result.fits:
        return [
            section(f"No account matches “{escape(text)}”."),
            context("Try a broader search: fewer words, or just the industry (`/reference find fintech`)."),
            nothing_fits_button(text, result),
        ]
    what = f" for a *{escape(result.activity.name)}*" if result.activity else ""
    blocks = [section(f"Accounts that fit “{escape(text)}”{what}, best first:")]
    for fit in result.fits:
        request = (
            None if fit.do_not_contact else button("Request", Action.REQUEST_ACCOUNT, str(fit.account_id))
        )
        blocks.append(section(_fit_text(fit, result), accessory=request))
    if result.total > len(result.fits):
        blocks.append(
            context(f"…and {result.total - len(result.fits)} more. Add words to narrow the search.")
        )
    blocks.append(nothing_fits_button(text, result))
    return blocks


def answer_find(desk: Desk, ack: Ack, command: dict[str, Any], rest: str, client: WebClient) -> None:
    words = rest.strip()
    if not words:
        ack(response_type="ephemeral", text=USAGE, blocks=[section(USAGE)])
        return
    result = find.find_accounts(desk.db, desk.policy, words, desk.today())
    said = escape(truncate(words, 80))
    summary = (
        f"{counted(len(result.fits), 'account')} fit “{said}”"
        if result.fits
        else f"No account matches “{said}”"
    )
    # words before a call: approved words that fit the same deal come first
    blocks = words_for_find(desk, words) + find_blocks(words, result)
    ack(response_type="ephemeral", text=summary, blocks=blocks)
    if result.unmet is not None:
        _record_unmet(desk, result.unmet, str(command.get("user_id") or ""))


def _record_unmet(desk: Desk, need: SearchNeed, user_id: str) -> None:
    """After the answer is on its way: the search found nothing askable, so it is unmet demand.

    A database too busy to take it now loses one count of demand, never the answer: it is logged.
    """
    try:
        demand.record_search(desk.db, need, desk.act(user_id))
    except Unavailable:
        log.warning("unmet demand not recorded (the database is busy): %s", need.words[:80])
