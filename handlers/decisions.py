"""Deciding a request: the owner's DM, Approve / Decline / Approve with override, and what
everyone is told afterwards (the messages are outbox deliveries rendered here).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.blocks import (
    Block,
    actions,
    button,
    context,
    divider,
    escape,
    fields,
    header,
    modal,
    plain,
    section,
    user,
    when,
)
from handlers.delivery import NotYet, Outgoing, fallback, renderer, send_soon
from handlers.desk import Desk
from handlers.forms import state_values, text_of
from handlers.replies import notice_modal, tell
from handlers.requests import CANCEL_ACTION as CANCEL
from handlers.requests import REQUEST_ACCOUNT_ACTION
from store import deliveries, requests
from store.deliveries import DeliveryJob
from store.followups import SLA_ESCALATION, SLA_REMINDER
from store.models import RequestStatus
from store.requests import (
    CONFIRMATION,
    DECISION_REQUEST,
    OUTCOME,
    REFRESH,
    Alternative,
    HistoryLine,
    NotAllowed,
    RequestCard,
    RequestInvalid,
)

log = logging.getLogger(__name__)

APPROVE = "approve"
DECLINE = "decline"
OVERRIDE = "approve_override"
DECLINE_MODAL = "decline_modal"
OVERRIDE_MODAL = "override_modal"

STATUS_LINE = {
    RequestStatus.APPROVED: "✅ Approved",
    RequestStatus.DECLINED: "❌ Declined",
    RequestStatus.CANCELLED: "🚫 Cancelled",
    RequestStatus.DONE: "🏁 Done",
    RequestStatus.FELL_THROUGH: "↩️ Fell through",
}


def _money(card: RequestCard) -> str:
    return f"{card.amount:,.0f}" if card.amount is not None else "—"


def _deal(card: RequestCard) -> str:
    name = escape(card.opportunity_name) or "—"
    return f"<{card.crm_link}|{name}>" if card.crm_link else name


def _advocate(card: RequestCard) -> str:
    if not card.advocate_name:
        return "Owner's choice"
    title = f", {escape(card.advocate_title)}" if card.advocate_title else ""
    return f"{escape(card.advocate_name)}{title}"


def _history_line(line: HistoryLine) -> str:
    sign = f"+{line.amount}" if line.amount > 0 else str(line.amount)
    return f"• {line.occurred_on.isoformat()} {line.kind} {escape(line.item or '')} ({sign})"


def outcome_line(card: RequestCard) -> str:
    label = STATUS_LINE.get(RequestStatus(card.status), card.status)
    by = f" by {user(card.decided_by)}" if card.decided_by else ""
    at = f", {when(card.decided_at)}" if card.decided_at else ""
    line = f"{label}{by}{at}"
    if card.decision_reason:
        line += f"\n> {escape(card.decision_reason)}"
    if card.override_reason:
        line += f"\n⛔ overridden: {escape(card.override_reason)}"
    return line


def summary_blocks(card: RequestCard) -> list[Block]:
    """Who asks what of whom, for which deal: the top of every message about a request."""
    blocks = [
        header(f"Reference request: {card.account_name}"),
        section(
            f"{user(card.requester_id)} asks for a *{escape(card.activity_name)}* (costs {card.cost}) "
            f"with *{escape(card.account_name)}*."
        ),
        fields(
            [
                ("Deal", _deal(card)),
                ("Amount", _money(card)),
                ("Advocate", _advocate(card)),
                ("Needed by", card.needed_by.isoformat() if card.needed_by else "—"),
                ("Prospect industry", escape(card.prospect_industry) or "—"),
                ("Owner", user(card.owner_id, "no owner in Slack")),
            ]
        ),
    ]
    if card.context:
        blocks.append(section(f"*Context*\n{escape(card.context)}"))
    return blocks


def decision_blocks(card: RequestCard, *, viewer_is_admin: bool) -> list[Block]:
    """The decider's message: the deal, the balance before and after, history, checklist, buttons."""
    blocks = summary_blocks(card)
    if not card.pending:
        blocks.append(context(outcome_line(card)))
        return blocks
    blocks.append(section(f"*Equity balance:* {card.balance} now → *{card.balance_after}* after this ask"))
    history = "\n".join(_history_line(line) for line in card.history) or "Nothing asked or given yet."
    blocks.append(section(f"*Last asks and gives*\n{history}"))
    checks = "\n".join(f"{check.verdict.emoji} {escape(check.sentence)}" for check in card.checks)
    blocks.append(section(f"*Checklist*\n{checks}"))
    blocks.append(divider())
    value = str(card.id)
    if card.blocked:
        if viewer_is_admin:
            blocks.append(
                section(
                    "⛔ A blocking rule applies: as a program admin you may approve anyway, "
                    "with a written reason."
                )
            )
            blocks.append(
                actions(
                    button("Approve with override", OVERRIDE, value, "primary"),
                    button("Decline", DECLINE, value, "danger"),
                    block_id="decision",
                )
            )
        else:
            blocks.append(
                section(
                    "⛔ Approval is blocked by the rule(s) above. A program admin can approve "
                    "with override; you can decline."
                )
            )
            blocks.append(actions(button("Decline", DECLINE, value, "danger"), block_id="decision"))
    else:
        blocks.append(
            actions(
                button("Approve", APPROVE, value, "primary"),
                button("Decline", DECLINE, value, "danger"),
                block_id="decision",
            )
        )
    return blocks


