"""The messages about a request, as pure functions of its card: what the decider and App Home show,
and the lines every message shares (the requester's own messages: `handlers.requests.requester`).
No I/O here, so each can be checked against Block Kit from a literal card.

The customer's side is part of every one of them (flow 11a): where the customer is (e-mailed on a
date and waiting, confirmed, or what they said) reads the same in the owner's rewritten DM, the
requester's messages, status and App Home (`customer_line`), and a customer's no is never shown as
the owner's decline.
"""

from __future__ import annotations

from typing import Any

from handlers.kit.blocks import (
    Block,
    actions,
    button,
    context,
    day,
    days_in,
    divider,
    escape,
    fields,
    header,
    link,
    modal,
    plain,
    section,
    user,
    when,
)
from handlers.kit.forms import modal_metadata
from handlers.kit.ids import Action
from handlers.offers.blocks import capital_line
from store.customer.consent import ANSWER_WORDS
from store.customer.sides import CustomerSide
from store.models import ConsentAnswer, RequestStatus
from store.requests.cards import HistoryLine, RequestCard
from store.rules.policy import points

#: how the owner's decision reads; a request the customer said no to, or the requester withdrew,
#: was approved all the same (what happened next is said after it)
STATUS_LINE = {
    RequestStatus.APPROVED: "✅ Approved",
    RequestStatus.CUSTOMER_DECLINED: "✅ Approved",
    RequestStatus.WITHDRAWN: "✅ Approved",
    RequestStatus.DONE: "✅ Approved",
    RequestStatus.FELL_THROUGH: "✅ Approved",
    RequestStatus.DECLINED: "❌ Declined",
    RequestStatus.CANCELLED: "🚫 Cancelled",
}
#: how a request that closed after the customer's say reads
CLOSED_LINE = {
    RequestStatus.DONE: "🏁 Done",
    RequestStatus.FELL_THROUGH: "↩️ Fell through",
    RequestStatus.WITHDRAWN: "↩️ Withdrawn by the requester: no longer needed",
}


def _money(card: RequestCard) -> str:
    return f"{card.currency} {card.amount:,.0f}" if card.amount is not None else "—"


def deal(card: RequestCard) -> str:
    return link(card.crm_link, card.opportunity_name or "—")


def _advocate(card: RequestCard) -> str:
    if not card.advocate_name:
        return "Owner's choice"
    title = f", {escape(card.advocate_title)}" if card.advocate_title else ""
    return f"{escape(card.advocate_name)}{title}"


#: how each kind of ledger entry reads in a history line
ENTRY_VERBS = {
    "ask": "Asked",
    "give": "Gave",
    "reversal": "Given back (the ask did not go ahead)",
    "adjustment": "Adjusted",
}


def _history_line(line: HistoryLine) -> str:
    verb = ENTRY_VERBS.get(line.kind, line.kind.capitalize())
    what = f": {escape(line.what)}" if line.what else ""
    return f"• {day(line.occurred_on)} {verb}{what} ({points(line.amount, signed=True)})"


def customer_line(side: CustomerSide) -> str:
    """Where the customer is on an approved ask, in one line."""
    name = escape(side.advocate_name)
    if side.waiting and side.mode == "email":
        return f"✉️ Waiting for {name}: e-mailed {when(side.asked_at)}"
    if side.waiting:
        return f"🗣️ Waiting for {name}'s answer: asked in person"
    said = f", {when(side.answered_at)}" if side.answered_at else ""
    if side.confirmed:
        return f"🤝 Confirmed by {name}{said}"
    rest = (
        f" (resting until {day(side.rest_until)})"
        if side.answer == ConsentAnswer.NOT_FOR_3_MONTHS and side.rest_until
        else ""
    )
    return f"🙅 {name} said *{ANSWER_WORDS[ConsentAnswer(side.answer)]}*{said}{rest}"


def outcome_line(card: RequestCard) -> str:
    """The owner's decision, then the customer's side, then how it closed."""
    label = STATUS_LINE.get(RequestStatus(card.status), card.status)
    by = f" by {user(card.decided_by)}" if card.decided_by else ""
    at = f", {when(card.decided_at)}" if card.decided_at else ""
    lines = [f"{label}{by}{at}"]
    if card.decision_reason:
        lines.append(f"> {escape(card.decision_reason)}")
    if card.override_reason:
        lines.append(f"⛔ overridden: {escape(card.override_reason)}")
    if card.customer is not None:
        lines.append(customer_line(card.customer))
    closed = CLOSED_LINE.get(RequestStatus(card.status))
    if closed:
        lines.append(closed + (f", {when(card.closed_at)}" if card.closed_at else ""))
    return "\n".join(lines)


