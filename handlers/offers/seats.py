"""An offer's seats in Slack: **Offer it** (with the advocate to name when several may be asked),
the buttons on the seat's card and on App Home (the customer's answer, **Delivered**, **Release
seat**), and the card itself, an outbox delivery rendered here and rewritten as the seat moves on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.kit.blocks import escape, modal, option, section, truncate
from handlers.kit.desk import Desk
from handlers.kit.forms import as_id, input_block, selected_of, state_values
from handlers.kit.ids import Action, View
from handlers.kit.refusals import answered
from handlers.kit.replies import tell
from handlers.offers.blocks import offer_it_value, seat_blocks, seat_text
from handlers.outbox.messages import NotYet, Outgoing
from handlers.outbox.sender import send_soon
from store.act import Act
from store.errors import Invalid
from store.offers import reserve, seat_changes, seats
from store.offers.reserve import AdvocateChoice
from store.offers.seats import SeatView
from store.outbox.payloads import OfferSeatPayload
from store.outbox.queue import DeliveryJob

#: how many times a card's rewrite waits for the card itself before giving up
MAX_WAITS = 6


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
    who = escape(seat.advocate_name or seat.account_name)
    asked = (
        f"{who} is e-mailed the invitation on your behalf; their answer reaches the seat's card in your DMs."
        if seat.invited_at
        else f"Ask {who}, then record their answer on the seat's card in your DMs."
    )
    return {
        "reserved": f"Seat reserved on “{escape(seat.offer_title)}” for {escape(seat.account_name)}. {asked}",
        "accepted": f"Recorded: {escape(seat.account_name)} said yes to “{escape(seat.offer_title)}”.",
        "declined": f"Recorded: no, thanks. The seat on “{escape(seat.offer_title)}” went back.",
        "delivered": seat_text(seat) + ".",
        "released": f"Seat on “{escape(seat.offer_title)}” released.",
    }.get(seat.status, seat_text(seat))


def _reserve(desk: Desk, act: Act, value: object, advocate_id: int | None, home_of: str | None) -> SeatView:
    """**Offer it**: a seat reserved for the account of `value`, named to one advocate."""
    offer_id, account_id = _offer_and_account(value)
    return reserve.offer_it(
        desk.db,
        desk.policy,
        offer_id,
        account_id,
        act,
        advocate_id=advocate_id,
        invite=desk.mails_advocates,
        home_of=home_of,
    )


def _clicked(desk: Desk, body: dict[str, Any], respond: Respond, client: WebClient, seat: SeatView) -> None:
    """Send what the seat's move owes; the clicker reads what happened where they clicked (App Home
    shows it by being republished)."""
    send_soon(desk, seat.delivery_keys)
    if _home_of(body) is None:
        tell(body, respond, client, _said(seat), "Done")


def offer_it(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    """One advocate who may be approached: reserve for them; several: the owner picks in a modal."""
    with answered(ack, body, respond, client):
        ack()
        offer_id, account_id = _offer_and_account(action.get("value"))
        choices = reserve.advocate_choices(desk.db, account_id, act)
        if len(choices) > 1:
            value = offer_it_value(offer_id, account_id)
            view = advocate_modal(value, choices, home=_home_of(body) is not None)
            client.views_open(trigger_id=body["trigger_id"], view=view)
            return
        _clicked(desk, body, respond, client, _reserve(desk, act, action.get("value"), None, _home_of(body)))


def advocate_picked(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    with answered(ack, body, respond, client):
        advocate_id = as_id(selected_of(state_values(view), "advocate"))
        if advocate_id is None:
            raise Invalid({"advocate": "Pick the advocate to offer it to."})
        metadata = str(view.get("private_metadata") or "")
        home_of = act.user if metadata.endswith(":home") else None
        seat = _reserve(desk, act, metadata, advocate_id, home_of)
        send_soon(desk, seat.delivery_keys)
        done = modal("Seat reserved", [section(_said(seat))], callback_id=View.NOTICE, close="Close")
        ack(response_action="update", view=done)


def _yes(desk: Desk, act: Act, seat_id: int, home_of: str | None) -> SeatView:
    return seat_changes.record_answer(desk.db, desk.policy, seat_id, True, act, home_of=home_of)


def _no(desk: Desk, act: Act, seat_id: int, home_of: str | None) -> SeatView:
    return seat_changes.record_answer(desk.db, desk.policy, seat_id, False, act, home_of=home_of)


def _delivered(desk: Desk, act: Act, seat_id: int, home_of: str | None) -> SeatView:
    return seat_changes.deliver_seat(desk.db, desk.policy, seat_id, act, home_of=home_of)


def _released(desk: Desk, act: Act, seat_id: int, home_of: str | None) -> SeatView:
    return seat_changes.release_seat(desk.db, desk.policy, seat_id, act, home_of=home_of)


#: each button on the seat card or App Home → the one store call it makes
SEAT_BUTTONS: dict[str, Callable[[Desk, Act, int, str | None], SeatView]] = {
    Action.SEAT_YES: _yes,
    Action.SEAT_NO: _no,
    Action.DELIVERED: _delivered,
    Action.RELEASE_SEAT: _released,
}


def seat_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    """A seat button: ack, one store call, the answer where it was clicked."""
    with answered(ack, body, respond, client):
        ack()
        seat = SEAT_BUTTONS[action["action_id"]](desk, act, _seat_id(action), _home_of(body))
        _clicked(desk, body, respond, client, seat)


def register(app: App) -> None:
    app.action(Action.OFFER_IT)(offer_it)
    app.view(View.OFFER_ADVOCATE)(advocate_picked)
    for action_id in SEAT_BUTTONS:
        app.action(action_id)(seat_clicked)