def confirmation_blocks(card: RequestCard) -> list[Block]:
    blocks = summary_blocks(card)
    if card.pending:
        blocks.append(
            section(f"📨 Sent to {user(card.owner_id)} to decide. You'll get a DM with the outcome.")
        )
        blocks.append(actions(button("Cancel request", CANCEL, str(card.id)), block_id="requester"))
    else:
        blocks.append(context(outcome_line(card)))
    return blocks


def outcome_blocks(card: RequestCard, alternatives: list[Alternative]) -> list[Block]:
    who = user(card.decided_by)
    what = f"your *{escape(card.activity_name)}* with *{escape(card.account_name)}*"
    if card.status == RequestStatus.APPROVED:
        blocks = [section(f"✅ {who} approved {what} for {_deal(card)}.")]
        if card.advocate_name:
            email = f" at {escape(card.advocate_email)}" if card.advocate_email else ""
            blocks.append(
                section(
                    f"*Next step:* contact {_advocate(card)}{email} to set it up, and brief "
                    "them on the prospect before the call."
                )
            )
        else:
            blocks.append(
                section(
                    f"*Next step:* {user(card.owner_id, 'the owner')} will pick the right "
                    "person at the account; agree the details with them."
                )
            )
        blocks.append(
            context(
                f"{card.account_name}'s balance is now {card.balance}. "
                "You'll be asked how it went after the needed-by date."
            )
        )
        return blocks
    blocks = [
        section(f"❌ {who} declined {what}."),
        section(f"*Reason:*\n> {escape(card.decision_reason or 'no reason given')}"),
    ]
    if alternatives:
        blocks.append(section("These accounts fit the same activity and industry and can afford the ask:"))
        for alt in alternatives:
            willing = f", {alt.willing_advocates} willing advocate(s)" if alt.willing_advocates else ""
            blocks.append(
                section(
                    f"*{escape(alt.name)}* · {escape(alt.industry) or 'no industry'} · "
                    f"balance {alt.balance}{willing}",
                    accessory=button("Request", REQUEST_ACCOUNT_ACTION, str(alt.account_id)),
                )
            )
    else:
        blocks.append(
            context(
                "No other account in this industry can afford this ask right now. "
                "Try `/reference find` with broader words."
            )
        )
    return blocks


def _card(desk: Desk, request_id: int | None) -> RequestCard | None:
    return requests.card(desk.db, desk.policy, request_id, desk.today()) if request_id else None


