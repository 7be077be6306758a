"""Admin adjustments: `/reference adjust [account]`, its modal, the admin's receipt and the owner's
notice (both outbox deliveries, rendered here at send time).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.accounts.picker import account_for_text, account_picker
from handlers.kit.blocks import Block, context, escape, modal, section, truncate, user
from handlers.kit.desk import Desk
from handlers.kit.forms import input_block, modal_metadata, selected_id, state_values, text_input, text_of
from handlers.kit.ids import View
from handlers.kit.refusals import answered, sentence
from handlers.outbox.messages import Outgoing
from handlers.outbox.sender import send_soon
from store.accounts import adjustments
from store.accounts.adjustments import AMOUNT_MAX, OPERATOR, REASON_MAX, Adjusted, AdjustmentDraft
from store.accounts.lookup import AccountChoice
from store.act import Act
from store.errors import NotAllowed
from store.outbox.payloads import AdjustmentPayload
from store.outbox.queue import DeliveryJob
from store.rules.policy import points

#: how much of the reason a notification (the `text` a phone shows) repeats
TEXT_REASON_MAX = 200


def adjust_modal(*, account: AccountChoice | None = None, hint: str | None = None) -> dict[str, Any]:
    """**Account**, **Amount** and **Reason**: Slack's number input keeps the amount a whole
    number within bounds as it is typed; the store checks it again (and that it is not 0)."""
    amount = {
        "type": "number_input",
        "action_id": "value",
        "is_decimal_allowed": False,
        "min_value": str(-AMOUNT_MAX),
        "max_value": str(AMOUNT_MAX),
    }
    blocks: list[Block] = [
        input_block("account", "Account", account_picker(account), hint=hint),
        input_block(
            "amount", "Amount", amount, hint=f"Points to add (5) or take away (-3), at most {AMOUNT_MAX}."
        ),
        input_block(
            "reason",
            "Reason",
            text_input(max_length=REASON_MAX, multiline=True, placeholder="e.g. advisory board seat in 2024"),
            hint="Kept on the ledger; the account's owner reads it.",
        ),
    ]
    return modal(
        "Adjust balance",
        blocks,
        callback_id=View.ADJUST,
        submit="Adjust",
        private_metadata=modal_metadata(account.id if account else None),
    )


def parse(view: dict[str, Any]) -> AdjustmentDraft:
    values = state_values(view)
    return AdjustmentDraft(
        account_id=selected_id(values, "account"),
        amount=text_of(values, "amount"),
        reason=text_of(values, "reason"),
    )


def _by(adjusted: Adjusted) -> str:
    return "A program admin" if adjusted.actor_id == OPERATOR else user(adjusted.actor_id)


def adjusted_blocks(adjusted: Adjusted) -> list[Block]:
    """The admin's receipt (and the modal once submitted): the change, the balance, who is told."""
    owner = adjusted.owner_id
    if owner is None:
        told = "the account has no owner in Slack to tell"
    elif owner == adjusted.actor_id:
        told = "you own this account"
    else:
        told = f"its owner {user(owner)} gets a DM about it"
    return [
        section(
            f"✅ Adjusted *{escape(adjusted.account_name)}* by *{points(adjusted.amount, signed=True)}*. "
            f"Balance now *{points(adjusted.balance)}*."
        ),
        context(f"Reason: {escape(adjusted.reason)} · {told}"),
    ]


def notice_blocks(adjusted: Adjusted) -> list[Block]:
    """The owner's DM: who moved their account's balance, by how much, and why."""
    return [
        section(
            f"{_by(adjusted)} adjusted the balance of your account *{escape(adjusted.account_name)}* by "
            f"*{points(adjusted.amount, signed=True)}*. Balance now *{points(adjusted.balance)}*."
        ),
        context(f"Reason: {escape(adjusted.reason)}"),
    ]


def _adjusted_of(desk: Desk, job: DeliveryJob) -> Adjusted | None:
    return adjustments.adjusted(desk.db, desk.policy, AdjustmentPayload.from_dict(job.data).entry_id)


def render_adjusted(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    adjusted = _adjusted_of(desk, job)
    if adjusted is None:
        return []
    change = points(adjusted.amount, signed=True)
    text = f"Adjusted {escape(adjusted.account_name)} by {change}: balance now {points(adjusted.balance)}"
    return [Outgoing(text, adjusted_blocks(adjusted))]


def render_adjustment_notice(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    adjusted = _adjusted_of(desk, job)
    if adjusted is None:
        return []
    text = (
        f"A program admin adjusted the balance of {escape(adjusted.account_name)} by "
        f"{points(adjusted.amount, signed=True)}: {escape(truncate(adjusted.reason, TEXT_REASON_MAX))}"
    )
    return [Outgoing(text, notice_blocks(adjusted))]


def adjust_command(desk: Desk, ack: Ack, command: dict[str, Any], rest: str, client: WebClient) -> None:
    """`/reference adjust [account]`, for program admins: the modal, with the account chosen when
    the words name one. Anyone else is told who may, in the ack itself (only they see it), as
    every `/reference` look-up answers."""
    try:
        adjustments.check_adjuster(desk.act(str(command.get("user_id") or "")))
    except NotAllowed as refusal:
        ack(response_type="ephemeral", text=sentence(refusal))
        return
    ack()
    account, hint = account_for_text(desk, rest.strip())
    client.views_open(trigger_id=command["trigger_id"], view=adjust_modal(account=account, hint=hint))


def submitted(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    with answered(ack, body, respond, client):
        adjusted = adjustments.adjust(
            desk.db,
            desk.policy,
            parse(view),
            act,
            source_key=f"view:{view['id']}",
        )
        done = modal("Balance adjusted", adjusted_blocks(adjusted), callback_id=View.ADJUSTED, close="Close")
        ack(response_action="update", view=done)
        send_soon(desk, adjusted.delivery_keys)


def register(app: App) -> None:
    app.view(View.ADJUST)(submitted)
