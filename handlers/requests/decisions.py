"""Deciding a request: **Approve**, **Decline** and **Approve with override**, wherever they are shown.

Refusals (not the decider, already decided, a ⛔ rule now applies) are raised by the store and
answered by the one error map (`handlers.kit.refusals.answered`), so these listeners only say what
succeeds.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.kit.blocks import modal, option, section, truncate
from handlers.kit.desk import Desk
from handlers.kit.forms import input_block, modal_metadata, request_id_of, selected_id, state_values, text_of
from handlers.kit.ids import Action, View
from handlers.kit.refusals import answered
from handlers.outbox.sender import send_soon
from handlers.requests.messages import reason_modal
from store.act import Act
from store.errors import Invalid, NeedsOverride, NotAllowed
from store.requests import cards, deciding
from store.requests.cards import Pickable
from store.rules.checklist import Verdict


def _decide(
    desk: Desk,
    act: Act,
    request_id: int,
    *,
    approve: bool,
    reason: str | None = None,
    advocate_id: int | None = None,
) -> tuple[str, ...]:
    """Record the decision; the keys of the messages it owes."""
    return deciding.decide(
        desk.db,
        desk.policy,
        request_id,
        act,
        approve=approve,
        reason=None if approve else reason,
        override_reason=reason if approve else None,
        advocate_id=advocate_id,
        consent_mode=desk.consent_mode,
    ).delivery_keys


def advocate_input(advocates: list[Pickable]) -> dict[str, Any]:
    """The **Advocate** select of an approval that names who is asked: those who can be asked
    first, each other one with the mark and the reason of what holds them back."""

    def label(pick: Pickable) -> str:
        return (
            pick.label if pick.verdict is Verdict.OK else f"{pick.verdict.emoji} {pick.label}: {pick.reason}"
        )

    choices = {
        "type": "static_select",
        "action_id": "value",
        "options": [option(truncate(label(pick), 75), str(pick.id)) for pick in advocates[:100]],
    }
    return input_block("advocate", "Advocate", choices)


def pick_advocate_modal(request_id: int, advocates: list[Pickable]) -> dict[str, Any]:
    """Approving a request that named nobody: the owner names the advocate who is asked."""
    return modal(
        "Approve request",
        [
            section(
                "The request names no advocate. Whom should we ask? They answer by e-mail or through you."
            ),
            advocate_input(advocates),
        ],
        callback_id=View.PICK_ADVOCATE,
        submit="Approve",
        private_metadata=modal_metadata(request_id),
    )


def _open_reason(
    desk: Desk, act: Act, body: dict[str, Any], action: dict[str, Any], client: WebClient, *, override: bool
) -> None:
    request_id = request_id_of(action.get("value"))
    deciding.check_decider(desk.db, request_id, act)
    if override and not act.by_admin:
        raise NotAllowed("approve with override")
    if override:
        view = reason_modal(
            View.OVERRIDE,
            "Approve with override",
            "A ⛔ rule blocks this ask. Why should it go ahead anyway? Your reason is kept on the ledger.",
            request_id,
            "Approve",
        )
        if not deciding.names_advocate(desk.db, request_id):  # the approval names who is asked
            pickable = cards.advocates_to_pick(desk.db, desk.policy, request_id, act.today)
            if not pickable:
                raise Invalid({"advocate": "The account has no advocates: import one to ask first."})
            view["blocks"].insert(1, advocate_input(pickable))
    else:
        view = reason_modal(
            View.DECLINE, "Decline request", "The requester will read your reason.", request_id, "Decline"
        )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def approve(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    ack()
    with answered(ack, body, respond, client):
        request_id = request_id_of(action.get("value"))
        if not deciding.names_advocate(desk.db, request_id):
            deciding.check_decider(desk.db, request_id, act)
            advocates = cards.advocates_to_pick(desk.db, desk.policy, request_id, act.today)
            if not advocates:
                raise Invalid({"advocate": "The account has no advocates: import one to ask first."})
            askable = [pick for pick in advocates if pick.verdict is not Verdict.BLOCKING]
            if not askable:  # the checklist says nobody can be asked: a stale Approve
                raise NeedsOverride()
            if len(askable) == 1:  # nobody to choose between: no modal, the one who can be asked
                send_soon(desk, _decide(desk, act, request_id, approve=True, advocate_id=askable[0].id))
                return
            view = pick_advocate_modal(request_id, advocates)
            client.views_open(trigger_id=body["trigger_id"], view=view)
            return
        send_soon(desk, _decide(desk, act, request_id, approve=True))


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
        request_id = request_id_of(view.get("private_metadata"))
        picked = selected_id(state_values(view), "advocate")
        keys = _decide(desk, act, request_id, approve=True, advocate_id=picked)
        ack()
        send_soon(desk, keys)


def reason_asked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    """**Decline** or **Approve with override**: the modal that asks why."""
    ack()
    with answered(ack, body, respond, client):
        _open_reason(desk, act, body, action, client, override=action["action_id"] == Action.APPROVE_OVERRIDE)


def reason_given(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    """The reason modal sent: decline with the reason, or approve over a ⛔ rule with it."""
    with answered(ack, body, respond, client):
        request_id = request_id_of(view.get("private_metadata"))
        values = state_values(view)
        keys = _decide(
            desk,
            act,
            request_id,
            approve=view["callback_id"] == View.OVERRIDE,
            reason=text_of(values, "reason"),
            advocate_id=selected_id(values, "advocate"),
        )
        ack()
        send_soon(desk, keys)


def register(app: App) -> None:
    app.action(Action.APPROVE)(approve)
    app.view(View.PICK_ADVOCATE)(advocate_picked)
    app.action(Action.DECLINE)(reason_asked)
    app.action(Action.APPROVE_OVERRIDE)(reason_asked)
    app.view(View.DECLINE)(reason_given)
    app.view(View.OVERRIDE)(reason_given)