def summary_blocks(card: RequestCard) -> list[Block]:
    """Who asks what of whom, for which deal: the top of every message about a request."""
    blocks = [
        header(f"Reference request: {card.account_name}"),
        section(
            f"{user(card.requester_id)} asks for a *{escape(card.activity_name)}* "
            f"(costs {points(card.cost)}) with *{escape(card.account_name)}*."
        ),
        fields(
            [
                ("Deal", deal(card)),
                ("Amount", _money(card)),
                ("Advocate", _advocate(card)),
                ("Needed by", day(card.needed_by) if card.needed_by else "—"),
                ("Prospect industry", escape(card.prospect_industry) or "—"),
                ("Owner", user(card.owner_id, "no owner in Slack")),
            ]
        ),
    ]
    if card.topic:
        blocks.append(
            section(f"*What they'd like to hear about* (the customer reads this)\n{escape(card.topic)}")
        )
    if card.prospect_company:
        blocks.append(
            context(f"The advocate may see the prospect company: *{escape(card.prospect_company)}*.")
        )
    if card.context:
        blocks.append(section(f"*Context* (internal: never shown to the customer)\n{escape(card.context)}"))
    return blocks


def what_approve_does(card: RequestCard, *, mails: bool) -> str:
    """Before any click: what **Approve** sends, and to whom."""
    account = escape(card.account_name)
    if not card.advocate_name:
        then = " and e-mails them on your behalf" if mails else ", then you ask them yourself"
        return f"*Approve* asks you whom at {account} to ask{then}. Nobody contacts them before they say yes."
    who = _advocate(card)
    if mails and card.advocate_email:
        return (
            f"✉️ *Approve* e-mails *{who}* ({escape(card.advocate_email)}) on your behalf: "
            f"“{escape(card.invitation)}” Nobody contacts them before they say yes.\n"
            f"*Preview* shows the e-mail, where you can add a line of your own or ask someone else at "
            f"{account}; *I'll ask them myself* records their answer with your buttons instead."
        )
    return (
        f"🗣️ *Approve* asks you to put it to *{who}* yourself, then record their answer with the "
        "buttons you get. Nobody else contacts them before they say yes."
    )


def _decision_buttons(card: RequestCard, *, mails: bool) -> Block:
    value = str(card.id)
    shown = [button("Approve", Action.APPROVE, value, "primary")]
    if mails and (card.advocate_email or not card.advocate_name):
        shown += [
            button("Preview", Action.PREVIEW, value),
            button("I'll ask them myself", Action.ASK_MYSELF, value),
        ]
    return actions(*shown, button("Decline", Action.DECLINE, value, "danger"), block_id="decision")


def decision_blocks(card: RequestCard, *, viewer_is_admin: bool, mails: bool = False) -> list[Block]:
    """The decider's message: the deal, the balance before and after, history, checklist, what
    **Approve** sends, the buttons; once decided, the outcome and where the customer is."""
    blocks = summary_blocks(card)
    if not card.pending:
        blocks.append(context(outcome_line(card)))
        return blocks
    rated = f" · activities {card.ratings}" if card.ratings else ""
    blocks.append(
        section(
            f"*Balance:* {points(card.balance)} now → *{points(card.balance_after)}* after this ask{rated}"
        )
    )
    history = "\n".join(_history_line(line) for line in card.history) or "Nothing asked or given yet."
    blocks.append(section(f"*Last asks and gives*\n{history}"))
    if card.capital is not None:
        blocks.append(context(capital_line(card.capital)))
    checks = "\n".join(f"{check.verdict.emoji} {days_in(escape(check.sentence))}" for check in card.checks)
    blocks.append(section(f"*Checklist*\n{checks}"))
    blocks.append(divider())
    value = str(card.id)
    if not card.blocked:
        blocks.append(section(what_approve_does(card, mails=mails)))
        blocks.append(_decision_buttons(card, mails=mails))
    elif viewer_is_admin:
        blocks.append(
            section(
                "⛔ A blocking rule applies: as a program admin you may approve anyway, "
                "with a written reason."
            )
        )
        blocks.append(
            actions(
                button("Approve with override", Action.APPROVE_OVERRIDE, value, "primary"),
                button("Decline", Action.DECLINE, value, "danger"),
                block_id="decision",
            )
        )
    else:
        blocks.append(
            section(
                "⛔ Approval is blocked by the rules marked ⛔ above. A program admin can approve with "
                "override; you can decline."
            )
        )
        blocks.append(actions(button("Decline", Action.DECLINE, value, "danger"), block_id="decision"))
    return blocks


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
        private_metadata=modal_metadata(request_id),
    )
