"""Block Kit for a customer's approved words: an item in the library, words offered before a call,
the **Use this** modal and its answer (the words to copy), and App Home's line for the admins.

Pure builders. The words are the customer's, so they go through `escape` every time; a long text
is shown as an excerpt in lists and whole, in sections of its own, in the answer to copy.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from handlers.advocate.templating import a_noun
from handlers.kit.blocks import Block, actions, button, context, escape, link, modal, option, plain, section
from handlers.kit.forms import input_block, text_input
from handlers.kit.ids import Action, View
from store.evidence.figures import Overview
from store.evidence.library import LibraryItem, LibraryResult
from store.evidence.use import OPPORTUNITY_MAX, Used, UseForm
from store.links import LINK_MAX
from store.rules.evidence_policy import PLACES

#: characters of the words a list shows: escaped (each "&" is five) it stays far inside a section
EXCERPT = 400
#: characters of the words per section of the answer to copy (escaped: at most 2,500 of 3,000)
CHUNK = 500
#: the crm link input's longest value (a use's column)
CRM_LINK_MAX = min(LINK_MAX, 500)


def quoted(text: str, limit: int = EXCERPT) -> str:
    """The words as a mrkdwn quote, escaped, cut at `limit` characters."""
    cut = text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    return "\n".join(f"> {escape(line)}" for line in cut.splitlines() or [""])


def day(moment: dt.date) -> str:
    return moment.strftime("%-d %B %Y")


def until(expires_on: dt.date) -> str:
    """An expiry in words: the first day the words may no longer be used."""
    return f"expires on {day(expires_on)}"


def places_text(places: tuple[str, ...]) -> str:
    return " · ".join(PLACES.get(place, place) for place in places)


def use_value(evidence_id: int, request_id: int | None = None) -> str:
    """**Use this**'s value: the words, and the pending request they would replace."""
    return f"{evidence_id}:{request_id}" if request_id is not None else str(evidence_id)


def item_blocks(item: LibraryItem, *, admin: bool = False, request_id: int | None = None) -> list[Block]:
    """One item: its kind and account, the words (an excerpt), the attribution exactly as approved,
    where it may be used and until when, and **Use this** (admins: **Edit** too)."""
    where = f" · {escape(item.industry)}" if item.industry else ""
    head = f"*{escape(item.kind_name)}* · {escape(item.account_name)}{where}"
    body = f"{head}\n{quoted(item.text)}\n— {escape(item.attributed_as)}"
    used = f" · used {item.uses} time{'' if item.uses == 1 else 's'}" if item.uses else " · not used yet"
    page = f" · {link(item.link, 'the page')}" if item.link else ""
    blocks = [
        section(
            body,
            accessory=button("Use this", Action.EVIDENCE_USE, use_value(item.id, request_id), "primary"),
            block_id=f"evidence:{item.id}",
        ),
        context(f"Where we may use it: {places_text(item.places)} · {until(item.expires_on)}{used}{page}"),
    ]
    if admin:
        blocks.append(actions(button("Edit", Action.EVIDENCE_EDIT, str(item.id)), block_id=f"edit:{item.id}"))
    return blocks


def library_blocks(text: str, result: LibraryResult, *, admin: bool) -> list[Block]:
    """`/reference evidence <words>`: the items that fit, best first."""
    said = escape(text)
    if not result.items:
        what = f" for “{said}”" if text else ""
        return [
            section(f"No approved words from customers{what} yet."),
            context(
                "Try fewer words, or `/reference find` for accounts to ask. Admins draft a customer's "
                "words for them to approve with `/reference evidence new`."
            ),
        ]
    what = f" for a *{escape(result.activity.name)}*" if result.activity else ""
    intro = f"Customers' approved words that fit “{said}”{what}" if text else "Customers' approved words"
    blocks = [section(f"{intro}, best first. *Use this* gives you the words to copy.")]
    for item in result.items:
        blocks += item_blocks(item, admin=admin)
    if result.total > len(result.items):
        blocks.append(
            context(f"…and {result.total - len(result.items)} more. Add words to narrow the search.")
        )
    return blocks


