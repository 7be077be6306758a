"""The requester's messages about a request, as pure functions of its card: the receipt (with the
accounts that fit at once when a ⛔ rule blocks it), the owner's decision (with the accounts that
fit when declined), and **Withdraw** while the ask is approved and not done.

Nobody approaches the customer before their yes: the approved message says the customer was asked
on the owner's behalf and that their answer and contact come next, and carries no address.
"""

from __future__ import annotations

from handlers.kit.blocks import Block, actions, button, context, escape, section, user, when
from handlers.kit.ids import Action
from handlers.requests.messages import customer_line, deal, outcome_line, summary_blocks
from store.models import RequestStatus
from store.requests.cards import Alternative, RequestCard
from store.rules.policy import counted, points


def who_tells(emailed: bool) -> str:
    """Who lets the customer know an ask is withdrawn: the program's e-mail, or the owner (who
    asked them in person)."""
    if emailed:
        return "The customer is told it is no longer needed, with thanks"
    return "The owner is asked to let the customer know it is no longer needed"


def alternative_blocks(alternatives: list[Alternative], lead: str) -> list[Block]:
    """Other accounts that fit, each with **Request**; or where to look when none does."""
    if not alternatives:
        return [
            context(
                "No other account in this industry can afford this ask right now. "
                "Try `/reference find` with broader words."
            )
        ]
    blocks = [section(lead)]
    for alt in alternatives:
        willing = f", {counted(alt.willing_advocates, 'willing advocate')}" if alt.willing_advocates else ""
        blocks.append(
            section(
                f"*{escape(alt.name)}* · {escape(alt.industry) or 'no industry'} · "
                f"balance {points(alt.balance)}{willing}",
                accessory=button("Request", Action.REQUEST_ACCOUNT, str(alt.account_id)),
            )
        )
    return blocks


def confirmation_blocks(card: RequestCard, alternatives: list[Alternative] | None = None) -> list[Block]:
    """The requester's receipt; a request a ⛔ rule blocks offers the accounts that fit at once."""
    blocks = summary_blocks(card)
    if card.pending:
        blocks.append(
            section(f"📨 Sent to {user(card.decider)} to decide. You'll get a DM with the outcome.")
        )
        if card.blocked:
            blocks.append(
                section(
                    "⛔ A rule blocks this ask (the owner sees why): only a program admin can approve it, "
                    "with an override."
                )
            )
            blocks += alternative_blocks(
                alternatives or [], "These accounts fit the same ask and can afford it:"
            )
        blocks.append(
            actions(button("Cancel request", Action.CANCEL_REQUEST, str(card.id)), block_id="requester")
        )
    else:
        blocks.append(context(outcome_line(card)))
    return blocks


def withdraw_button(request_id: int, *, emailed: bool) -> Block:
    """The requester's **Withdraw**: it asks before it acts, saying who tells the customer."""
    confirm = (
        "Withdraw this ask?",
        f"{who_tells(emailed)}, and the points go back to the account.",
        "Withdraw",
    )
    return actions(button("Withdraw", Action.WITHDRAW, str(request_id), confirm=confirm), block_id="withdraw")


def _approved_blocks(card: RequestCard) -> list[Block]:
    who = user(card.decided_by)
    blocks = [
        section(
            f"✅ {who} approved your *{escape(card.activity_name)}* with *{escape(card.account_name)}* "
            f"for {deal(card)}."
        )
    ]
    side = card.customer
    if side is not None and side.waiting:
        how = (
            f"was e-mailed {when(side.asked_at)} on {user(card.owner_id, 'the owner')}'s behalf"
            if side.mode == "email"
            else f"is asked in person by {user(card.owner_id, 'the owner')}"
        )
        blocks.append(
            section(
                f"*{escape(side.advocate_name)}* {how}. Their answer, and their contact details if they "
                "say yes, come to you here: please don't contact them before."
            )
        )
    elif side is not None:
        blocks.append(context(customer_line(side)))
    blocks.append(
        context(
            f"{escape(card.account_name)}'s balance is now {points(card.balance)}. "
            "If the deal dies, *Withdraw* tells them it is no longer needed."
        )
    )
    if card.status == RequestStatus.APPROVED:
        blocks.append(withdraw_button(card.id, emailed=side is not None and side.mode == "email"))
    else:
        blocks.append(context(outcome_line(card)))
    return blocks


def outcome_blocks(card: RequestCard, alternatives: list[Alternative]) -> list[Block]:
    """The requester told the owner's decision (rewritten as the customer answers and it closes)."""
    if card.status != RequestStatus.DECLINED:
        return _approved_blocks(card)
    what = f"your *{escape(card.activity_name)}* with *{escape(card.account_name)}*"
    blocks = [
        section(f"❌ {user(card.decided_by)} declined {what}."),
        section(f"*Reason:*\n> {escape(card.decision_reason or 'no reason given')}"),
    ]
    return blocks + alternative_blocks(
        alternatives, "These accounts fit the same activity and industry and can afford the ask:"
    )
