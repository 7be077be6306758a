"""Deciding a request: **Approve**, **Preview**, **I'll ask them myself**, **Decline** and **Approve
with override**, wherever they are shown.

**Approve** on a request that names its advocate approves at once (the one-click case: the owner
adds nothing). Otherwise the approval modal (`handlers.requests.approval_modal`) holds every
choice the owner may make before the customer is asked. **Preview** opens it for a request that
names someone; **Approve** opens it for one that names nobody; **I'll ask them myself** approves
with the owner asking in person (the modal only to say whom, when nobody is named). **Approve** and
**I'll ask them myself** are decided after their ack, one at a time (`handlers.kit.later`); a
modal's submission (the picker, a reason) before its ack, so a refusal shows on the input it
concerns.

Refusals (not the decider, already decided, a ⛔ rule now applies) are raised by the store and
answered by the one error map (`handlers.kit.refusals.answered`), so these listeners only say what
succeeds — but for an owner's Approve that a ⛔ rule now blocks, which first sends the admins
their DM to decide it (`_ask_admins`).
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.kit.desk import Desk
from handlers.kit.forms import request_id_of, selected_id, state_values, text_of
from handlers.kit.ids import Action, View
from handlers.kit.later import decide_later
from handlers.kit.refusals import answered
from handlers.outbox.sender import send_soon
from handlers.requests.approval_modal import IN_PERSON, advocate_input, approve_modal, preview_blocks
from handlers.requests.messages import reason_modal
from store.act import Act
from store.customer.consent import OWNER
from store.errors import Blocked, Gone, Invalid, NamesNobody, NeedsOverride, NotAllowed, Unavailable
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
    in_person: bool = False,
    line: str = "",
) -> tuple[str, ...]:
    """Record the decision; the keys of the messages it owes. An owner's approval a ⛔ rule now
    blocks goes to the admins (`_ask_admins`) before the owner is told why nothing changed."""
    try:
        decided = deciding.decide(
            desk.db,
            desk.policy,
            request_id,
            act,
            approve=approve,
            reason=None if approve else reason,
            override_reason=reason if approve else None,
            advocate_id=advocate_id,
            consent_mode=OWNER if in_person else desk.consent_mode,
            line=line,
        )
    except Blocked as refused:
        refused.admins_told = _ask_admins(desk, act, request_id)
        raise
    return decided.delivery_keys


def _ask_admins(desk: Desk, act: Act, request_id: int) -> bool:
    """The admins' DMs to decide a request a ⛔ rule now blocks (they came to nothing when it was
    submitted), sent now rather than at the escalation a day or two later; whether any admin has one."""
    try:
        keys = deciding.ask_admins(desk.db, desk.policy, request_id, act)
    except (Unavailable, Gone):
        return False  # the refusal is said all the same; the escalation reaches the admins later
    send_soon(desk, keys)
    return bool(keys)


def _pickable(desk: Desk, act: Act, request_id: int) -> list[Pickable]:
    advocates = cards.advocates_to_pick(desk.db, desk.policy, request_id, act.today)
    if not advocates:
        raise Invalid({"advocate": "The account has no advocates: import one to ask first."})
    return advocates


def _open_approval(
    desk: Desk,
    act: Act,
    body: dict[str, Any],
    client: WebClient,
    request_id: int,
    advocates: list[Pickable],
    *,
    in_person: bool,
) -> None:
    named = deciding.named_advocate(desk.db, request_id)
    shown = named if named is not None else advocates[0].id
    mails = desk.mails_advocates and not in_person
    preview = preview_blocks(desk, request_id, shown) if mails else []
    view = approve_modal(request_id, advocates, named=shown, in_person=in_person, preview=preview)
    client.views_open(trigger_id=body["trigger_id"], view=view)


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
        if deciding.named_advocate(desk.db, request_id) is None:  # the approval names who is asked
            view["blocks"].insert(1, advocate_input(_pickable(desk, act, request_id)))
    else:
        view = reason_modal(
            View.DECLINE, "Decline request", "The requester will read your reason.", request_id, "Decline"
        )
    client.views_open(trigger_id=body["trigger_id"], view=view)


@dataclass(frozen=True)
class Approval:
    """What an Approve came to in the store: the messages it owes, or whom the owner may pick."""

    keys: tuple[str, ...] = ()
    pick: list[Pickable] | None = None


def approve(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    """**Approve** (at once when it names the advocate, or when only one person at the account can
    be asked), **Preview**, **I'll ask them myself**. With nobody who can be asked, a plain
    **Approve** is stale (the checklist now says ⛔): only an admin's override can approve.

    Approve and I'll ask them myself are decided after the ack, in their turn (`decide_later`):
    the store's part there (`_approve_in_turn`), what is said after it apart (`_approved`)."""
    ack()
    with answered(ack, body, respond, client):
        request_id = request_id_of(action.get("value"))
        if action["action_id"] == Action.PREVIEW:
            named = deciding.named_advocate(desk.db, request_id)
            deciding.check_decider(desk.db, request_id, act)
            whom = _whom(desk, act, request_id, named, preview=True, in_person=False)
            _said(desk, act, body, client, request_id, whom, in_person=False)
            return
        in_person = action["action_id"] == Action.ASK_MYSELF
        decide_later(
            desk,
            partial(_approve_in_turn, desk, act, request_id, in_person),
            partial(_approved, ack, body, respond, client, desk, act, request_id, in_person),
        )


