"""Giving first in Slack: `/reference offer`, `/reference offers`, `/reference give <account>`,
**New offer** on App Home, and the seat buttons (**Offer it**, the customer's answer,
**Delivered**, **Release seat**), with the seat's DM (an outbox delivery rendered here).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.giveback.log import account_for_text, value_element
from handlers.kit.blocks import Block, context, escape, modal, option, section, truncate
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
)
from handlers.kit.ids import Action, View
from handlers.kit.refusals import answered, sentence
from handlers.kit.replies import tell
from handlers.offers.blocks import (
    capital_line,
    offer_blocks,
    offer_it_value,
    seat_blocks,
    seat_text,
    suggestion_block,
)
from handlers.outbox.messages import NotYet, Outgoing
from handlers.outbox.sender import send_soon
from store.errors import Invalid, NotAllowed
from store.giveback import social_capital
from store.offers import catalog, matching, reserve, seat_changes, seats
from store.offers.catalog import OfferDraft, OfferView
from store.offers.reserve import AdvocateChoice
from store.offers.seats import SeatView
from store.outbox.payloads import OfferSeatPayload
from store.outbox.queue import DeliveryJob
from store.rules.policy import Policy

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
    text = f"{len(listed)} open offer(s)"
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
    text = f"{len(found)} offer(s) for {escape(account.name)}"
    ack(
        response_type="ephemeral",
        text=text,
        blocks=give_blocks(desk, account.name, capital_line(capital), found),
    )


def render_seat(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    """The owner's card of a new reservation (later rewritten in place as the seat moves on)."""
    seat = seats.seat(desk.db, desk.policy, OfferSeatPayload.from_dict(job.data).seat_id)
    return [] if seat is None else [Outgoing(seat_text(seat), seat_blocks(seat))]


