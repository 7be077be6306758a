"""Giving first in Slack: `/reference offer`, `/reference offers`, `/reference give <account>`,
**New offer** on App Home, **Edit** and **Close**, and the offer modal (the seats: `handlers.offers.seats`).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.accounts.picker import account_for_text
from handlers.kit.blocks import Block, context, escape, modal, section
from handlers.kit.desk import Desk
from handlers.kit.forms import (
    as_id,
    date_of,
    input_block,
    metadata_id,
    modal_metadata,
    selected_of,
    state_values,
    text_input,
    text_of,
    value_element,
)
from handlers.kit.ids import Action, View
from handlers.kit.refusals import answered, sentence
from handlers.kit.replies import tell
from handlers.offers.blocks import (
    capital_line,
    offer_blocks,
    suggestion_block,
)
from store.act import Act
from store.errors import Invalid, NotAllowed
from store.giveback import social_capital
from store.offers import catalog, matching
from store.offers.catalog import OfferDraft, OfferView
from store.rules.policy import Policy, counted

SAVED = "✅ Saved. Owners see it suggested for the accounts it fits."
#: how many times a card's rewrite waits for the card itself before giving up
MAX_WAITS = 6
#: offers listed in one answer (each is at most two blocks; an ephemeral message holds 50)
LIST_MAX = 20


def offer_modal(policy: Policy, offer: OfferView | None = None) -> dict[str, Any]:
    """**Title**, **Value delivered**, **Seats**, **Closes on**, **Fits**, **Description**."""
    title = text_input(max_length=catalog.TITLE_MAX, placeholder="e.g. Early access to the payments API")
    value = value_element(policy)
    seat_count: dict[str, Any] = {
        "type": "number_input",
        "action_id": "value",
        "is_decimal_allowed": False,
        "min_value": "1",
        "max_value": str(catalog.SEATS_MAX),
    }
    closes: dict[str, Any] = {"type": "datepicker", "action_id": "value"}
    fits = text_input(max_length=1000, multiline=True, placeholder="industries: Fintech, Retail")
    description = text_input(max_length=catalog.DESCRIPTION_MAX, multiline=True)
    if offer is not None:
        title["initial_value"] = offer.title
        chosen = next(
            (
                o
                for group in value["option_groups"]
                for o in group["options"]
                if o["value"] == offer.value_key
            ),
            None,
        )
        if chosen is not None:
            value["initial_option"] = chosen
        seat_count["initial_value"] = str(offer.seats)
        closes["initial_date"] = offer.closes_on.isoformat()
        if offer.fits.text():
            fits["initial_value"] = offer.fits.text()
        if offer.description:
            description["initial_value"] = offer.description
    blocks: list[Block] = [
        input_block("title", "Title", title),
        input_block(
            "value", "Value delivered", value, hint="Sets the points credited and the kind of value."
        ),
        input_block("seats", "Seats", seat_count),
        input_block("closes_on", "Closes on", closes),
        input_block(
            "fits",
            "Fits",
            fits,
            optional=True,
            hint="A line each for industries:, products: and segments:. Leave empty for every account.",
        ),
        input_block("description", "Description", description, optional=True),
    ]
    return modal(
        "Edit offer" if offer else "New offer",
        blocks,
        callback_id=View.OFFER,
        submit="Save",
        private_metadata=modal_metadata(offer.id if offer else None),
    )


def parse(view: dict[str, Any]) -> OfferDraft:
    values = state_values(view)
    closes_on, ok = date_of(values, "closes_on")
    if not ok:
        raise Invalid({"closes_on": "Pick a date from the calendar."})
    return OfferDraft(
        title=text_of(values, "title"),
        value=selected_of(values, "value"),
        seats=text_of(values, "seats"),
        closes_on=closes_on,
        fits=text_of(values, "fits"),
        description=text_of(values, "description"),
    )


def offers_blocks(desk: Desk, listed: list[OfferView], *, admin: bool) -> list[Block]:
    if not listed:
        hint = " `/reference offer` posts one." if admin else ""
        return [section(f"No open offers right now.{hint}")]
    blocks: list[Block] = [section("*Open offers*, closing soonest first:")]
    for offer in listed[:LIST_MAX]:
        blocks += offer_blocks(offer, admin=admin)
    if len(listed) > LIST_MAX:
        blocks.append(context(f"…and {len(listed) - LIST_MAX} more."))
    return blocks


def give_blocks(desk: Desk, account_name: str, capital_text: str, found: list[Block]) -> list[Block]:
    blocks: list[Block] = [section(f"*Give first to {escape(account_name)}*"), context(capital_text)]
    return blocks + (
        found or [context("No open offer fits it right now. `/reference log` logs value you gave.")]
    )


def _refuse_non_admin(desk: Desk, ack: Ack, command: dict[str, Any]) -> bool:
    """Answer a non-admin in the ack (only they see it); True when refused."""
    try:
        catalog.check_manager(desk.act(str(command.get("user_id") or "")))
    except NotAllowed as refusal:
        ack(response_type="ephemeral", text=sentence(refusal))
        return True
    return False


def offer_command(desk: Desk, ack: Ack, command: dict[str, Any], rest: str, client: WebClient) -> None:
    """`/reference offer`: the new-offer modal, for program admins."""
    if _refuse_non_admin(desk, ack, command):
        return
    ack()
    client.views_open(trigger_id=command["trigger_id"], view=offer_modal(desk.policy))


def offers_command(desk: Desk, ack: Ack, command: dict[str, Any], rest: str, client: WebClient) -> None:
    """`/reference offers`: the open offers; admins get Edit and Close on each."""
    listed = catalog.list_offers(desk.db, desk.policy, desk.today())
    admin = desk.is_admin(str(command.get("user_id") or ""))
    text = counted(len(listed), "open offer")
    ack(response_type="ephemeral", text=text, blocks=offers_blocks(desk, listed, admin=admin))


def give_command(desk: Desk, ack: Ack, command: dict[str, Any], rest: str, client: WebClient) -> None:
    """`/reference give <account>`: what the account got in 12 months and the offers that fit it."""
    account, hint = account_for_text(desk, rest.strip())
    if account is None:
        note = hint or "Name the account: `/reference give acme`."
        ack(response_type="ephemeral", text=note, blocks=[section(note)])
        return
    today = desk.today()
    suggested = matching.suggestions(desk.db, desk.policy, [account.id], today, within_reach=False)
    capital = social_capital.breakdown(desk.db, desk.policy, account.id, today)
    found = [suggestion_block(s) for s in suggested.get(account.id, [])]
    text = f"{counted(len(found), 'offer')} for {escape(account.name)}"
    ack(
        response_type="ephemeral",
        text=text,
        blocks=give_blocks(desk, account.name, capital_line(capital), found),
    )


def new_offer(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, desk: Desk, act: Act
) -> None:
    with answered(ack, body, respond, client):
        catalog.check_manager(act)
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=offer_modal(desk.policy))


def edit_offer(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    with answered(ack, body, respond, client):
        catalog.check_manager(act)
        ack()
        offer = catalog.get_offer(desk.db, desk.policy, as_id(action.get("value")) or 0)
        if offer is None:
            raise Invalid({"offer": "This offer no longer exists. Nothing changed."})
        client.views_open(trigger_id=body["trigger_id"], view=offer_modal(desk.policy, offer))


def close_offer(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    with answered(ack, body, respond, client):
        ack()
        offer = catalog.close_offer(desk.db, desk.policy, as_id(action.get("value")) or 0, act)
        tell(body, respond, client, f"Closed “{escape(offer.title)}”: no more seats are reserved.", "Closed")


def submitted(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    """The offer modal sent: a new offer, or the one it was opened for edited."""
    with answered(ack, body, respond, client):
        draft = parse(view)
        offer_id = metadata_id(view)
        if offer_id is None:
            offer = catalog.create_offer(desk.db, desk.policy, draft, act, source_key=f"view:{view['id']}")
        else:
            offer = catalog.edit_offer(desk.db, desk.policy, offer_id, draft, act)
        done = modal(
            "Offer saved",
            [section(SAVED), *offer_blocks(offer, admin=False)],
            callback_id=View.OFFER_SAVED,
            close="Close",
        )
        ack(response_action="update", view=done)


def register(app: App) -> None:
    app.action(Action.NEW_OFFER)(new_offer)
    app.action(Action.EDIT_OFFER)(edit_offer)
    app.action(Action.CLOSE_OFFER)(close_offer)
    app.view(View.OFFER)(submitted)