def _approve_in_turn(desk: Desk, act: Act, request_id: int, in_person: bool) -> Approval:
    """Everything of an Approve that writes. A request that names its advocate is decided in one
    transaction: whether it names anyone is the decision's own finding (`NamesNobody`), not a
    read before it. One that names nobody pays for that with a write transaction rolled back (on
    SQLite, a turn among the writers), then finds whom the owner may pick."""
    try:
        return Approval(keys=_decide(desk, act, request_id, approve=True, in_person=in_person))
    except NamesNobody:  # found after the decider and the pending state were checked
        return _whom(desk, act, request_id, None, preview=False, in_person=in_person)


def _approved(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
    request_id: int,
    in_person: bool,
    decided: Future[Approval],
) -> None:
    """What an Approve came to, said: its messages sent, the picker opened, or why nothing changed."""
    with answered(ack, body, respond, client):
        _said(desk, act, body, client, request_id, decided.result(), in_person=in_person)


def _whom(
    desk: Desk, act: Act, request_id: int, named: int | None, *, preview: bool, in_person: bool
) -> Approval:
    """Whom the owner may pick from, or, with only one person who can be asked, the approval
    asking them; with nobody, only an admin's override (the admins asked to decide)."""
    advocates = _pickable(desk, act, request_id)
    askable = [pick.id for pick in advocates if pick.verdict is not Verdict.BLOCKING]
    if named is None and not askable:
        nobody = NeedsOverride()
        if not act.by_admin:
            nobody.admins_told = _ask_admins(desk, act, request_id)
        raise nobody
    if named is not None or len(askable) > 1 or preview:
        return Approval(pick=advocates)
    return Approval(
        keys=_decide(desk, act, request_id, approve=True, advocate_id=askable[0], in_person=in_person)
    )


def _said(
    desk: Desk,
    act: Act,
    body: dict[str, Any],
    client: WebClient,
    request_id: int,
    approval: Approval,
    *,
    in_person: bool,
) -> None:
    if approval.pick is not None:
        _open_approval(desk, act, body, client, request_id, approval.pick, in_person=in_person)
    else:
        send_soon(desk, approval.keys)


def advocate_picked(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    """The approval modal sent: approve, asking whom it names, with the owner's line."""
    with answered(ack, body, respond, client):
        metadata = str(view.get("private_metadata") or "")
        request_id = request_id_of(metadata.removesuffix(IN_PERSON))
        values = state_values(view)
        keys = _decide(
            desk,
            act,
            request_id,
            approve=True,
            advocate_id=selected_id(values, "advocate"),
            in_person=metadata.endswith(IN_PERSON),
            line=text_of(values, "line"),
        )
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
    for action_id in (Action.APPROVE, Action.PREVIEW, Action.ASK_MYSELF):
        app.action(action_id)(approve)
    app.view(View.PICK_ADVOCATE)(advocate_picked)
    app.action(Action.DECLINE)(reason_asked)
    app.action(Action.APPROVE_OVERRIDE)(reason_asked)
    app.view(View.DECLINE)(reason_given)
    app.view(View.OVERRIDE)(reason_given)
