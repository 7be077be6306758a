"""Deciding a request: **Approve**, **Preview**, **I'll ask them myself**, **Decline** and **Approve
with override**, wherever they are shown.

**Approve** on a request that names its advocate approves at once (the one-click case: the owner
adds nothing). Otherwise one modal, the approval modal, holds every choice the owner may make
before the customer is asked: whom to ask (anyone at the account), **A line from you** that opens
the e-mail, and the e-mail itself as the customer will read it. **Preview** opens it for a request
that names someone; **Approve** opens it for one that names nobody; **I'll ask them myself**
approves with the owner asking in person (the modal only to say whom, when nobody is named).

Refusals (not the decider, already decided, a ⛔ rule now applies) are raised by the store and
answered by the one error map (`handlers.kit.refusals.answered`), so these listeners only say what
succeeds — but for an owner's Approve that a ⛔ rule now blocks, which first sends the admins
their DM to decide it (`_ask_admins`).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.advocate import voice
from handlers.advocate.mails import ask_mail
from handlers.advocate.pages import ANSWER, PROFILE
from handlers.kit.blocks import Block, context, divider, escape, modal, option, section, truncate
from handlers.kit.desk import Desk
from handlers.kit.forms import input_block, request_id_of, selected_id, state_values, text_input, text_of
from handlers.kit.ids import Action, View
from handlers.kit.refusals import answered
from handlers.outbox.sender import send_soon
from handlers.requests.messages import reason_modal
from store.act import Act
from store.customer import ask_view
from store.customer.consent import LINE_MAX, OWNER
from store.errors import Blocked, Gone, Invalid, NamesNobody, NeedsOverride, NotAllowed, Unavailable
from store.requests import cards, deciding
from store.requests.cards import Pickable
from store.rules.checklist import Verdict

#: the approval modal's metadata when the owner asks in person (else: the request id alone)
IN_PERSON = ":in-person"
#: Slack's limit on a section's text: the e-mail's body is shown in pieces under it
PIECE = 2900


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


def _label(pick: Pickable) -> str:
    return pick.label if pick.verdict is Verdict.OK else f"{pick.verdict.emoji} {pick.label}: {pick.reason}"


def preview_blocks(desk: Desk, request_id: int, advocate_id: int) -> list[Block]:
    """The e-mail `advocate_id` would get, as they will read it (names as Slack knows them now)."""
    try:
        ask = ask_view.preview(desk.db, desk.policy, request_id, advocate_id, "", desk.now(), desk.today())
    except Gone:
        return []
    if not ask.advocate_email or desk.links is None:
        return [
            context(
                f"{escape(ask.advocate_name)} has no e-mail address on file: you would ask them yourself."
            )
        ]
    said = voice.of_ask(desk, ask, wait=False)
    mail = ask_mail(desk, ask, said, ANSWER.url(desk.links, "…"), PROFILE.url(desk.links, "…"))
    replies = escape(mail.reply_to or "no address on file")
    head = (
        f"*From:* {escape(mail.from_name or '')} · *Reply-To:* {replies}\n"
        f"*To:* {escape(mail.to_name)} ({escape(mail.to_address)})\n*Subject:* {escape(mail.subject)}"
    )
    body = escape(mail.text)
    pieces = [body[i : i + PIECE] for i in range(0, len(body), PIECE)]
    return [
        divider(),
        section(f"*The e-mail {escape(ask.advocate_name)} will get*"),
        context(head),
        *(section(f"```{piece}```") for piece in pieces[:10]),
        context(
            "Your line, if you write one, opens it. Another person gets the same e-mail, with their name."
        ),
    ]


def advocate_input(advocates: list[Pickable], named: int | None = None) -> dict[str, Any]:
    """The **Advocate** select of an approval that says who is asked: those who can be asked
    first, each other one with the mark and the reason of what holds them back."""
    choices: dict[str, Any] = {
        "type": "static_select",
        "action_id": "value",
        "options": [option(truncate(_label(pick), 75), str(pick.id)) for pick in advocates[:100]],
    }
    first = next((pick for pick in advocates if pick.id == named), None)
    if first is not None:
        choices["initial_option"] = option(truncate(_label(first), 75), str(first.id))
    return input_block("advocate", "Advocate", choices)


def approve_modal(
    request_id: int, advocates: list[Pickable], *, named: int | None, in_person: bool, preview: list[Block]
) -> dict[str, Any]:
    """The approval modal: whom to ask, and, when the program e-mails, **A line from you** and the
    e-mail itself."""
    if in_person:
        lead = "You ask them yourself: whom? You get their answers as buttons, to record what they say."
    elif preview:
        lead = "Approving e-mails the person below on your behalf. Nobody contacts them before they say yes."
    else:
        lead = "The request names no advocate. Whom should we ask? They answer by e-mail or through you."
    blocks: list[Block] = [section(lead), advocate_input(advocates, named)]
    if preview and not in_person:
        line = text_input(
            max_length=LINE_MAX, multiline=True, placeholder="e.g. Jane, it would mean a lot to us."
        )
        blocks.append(
            input_block(
                "line",
                "A line from you",
                line,
                optional=True,
                hint="Shown first in the e-mail, in your name.",
            )
        )
        blocks += preview
    return modal(
        "Approve request",
        blocks,
        callback_id=View.PICK_ADVOCATE,
        submit="Approve",
        private_metadata=f"{request_id}{IN_PERSON if in_person else ''}",
    )


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

    A request that names its advocate is decided straight away, in one transaction: whether it
    names anyone is the decision's own finding (`NamesNobody`), not a read before it. One that
    names nobody pays for that with a write transaction rolled back (on SQLite, a turn among the
    writers) before the picker opens."""
    ack()
    with answered(ack, body, respond, client):
        request_id = request_id_of(action.get("value"))
        in_person = action["action_id"] == Action.ASK_MYSELF
        if action["action_id"] == Action.PREVIEW:
            named = deciding.named_advocate(desk.db, request_id)
            deciding.check_decider(desk.db, request_id, act)
        else:
            try:
                keys = _decide(desk, act, request_id, approve=True, in_person=in_person)
            except NamesNobody:  # found after the decider and the pending state were checked
                named = None  # the owner picks whom to ask, below
            else:
                send_soon(desk, keys)
                return
        advocates = _pickable(desk, act, request_id)
        askable = [pick.id for pick in advocates if pick.verdict is not Verdict.BLOCKING]
        if named is None and not askable:
            nobody = NeedsOverride()
            if not act.by_admin:
                nobody.admins_told = _ask_admins(desk, act, request_id)
            raise nobody
        if named is not None or len(askable) > 1 or action["action_id"] == Action.PREVIEW:
            _open_approval(desk, act, body, client, request_id, advocates, in_person=in_person)
            return
        named = askable[0]  # nobody to choose between: no modal, the one who can be asked
        keys = _decide(desk, act, request_id, approve=True, advocate_id=named, in_person=in_person)
        send_soon(desk, keys)


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