@renderer(DECISION_REQUEST)
def render_decision_request(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    card = _card(desk, job.request_id)
    if card is None:
        return []
    return [
        Outgoing(
            f"Reference request: {card.account_name} — {card.activity_name}",
            decision_blocks(card, viewer_is_admin=desk.is_admin(job.recipient)),
        )
    ]


@renderer(CONFIRMATION)
def render_confirmation(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    card = _card(desk, job.request_id)
    if card is None:
        return []
    return [
        Outgoing(
            f"Your request for {card.account_name} went to {user(card.owner_id)}", confirmation_blocks(card)
        )
    ]


@renderer(OUTCOME)
def render_outcome(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    card = _card(desk, job.request_id)
    if card is None:
        return []
    alternatives = (
        requests.alternatives(desk.db, desk.policy, card.id) if card.status == RequestStatus.DECLINED else []
    )
    verb = "approved" if card.status == RequestStatus.APPROVED else card.status
    return [Outgoing(f"Your request for {card.account_name} was {verb}", outcome_blocks(card, alternatives))]


#: messages that carry Approve / Decline buttons: each is rewritten once the request is decided
DECIDER_KINDS = (DECISION_REQUEST, SLA_REMINDER, SLA_ESCALATION)


@renderer(REFRESH)
def render_refresh(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    """Rewrite every message already sent about the request so it shows the state of things now."""
    assert job.request_id is not None
    kinds = (*DECIDER_KINDS, CONFIRMATION)
    if deliveries.unsettled(desk.db, job.request_id, kinds):
        raise NotYet("messages about this request are still on their way")
    card = _card(desk, job.request_id)
    if card is None:
        return []
    updates = []
    for sent in deliveries.sent_messages(desk.db, job.request_id, kinds):
        if sent.kind in DECIDER_KINDS:
            blocks = decision_blocks(card, viewer_is_admin=desk.is_admin(sent.recipient))
        else:
            blocks = confirmation_blocks(card)
        updates.append(Outgoing(outcome_line(card), blocks, channel=sent.channel, ts=sent.ts))
    return updates


@fallback(DECISION_REQUEST)
def decider_unreachable(desk: Desk, job: DeliveryJob, error: str) -> None:
    """The owner left Slack or cannot get DMs: the program admins decide instead."""
    if job.request_id is None:
        return
    keys = requests.reroute_to_admins(desk.db, job.request_id, job.recipient, desk.admins, desk.now())
    log.warning(
        "request %s: decider %s unreachable (%s); sent to the admins", job.request_id, job.recipient, error
    )
    send_soon(desk, keys)


def reason_modal(callback_id: str, title: str, prompt: str, request_id: int, submit: str) -> dict[str, Any]:
    return modal(
        title,
        [
            section(prompt),
            {
                "type": "input",
                "block_id": "reason",
                "label": plain("Reason"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "max_length": 1000,
                },
            },
        ],
        callback_id=callback_id,
        submit=submit,
        private_metadata=str(request_id),
    )


def _already_text(result: requests.Decided) -> str:
    label = STATUS_LINE.get(RequestStatus(result.status), result.status)
    by = f" by {user(result.decided_by)}" if result.decided_by else ""
    return f"Already decided: {label.lower()}{by}. Nothing changed."


def register(app: App, desk: Desk) -> None:
    @app.action(APPROVE)
    def approve(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        try:
            result = requests.decide(
                desk.db,
                desk.policy,
                int(action["value"]),
                actor_id=body["user"]["id"],
                approve=True,
                admins=desk.admins,
                now=desk.now(),
                today=desk.today(),
            )
        except NotAllowed as refusal:
            tell(body, respond, client, f"Only {refusal.who} can decide this.")
            return
        except RequestInvalid:
            tell(
                body,
                respond,
                client,
                "A blocking rule applies now: only a program admin can approve, with override.",
            )
            return
        if result.outcome == "already":
            tell(body, respond, client, _already_text(result))
            return
        send_soon(desk, result.delivery_keys)

    def open_reason(
        body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient, *, override: bool
    ) -> None:
        request_id = int(action["value"])
        user_id = body["user"]["id"]
        try:
            status = requests.check_decider(desk.db, request_id, user_id, desk.admins)
            if override and not desk.is_admin(user_id):
                raise NotAllowed("a program admin")
        except NotAllowed as refusal:
            tell(body, respond, client, f"Only {refusal.who} can decide this.")
            return
        if status != RequestStatus.PENDING:
            tell(
                body,
                respond,
                client,
                f"This request is already {str(status).replace('_', ' ')}. Nothing changed.",
            )
            return
        if override:
            view = reason_modal(
                OVERRIDE_MODAL,
                "Approve with override",
                "A ⛔ rule blocks this ask. Why should it go ahead anyway? "
                "Your reason is kept on the ledger.",
                request_id,
                "Approve",
            )
        else:
            view = reason_modal(
                DECLINE_MODAL,
                "Decline request",
                "The requester will read your reason.",
                request_id,
                "Decline",
            )
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(DECLINE)
    def decline(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        open_reason(body, action, respond, client, override=False)

    @app.action(OVERRIDE)
    def override(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        open_reason(body, action, respond, client, override=True)

    def submit_reason(ack: Ack, body: dict[str, Any], view: dict[str, Any], *, approve: bool) -> None:
        values = state_values(view)
        reason = text_of(values, "reason")
        metadata = str(view.get("private_metadata") or "")
        if not metadata.isdigit():
            ack(
                response_action="errors",
                errors={"reason": "This form is out of date: close it and click again."},
            )
            return
        try:
            result = requests.decide(
                desk.db,
                desk.policy,
                int(metadata),
                actor_id=body["user"]["id"],
                approve=approve,
                admins=desk.admins,
                now=desk.now(),
                today=desk.today(),
                reason=None if approve else reason,
                override_reason=reason if approve else None,
            )
        except RequestInvalid as invalid:
            ack(response_action="errors", errors={"reason": next(iter(invalid.errors.values()))})
            return
        except NotAllowed as refusal:
            ack(response_action="errors", errors={"reason": f"Only {refusal.who} can decide this."})
            return
        if result.outcome == "already":
            ack(response_action="update", view=notice_modal("Already decided", _already_text(result)))
            return
        ack()
        send_soon(desk, result.delivery_keys)

    @app.view(DECLINE_MODAL)
    def decline_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        submit_reason(ack, body, view, approve=False)

    @app.view(OVERRIDE_MODAL)
    def override_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        submit_reason(ack, body, view, approve=True)
