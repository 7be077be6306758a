"""Decision SLA reminders and escalations, and closing the loop (**Done** / **Fell through**).

The messages are outbox deliveries claimed by the scheduled jobs and rendered here at send
time: a reminder for a request decided in the meantime is simply not sent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.kit.blocks import Block, actions, button, context, day, escape, modal, option, section, user
from handlers.kit.desk import Desk
from handlers.kit.forms import (
    input_block,
    modal_metadata,
    request_id_of,
    selected_of,
    state_values,
    text_input,
    text_of,
)
from handlers.kit.ids import Action, View
from handlers.kit.refusals import answered
from handlers.outbox.messages import NotYet, Outgoing
from handlers.outbox.sender import send_soon
from handlers.requests.messages import decision_blocks, reason_modal
from store.act import Act
from store.models import DEAL_CLOSED_NOTE, RequestStatus
from store.outbox import listing
from store.outbox.kinds import DeliveryKind
from store.outbox.queue import DeliveryJob
from store.requests import cards, followups
from store.requests.followups import FollowupCard
from store.rules.policy import counted, points

#: "did the deal move?" answers → (what is stored in deal_moved, what is said)
DEAL_ANSWERS: dict[str, tuple[bool | None, str]] = {
    "moved": (True, "Yes, it moved forward"),
    "closed": (True, "Yes, it closed"),
    "no": (False, "No, not yet"),
}


def _hours(since: dt.datetime, now: dt.datetime) -> int:
    return max(int((now - since).total_seconds() // 3600), 0)


def render_sla_reminder(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    card = cards.card(desk.db, desk.policy, job.request_id or 0, desk.today())
    if card is None or not card.pending:
        return []
    waited = _hours(card.created_at, desk.now())
    blocks = [
        section(f"⏰ *Reminder:* this request has waited *{counted(waited, 'hour')}* for your decision."),
        *decision_blocks(card, viewer_is_admin=desk.is_admin(job.recipient), mails=desk.mails_advocates),
    ]
    return [
        Outgoing(
            f"Reminder: {escape(card.account_name)} request waiting {waited} h for your decision", blocks
        )
    ]


def render_sla_escalation(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    card = cards.card(desk.db, desk.policy, job.request_id or 0, desk.today())
    if card is None or not card.pending:
        return []
    waited = _hours(card.created_at, desk.now())
    blocks = [
        section(
            f"🚨 *Escalated:* {user(card.owner_id, 'nobody')} has not decided this request in "
            f"*{counted(waited, 'hour')}*. As a program admin you can decide it here."
        ),
        *decision_blocks(card, viewer_is_admin=True, mails=desk.mails_advocates),
    ]
    return [Outgoing(f"Escalated: {escape(card.account_name)} request waiting {waited} h", blocks)]


def _what(card: FollowupCard) -> str:
    deal = escape(card.opportunity_name) or "your deal"
    if card.crm_link:
        deal = f"<{card.crm_link}|{deal}>"
    return f"*{escape(card.activity_name)}* with *{escape(card.account_name)}* for {deal}"


def followup_blocks(card: FollowupCard, *, reminder: bool) -> list[Block]:
    """The question, or (once answered) the answer without buttons, so nobody answers twice."""
    needed = f" (needed by {day(card.needed_by)})" if card.needed_by else ""
    lead = "⏰ *Still open:* how" if reminder else "How"
    blocks = [section(f"{lead} did your {_what(card)}{needed} go?")]
    if card.status != RequestStatus.APPROVED:
        blocks.append(context(outcome_text(card)))
        return blocks
    blocks.append(
        context(
            f"*Done* closes it (tell us if the deal moved). *Fell through* gives the "
            f"{points(card.cost)} this ask cost back to {escape(card.account_name)}."
        )
    )
    value = str(card.id)
    blocks.append(
        actions(
            button("Done", Action.DONE, value, "primary"),
            button("Fell through", Action.FELL_THROUGH, value, "danger"),
            block_id="followup",
        )
    )
    return blocks


def outcome_text(card: FollowupCard) -> str:
    if card.status == RequestStatus.DONE:
        moved = ""
        if card.deal_moved is not None:
            moved = " The deal moved forward." if card.deal_moved else " The deal has not moved yet."
        note = f"\n> {escape(card.outcome_note)}" if card.outcome_note else ""
        return f"🏁 Done.{moved}{note}"
    if card.status == RequestStatus.FELL_THROUGH:
        return (
            f"↩️ Fell through: {escape(card.outcome_note or '')}\n"
            f"The {points(card.cost)} it cost went back; "
            f"{escape(card.account_name)}'s balance is now {points(card.balance)}."
        )
    return f"This request is {card.status.replace('_', ' ')}."


def _followup(desk: Desk, job: DeliveryJob, *, reminder: bool) -> list[Outgoing]:
    card = followups.followup_card(desk.db, desk.policy, job.request_id or 0)
    if card is None or card.status != RequestStatus.APPROVED:
        return []
    text = f"How did your reference with {escape(card.account_name)} go?"
    return [Outgoing(text, followup_blocks(card, reminder=reminder))]


def render_followup(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    return _followup(desk, job, reminder=False)


def render_followup_reminder(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    return _followup(desk, job, reminder=True)


def render_followup_closed(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    """Rewrite the question (and its reminder) with the answer, without buttons."""
    assert job.request_id is not None
    kinds = (DeliveryKind.FOLLOWUP, DeliveryKind.FOLLOWUP_REMINDER)
    if (due := listing.unsettled(desk.db, job.request_id, kinds)) is not None:
        raise NotYet.behind("the follow-up is still on its way", due, desk.now())
    card = followups.followup_card(desk.db, desk.policy, job.request_id)
    if card is None:
        return []
    return [
        Outgoing(
            outcome_text(card),
            followup_blocks(card, reminder=sent.kind == DeliveryKind.FOLLOWUP_REMINDER),
            channel=sent.channel,
            ts=sent.ts,
        )
        for sent in listing.sent_messages(desk.db, job.request_id, kinds)
    ]


#: the requester's rating of a done reference (1–5)
RATINGS = {5: "5 (excellent)", 4: "4", 3: "3", 2: "2", 1: "1 (poor)"}
RATING_VALUES = frozenset(str(score) for score in RATINGS)


def done_modal(request_id: int) -> dict[str, Any]:
    deal = {
        "type": "radio_buttons",
        "action_id": "value",
        "options": [option(label, key) for key, (_, label) in DEAL_ANSWERS.items()],
    }
    rating = {
        "type": "static_select",
        "action_id": "value",
        "options": [option(label, str(score)) for score, label in RATINGS.items()],
    }
    return modal(
        "Reference done",
        [
            input_block("rating", "How did it go? (1–5)", rating, optional=True),
            input_block("deal", "Did the deal move forward?", deal, optional=True),
            input_block(
                "note", "Anything to add?", text_input(max_length=1000, multiline=True), optional=True
            ),
        ],
        callback_id=View.DONE,
        submit="Done",
        private_metadata=modal_metadata(request_id),
    )


def answer_asked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    """**Done** opens the done modal, **Fell through** asks why; only the requester or an admin."""
    ack()
    with answered(ack, body, respond, client):
        request_id = request_id_of(action.get("value"))
        followups.check_closer(desk.db, request_id, act)
        if action["action_id"] == Action.DONE:
            view = done_modal(request_id)
        else:
            view = reason_modal(
                View.FELL_THROUGH,
                "Fell through",
                "What happened? The ask's cost goes back to the account, with your reason on the ledger.",
                request_id,
                "Fell through",
            )
        client.views_open(trigger_id=body["trigger_id"], view=view)


def done_submitted(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    values = state_values(view)
    deal_moved, _ = DEAL_ANSWERS.get(selected_of(values, "deal") or "", (None, ""))
    note = text_of(values, "note")
    rating = selected_of(values, "rating")
    if selected_of(values, "deal") == "closed":
        note = f"{DEAL_CLOSED_NOTE} {note}".strip()
    with answered(ack, body, respond, client):
        closed = followups.mark_done(
            desk.db,
            request_id_of(view.get("private_metadata")),
            act,
            deal_moved=deal_moved,
            note=note,
            rating=int(rating) if rating in RATING_VALUES else None,
        )
        ack()
        send_soon(desk, closed.delivery_keys)


def fell_through_submitted(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    with answered(ack, body, respond, client):
        closed = followups.mark_fell_through(
            desk.db,
            request_id_of(view.get("private_metadata")),
            act,
            reason=text_of(state_values(view), "reason"),
        )
        ack()
        send_soon(desk, closed.delivery_keys)


def register(app: App) -> None:
    app.action(Action.DONE)(answer_asked)
    app.action(Action.FELL_THROUGH)(answer_asked)
    app.view(View.DONE)(done_submitted)
    app.view(View.FELL_THROUGH)(fell_through_submitted)