def render_seat_refresh(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    """Rewrite the seat's card where it landed; wait while the card itself is still on its way."""
    seat_id = OfferSeatPayload.from_dict(job.data).seat_id
    landed = seats.card_landed(desk.db, seat_id)
    seat = seats.seat(desk.db, desk.policy, seat_id)
    if seat is None:
        return []
    if landed is None:
        if job.attempts >= MAX_WAITS:  # the card never arrived (its owner left Slack): nothing to rewrite
            return []
        raise NotYet("the seat's card has not reached Slack yet")
    channel, ts = landed
    return [Outgoing(seat_text(seat), seat_blocks(seat), channel=channel, ts=ts)]


def advocate_modal(value: str, choices: list[AdvocateChoice], *, home: bool) -> dict[str, Any]:
    """**Offer it** for an account with several advocates who may be approached: whom to offer it to."""
    select = {
        "type": "static_select",
        "action_id": "value",
        "options": [
            option(truncate(f"{c.name}, {c.title}" if c.title else c.name, 75), str(c.id))
            for c in choices[:100]
        ],
    }
    return modal(
        "Offer it",
        [
            section("Several people at this account could take it. Whom should we offer it to?"),
            input_block("advocate", "Advocate", select),
        ],
        callback_id=View.OFFER_ADVOCATE,
        submit="Offer it",
        private_metadata=f"{value}:home" if home else value,
    )


def _offer_and_account(value: object) -> tuple[int, int]:
    """The (offer, account) of an **Offer it** button or of its advocate modal's metadata."""
    offer_id, _, rest = str(value or "").partition(":")
    account_id = rest.partition(":")[0]
    return as_id(offer_id) or 0, as_id(account_id) or 0


def _home_of(body: dict[str, Any]) -> str | None:
    """The clicker, when the click was on their App Home (which then owes a republish)."""
    if (body.get("view") or {}).get("type") == "home":
        return str((body.get("user") or {}).get("id") or "") or None
    return None


def _seat_id(action: dict[str, Any]) -> int:
    seat_id = as_id(action.get("value"))
    if seat_id is None:
        raise Invalid({"seat": "This button is out of date. Nothing changed."})
    return seat_id


def _said(seat: SeatView) -> str:
    """What the clicker reads in place after a seat moved."""
    return {
        "reserved": f"Seat reserved on “{escape(seat.offer_title)}” for {escape(seat.account_name)}. "
        "Ask the customer; the seat's card in your DMs records the answer.",
        "accepted": f"Recorded: {escape(seat.account_name)} said yes to “{escape(seat.offer_title)}”.",
        "declined": f"Recorded: no, thanks. The seat on “{escape(seat.offer_title)}” went back.",
        "delivered": seat_text(seat) + ".",
        "released": f"Seat on “{escape(seat.offer_title)}” released.",
    }.get(seat.status, seat_text(seat))


def register(app: App, desk: Desk) -> None:
    def clicked(body: dict[str, Any], respond: Respond, client: WebClient, seat: SeatView) -> None:
        send_soon(desk, seat.delivery_keys)
        if _home_of(body) is None:
            tell(body, respond, client, _said(seat), "Done")

    @app.action(Action.NEW_OFFER)
    def new_offer(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        with answered(ack, body, respond, client):
            catalog.check_manager(desk.act(body["user"]["id"]))
            ack()
            client.views_open(trigger_id=body["trigger_id"], view=offer_modal(desk.policy))

    @app.action(Action.EDIT_OFFER)
    def edit_offer(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        with answered(ack, body, respond, client):
            catalog.check_manager(desk.act(body["user"]["id"]))
            ack()
            offer = catalog.get_offer(desk.db, desk.policy, as_id(action.get("value")) or 0)
            if offer is None:
                raise Invalid({"offer": "This offer no longer exists. Nothing changed."})
            client.views_open(trigger_id=body["trigger_id"], view=offer_modal(desk.policy, offer))

    @app.action(Action.CLOSE_OFFER)
    def close_offer(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        with answered(ack, body, respond, client):
            ack()
            offer = catalog.close_offer(
                desk.db, desk.policy, as_id(action.get("value")) or 0, desk.act(body["user"]["id"])
            )
            tell(
                body,
                respond,
                client,
                f"Closed “{escape(offer.title)}”: no more seats are reserved.",
                "Closed",
            )

    @app.view(View.OFFER)
    def submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        with answered(ack, body, respond, client):
            draft = parse(view)
            offer_id = metadata_id(view)
            act = desk.act(body["user"]["id"])
            if offer_id is None:
                offer = catalog.create_offer(desk.db, desk.policy, draft, act)
            else:
                offer = catalog.edit_offer(desk.db, desk.policy, offer_id, draft, act)
            done = modal(
                "Offer saved",
                [
                    section("✅ Saved. Owners see it suggested for the accounts it fits."),
                    *offer_blocks(offer, admin=False),
                ],
                callback_id=View.OFFER_SAVED,
                close="Close",
            )
            ack(response_action="update", view=done)

    def reserve_seat(
        body: dict[str, Any], value: object, advocate_id: int | None, home_of: str | None
    ) -> SeatView:
        offer_id, account_id = _offer_and_account(value)
        return reserve.offer_it(
            desk.db,
            desk.policy,
            offer_id,
            account_id,
            desk.act(body["user"]["id"]),
            advocate_id=advocate_id,
            invite=desk.consent_mode == "email" and desk.mailer is not None and desk.links is not None,
            home_of=home_of,
        )

    @app.action(Action.OFFER_IT)
    def offer_it(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        """One advocate who may be approached: reserve for them; several: the owner picks in a modal."""
        with answered(ack, body, respond, client):
            ack()
            offer_id, account_id = _offer_and_account(action.get("value"))
            choices = reserve.advocate_choices(desk.db, account_id, desk.act(body["user"]["id"]))
            if len(choices) > 1:
                value = offer_it_value(offer_id, account_id)
                view = advocate_modal(value, choices, home=_home_of(body) is not None)
                client.views_open(trigger_id=body["trigger_id"], view=view)
                return
            clicked(body, respond, client, reserve_seat(body, action.get("value"), None, _home_of(body)))

    @app.view(View.OFFER_ADVOCATE)
    def advocate_picked(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        with answered(ack, body, respond, client):
            advocate_id = as_id(selected_of(state_values(view), "advocate"))
            if advocate_id is None:
                raise Invalid({"advocate": "Pick the advocate to offer it to."})
            metadata = str(view.get("private_metadata") or "")
            home_of = body["user"]["id"] if metadata.endswith(":home") else None
            seat = reserve_seat(body, metadata, advocate_id, home_of)
            send_soon(desk, seat.delivery_keys)
            done = modal("Seat reserved", [section(_said(seat))], callback_id=View.NOTICE, close="Close")
            ack(response_action="update", view=done)

    def on_seat_button(action_id: Action, change: Callable[[int, str, str | None], SeatView]) -> None:
        """A button on the seat card or App Home: one store call `change(seat, clicker, home_of)`."""

        @app.action(action_id)
        def listener(
            ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
        ) -> None:
            with answered(ack, body, respond, client):
                ack()
                seat = change(_seat_id(action), body["user"]["id"], _home_of(body))
                clicked(body, respond, client, seat)

    def record(accepted: bool) -> Callable[[int, str, str | None], SeatView]:
        return lambda seat_id, actor_id, home_of: seat_changes.record_answer(
            desk.db, desk.policy, seat_id, accepted, desk.act(actor_id), home_of=home_of
        )

    on_seat_button(Action.SEAT_YES, record(True))
    on_seat_button(Action.SEAT_NO, record(False))
    on_seat_button(
        Action.DELIVERED,
        lambda seat_id, actor_id, home_of: seat_changes.deliver_seat(
            desk.db, desk.policy, seat_id, desk.act(actor_id), home_of=home_of
        ),
    )
    on_seat_button(
        Action.RELEASE_SEAT,
        lambda seat_id, actor_id, home_of: seat_changes.release_seat(
            desk.db, desk.policy, seat_id, desk.act(actor_id), home_of=home_of
        ),
    )
