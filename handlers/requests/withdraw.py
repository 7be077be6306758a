"""**Withdraw**: the requester takes back an approved ask that is not done (`store.requests.withdrawing`),
and the owner's DM that says so. The advocate's "no longer needed" e-mail is the advocate's
(`handlers.advocate.mails`); the requester's own messages are rewritten without the button.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.kit.blocks import context, escape, section, user
from handlers.kit.desk import Desk
from handlers.kit.forms import request_id_of
from handlers.kit.ids import Action
from handlers.kit.refusals import answered
from handlers.kit.replies import tell
from handlers.outbox.messages import Outgoing
from handlers.outbox.sender import send_soon
from handlers.requests.requester import who_tells
from store.act import Act
from store.outbox.queue import DeliveryJob
from store.requests import cards, withdrawing
from store.rules.policy import points


def withdraw(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    """The button (it asked first): withdraw once; the clicker reads what happens next."""
    ack()
    with answered(ack, body, respond, client):
        closed = withdrawing.withdraw(desk.db, request_id_of(action.get("value")), act)
        send_soon(desk, closed.delivery_keys)
        tell(
            body,
            respond,
            client,
            f"↩️ Withdrawn. {who_tells(closed.customer_emailed)}, and the points went back to the account.",
            "Withdrawn",
        )


def render_withdrawn_notice(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    """The owner told the ask was withdrawn, and (when they ask in person) to tell the advocate."""
    card = cards.card(desk.db, desk.policy, job.request_id or 0, desk.today())
    if card is None:
        return []
    who = escape(card.advocate_name or "the advocate")
    what = f"*{escape(card.activity_name)}* with *{escape(card.account_name)}*"
    side = card.customer
    told = (
        f"{who} is e-mailed that it is no longer needed, with thanks for being willing."
        if side is not None and side.mode == "email"
        else f"Please let {who} know it is no longer needed, and thank them for being willing."
    )
    text = f"↩️ {user(card.requester_id)} withdrew the {what}: no longer needed. {told}"
    balance = (
        f"The {points(card.cost)} it cost went back: {escape(card.account_name)} has {points(card.balance)}."
    )
    return [
        Outgoing(f"{escape(card.account_name)}: the ask was withdrawn", [section(text), context(balance)])
    ]


def register(app: App) -> None:
    app.action(Action.WITHDRAW)(withdraw)