def words_first_blocks(
    items: list[LibraryItem], activity_name: str | None, *, request_id: int | None = None
) -> list[Block]:
    """Words before a call: "A quote from Jane Roe, CTO, Acme fits this deal: use it instead of a
    reference call?", each item with **Use this** (which withdraws `request_id`, when given)."""
    if not items:
        return []
    first = items[0]
    instead = (
        f"use it instead of {escape(a_noun(activity_name))}?"
        if activity_name
        else "use it instead of an ask?"
    )
    what = a_noun(first.kind_name)
    who = f"{what[:1].upper()}{what[1:]} from {first.attributed_as}"
    lead = f"💬 *{escape(who)}* fits this deal: {instead}"
    if len(items) > 1:
        lead += f" ({len(items)} approved pieces fit, below)"
    blocks = [section(lead, block_id="evidence:first")]
    for item in items:
        blocks += item_blocks(item, request_id=request_id)[:2]
    return blocks


def use_modal(form: UseForm, metadata: str) -> dict[str, Any]:
    """**Use this**: for which deal, and where (only the places the customer allowed)."""
    blocks: list[Block] = [section(f"*{escape(form.kind_name)}* from {escape(form.attributed_as)}")]
    if form.request_id is not None:
        blocks.append(
            context(
                f"Using it withdraws your request for {escape(a_noun(form.activity_name))} with "
                f"{escape(form.account_name)}: nobody at the customer is asked, it costs them nothing."
            )
        )
    name = text_input(max_length=OPPORTUNITY_MAX)
    if form.opportunity_name:
        name["initial_value"] = form.opportunity_name[:OPPORTUNITY_MAX]
    crm = text_input(max_length=CRM_LINK_MAX, placeholder="https://…")
    if form.crm_link:
        crm["initial_value"] = form.crm_link[:CRM_LINK_MAX]
    place: dict[str, Any] = {
        "type": "static_select",
        "action_id": "value",
        "placeholder": plain("Where will you use it?"),
        "options": [option(words, key) for key, words in form.places],
    }
    if len(form.places) == 1:
        place["initial_option"] = option(form.places[0][1], form.places[0][0])
    blocks += [
        input_block("opportunity_name", "Opportunity name", name),
        input_block(
            "crm_link",
            "CRM link",
            crm,
            optional=True,
            hint="It counts the deal in the win rate with evidence.",
        ),
        input_block("place", "Where you'll use it", place, hint="Only where the customer said we may."),
    ]
    return modal(
        "Use this", blocks, callback_id=View.EVIDENCE_USE, submit="Use this", private_metadata=metadata
    )


def copy_view(used: Used) -> dict[str, Any]:
    """The answer to **Use this**: the words exactly as approved, with their attribution, to copy."""
    done = f"✅ Recorded: used for *{escape(used.opportunity_name)}*, {used.place.lower()}."
    if used.withdrew is not None:
        done += " Your request was withdrawn: it cost the customer nothing."
    blocks = [section(done), section("*Copy these words exactly, with the attribution:*")]
    blocks += [section(escape(used.text[start : start + CHUNK])) for start in range(0, len(used.text), CHUNK)]
    blocks.append(section(f"— {escape(used.attributed_as)}"))
    if used.link:
        blocks.append(section(link(used.link, used.link)))
    blocks.append(
        context("This is what the customer approved: change a word and it needs their approval again.")
    )
    return modal("Copy this", blocks, callback_id=View.EVIDENCE_USED, close="Close")


def home_blocks(overview: Overview) -> list[Block]:
    """App Home, for the admins: the library's state, and **Draft evidence**."""
    soon = (
        f" · {overview.expiring} expire{'s' if overview.expiring == 1 else ''} soon"
        if overview.expiring
        else ""
    )
    return [
        section("*Evidence: customers' approved words*"),
        context(
            f"{overview.usable} approved and current · {overview.awaiting} waiting for the advocate's "
            f"approval{soon} · `/reference evidence <words>` searches them"
        ),
        actions(button("Draft evidence", Action.EVIDENCE_NEW, "new"), block_id="evidence:home"),
    ]
