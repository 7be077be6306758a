"""The messages about a request, as pure functions of its card: what the decider, the requester
and App Home show. No I/O here, so each can be checked against Block Kit from a literal card.
"""

from __future__ import annotations

from typing import Any

from handlers.kit.blocks import (
    Block,
    actions,
    button,
    context,
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
from store.models import RequestStatus
from store.requests.cards import Alternative, HistoryLine, RequestCard
from store.rules.policy import points

STATUS_LINE = {
    RequestStatus.APPROVED: "✅ Approved",
    RequestStatus.DECLINED: "❌ Declined",
    RequestStatus.CANCELLED: "🚫 Cancelled",
    RequestStatus.DONE: "🏁 Done",
    RequestStatus.FELL_THROUGH: "↩️ Fell through",
}


def _money(card: RequestCard) -> str:
    return f"{card.currency} {card.amount:,.0f}" if card.amount is not None else "—"


def _deal(card: RequestCard) -> str:
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
    "reversal": "Given back (fell through)",
    "adjustment": "Adjusted",
}


def _history_line(line: HistoryLine) -> str:
    verb = ENTRY_VERBS.get(line.kind, line.kind.capitalize())
    what = f": {escape(line.what)}" if line.what else ""
    return f"• {line.occurred_on.isoformat()} {verb}{what} ({points(line.amount, signed=True)})"


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
            f"{user(card.requester_id)} asks for a *{escape(card.activity_name)}* "
            f"(costs {points(card.cost)}) with *{escape(card.account_name)}*."
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
                    button("Approve with override", Action.APPROVE_OVERRIDE, value, "primary"),
                    button("Decline", Action.DECLINE, value, "danger"),
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
            blocks.append(actions(button("Decline", Action.DECLINE, value, "danger"), block_id="decision"))
    else:
        blocks.append(
            actions(
                button("Approve", Action.APPROVE, value, "primary"),
                button("Decline", Action.DECLINE, value, "danger"),
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
        blocks.append(
            actions(button("Cancel request", Action.CANCEL_REQUEST, str(card.id)), block_id="requester")
        )
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
                f"{escape(card.account_name)}'s balance is now {points(card.balance)}. "
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
                    f"balance {points(alt.balance)}{willing}",
                    accessory=button("Request", Action.REQUEST_ACCOUNT, str(alt.account_id)),
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
