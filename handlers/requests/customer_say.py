"""The customer's say in Slack: the owner's answer buttons, and the answer told to the people.

The owner gets the answers as buttons when they ask in person (an owner-led program, or **I'll ask
them myself**), when the advocate has not answered the e-mail in time, or when the needed-by date
passed with no answer; a click records what the customer said (`store.customer.consent.answer`,
the same transaction as the page's). The requester and the owner are told every answer in a DM,
rendered from the answer recorded with the delivery: on a yes the requester gets, once, the
contact, the times, the note and the activity's next step; on a no, the accounts that fit instead.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.kit.blocks import Block, actions, button, context, day, escape, section, user
from handlers.kit.desk import Desk
from handlers.kit.forms import request_id_of
from handlers.kit.ids import Action
from handlers.kit.nominating import for_referral
from handlers.kit.refusals import answered
from handlers.outbox.messages import Outgoing
from handlers.outbox.sender import send_soon
from handlers.requests.requester import alternative_blocks, withdraw_button
from store.act import Act
from store.customer import ask_view, consent, referrals
from store.customer.ask_view import AskView
from store.customer.consent import ANSWER_WORDS
from store.errors import Gone
from store.models import ConsentAnswer, RequestStatus
from store.outbox.payloads import AnsweredPayload, ConsentAskPayload, ReferralPayload
from store.outbox.queue import DeliveryJob
from store.requests import cards
from store.rules.policy import counted

#: each button → the answer it records, in the page's order
ANSWER_ACTIONS = {
    Action.CONSENT_YES: ConsentAnswer.YES,
    Action.CONSENT_NOT_THIS_TIME: ConsentAnswer.NOT_THIS_TIME,
    Action.CONSENT_NOT_FOR_3_MONTHS: ConsentAnswer.NOT_FOR_3_MONTHS,
    Action.CONSENT_LESS_OFTEN: ConsentAnswer.LESS_OFTEN,
    Action.CONSENT_NEVER: ConsentAnswer.NEVER,
    Action.CONSENT_SOMEONE_ELSE: ConsentAnswer.SOMEONE_ELSE,
}


#: a referral DM whose colleague was removed from the program since
REFERRAL_REMOVED = "The colleague an advocate named here was removed from the program at their request."


def _view(desk: Desk, request_id: int | None) -> AskView | None:
    if request_id is None:
        return None
    try:
        return ask_view.view(desk.db, desk.policy, request_id, desk.today())
    except Gone:
        return None


def _who(ask: AskView) -> str:
    title = f", {escape(ask.advocate_title)}" if ask.advocate_title else ""
    return f"*{escape(ask.advocate_name)}*{title} at *{escape(ask.account_name)}*"


def answer_buttons(request_id: int) -> dict[str, Any]:
    value = str(request_id)
    return actions(
        *(button(ANSWER_WORDS[answer], action, value) for action, answer in ANSWER_ACTIONS.items()),
        block_id=f"consent:{request_id}",
    )


def render_consent_ask(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    """The owner's DM: ask the advocate in person, then record what they said."""
    ask = _view(desk, job.request_id)
    if ask is None or ask.answer is not None or not ask.open:
        return []
    return [_consent_ask(ask, ConsentAskPayload.from_dict(job.data))]


def rewritten_consent_ask(desk: Desk, request_id: int, data: dict[str, object]) -> Outgoing | None:
    """The owner's ask DM as it reads now (a request's rewrite), or None while nothing on it
    changed (it is still to be asked): its buttons go once the answer is in or the ask closed,
    the advocate as they are now named (a pseudonym once removed)."""
    ask = _view(desk, request_id)
    if ask is None or (ask.answer is None and ask.open):
        return None
    return _consent_ask(ask, ConsentAskPayload.from_dict(data))


def _consent_ask(ask: AskView, why: ConsentAskPayload) -> Outgoing:
    needed = f", needed by {day(ask.needed_by)}" if ask.needed_by else ""
    what = f"*{escape(ask.activity_name)}*{needed}"
    then = "Ask them, then record what they said."
    if why.overdue:
        text = f"⏰ {_who(ask)} has not answered the e-mail about {what}. What did they say?"
    elif why.reminder:
        text = f"{_who(ask)} has not answered the e-mail yet: will they do {what}? {then}"
    else:
        text = f"You ask {_who(ask)} yourself: will they do {what}? {then}"
    hint = "Nobody else contacts them: the requester gets their contact only once they say yes."
    if ask.answer is not None:
        last = context(f"Answered: *{escape(ANSWER_WORDS[ConsentAnswer(ask.answer)])}*.")
    elif not ask.open:
        last = context("Closed: there is nothing to record.")
    else:
        last = answer_buttons(ask.request_id)
    return Outgoing(f"Record {escape(ask.advocate_name)}'s answer", [section(text), context(hint), last])


def _said(ask: AskView, payload: AnsweredPayload) -> str:
    said = ANSWER_WORDS[ConsentAnswer(payload.answer)]
    verb = "changed their answer to" if payload.before else "said"
    return f"{_who(ask)} {verb} *{escape(said)}* to *{escape(ask.activity_name)}*"


def told_text(ask: AskView, payload: AnsweredPayload, *, for_requester: bool) -> str:
    """What the answer means, for the requester (the contact, once it is a yes) or the owner."""
    head = _said(ask, payload)
    if payload.answer == ConsentAnswer.YES:
        lines = [f"🤝 {head}: it is confirmed."]
        if for_requester and ask.advocate_email:
            address = ask.advocate_email
            lines.append(f"*Contact:* {escape(ask.advocate_name)} <mailto:{address}|{escape(address)}>")
        if ask.times:
            lines.append(f"*Times that suit:* {escape(ask.times)}")
    else:
        lines = [f"🙅 {head}: declined by the customer. The ask's cost went back to the account."]
        if payload.answer == ConsentAnswer.NOT_FOR_3_MONTHS and ask.rest_until:
            lines.append(f"They rest until {day(ask.rest_until)}: nobody may ask them before.")
        elif payload.answer == ConsentAnswer.LESS_OFTEN and ask.asks_per_quarter:
            most = counted(ask.asks_per_quarter, "ask")
            lines.append(f"They asked to be asked less often: at most {most} a quarter from now on.")
        elif payload.answer == ConsentAnswer.NEVER:
            lines.append("They are not to be asked again (do not contact).")
        elif payload.answer == ConsentAnswer.SOMEONE_ELSE and ask.colleague_named:
            lines.append("They named a colleague who would be better: the account's owner has the details.")
    if ask.note:
        lines.append(f"*Note:* {escape(ask.note)}")
    if for_requester and payload.answer == ConsentAnswer.YES and ask.activity.next_step:
        lines.append(f"*Next step:* {escape(ask.activity.next_step)}")
    return "\n".join(lines)


def told_blocks(desk: Desk, ask: AskView, payload: AnsweredPayload, *, for_requester: bool) -> list[Block]:
    """The told DM as it stands now: **Withdraw** while the confirmed ask is not done; the accounts
    that fit when the customer said no."""
    text = told_text(ask, payload, for_requester=for_requester)
    by = (
        "on the page"
        if payload.answered_by == consent.ADVOCATE
        else f"as recorded by {user(payload.answered_by)}"
    )
    blocks = [section(text), context(f"Answered {by}.")]
    if not for_requester:
        return blocks
    if payload.answer == ConsentAnswer.YES and ask.status == RequestStatus.APPROVED and ask.said_yes:
        blocks.append(withdraw_button(ask.request_id, emailed=ask.mode == consent.EMAIL))
    elif payload.answer != ConsentAnswer.YES and ask.status == RequestStatus.CUSTOMER_DECLINED:
        found = cards.alternatives(desk.db, desk.policy, ask.request_id)
        blocks += alternative_blocks(found, "These accounts fit the same ask and can afford it:")
    elif ask.status == RequestStatus.WITHDRAWN:
        blocks.append(context("↩️ You withdrew this ask: they were told it is no longer needed."))
    return blocks


def render_consent_answered(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    ask = _view(desk, job.request_id)
    if ask is None:
        return []
    payload = AnsweredPayload.from_dict(job.data)
    for_requester = job.recipient == ask.requester_id
    blocks = told_blocks(desk, ask, payload, for_requester=for_requester)
    return [Outgoing(told_text(ask, payload, for_requester=False).splitlines()[0], blocks)]


def record(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    """One of the owner's answer buttons: the customer's answer, recorded as the page records it."""
    ack()
    with answered(ack, body, respond, client):
        request_id = request_id_of(action.get("value"))
        answer = ANSWER_ACTIONS[Action(action["action_id"])]
        done = consent.answer(desk.db, desk.policy, request_id, answer, act, pause=desk.answer_pause)
        send_soon(desk, done.delivery_keys)
        respond(
            replace_original=True,
            text=f"Recorded: {ANSWER_WORDS[answer]}",
            blocks=[section(f"Recorded the customer's answer: *{ANSWER_WORDS[answer]}*.")],
        )


def render_referral(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    """The owner told the colleague an advocate named: who, and that nobody has contacted them."""
    told = _referral(desk, job.data)
    return [told] if told is not None else []


def rewritten_referral(desk: Desk, data: dict[str, object], advocate_removed: bool) -> Outgoing | None:
    """The referral DM as it reads now (a request's rewrite), or None while nothing on it changed:
    the colleague gone once removed from the program at their request, the advocate's pseudonym
    once they were."""
    told = _referral(desk, data)
    if told is None:
        return Outgoing(
            REFERRAL_REMOVED, [section(f"🙋 {REFERRAL_REMOVED} Their name and address are erased.")]
        )
    return told if advocate_removed else None


def _referral(desk: Desk, data: dict[str, object]) -> Outgoing | None:
    referral_id = ReferralPayload.from_dict(data).referral_id
    try:
        named = referrals.referral(desk.db, referral_id)
    except Gone:
        return None
    activity = desk.policy.activities.get(named.activity)
    what = escape(activity.name if activity else named.activity)
    title = f", {escape(named.title)}" if named.title else ""
    text = (
        f"🙋 *{escape(named.advocate_name)}* at *{escape(named.account_name)}* says someone else would be "
        f"better for the *{what}*, and named a colleague:\n"
        f"*{escape(named.name)}*{title} · <mailto:{named.email}|{escape(named.email)}>"
    )
    hint = (
        "Nobody has contacted them: it is yours to decide. *Nominate* invites them, in your name, "
        "to join the program; they become an advocate only by their own yes."
    )
    blocks = [section(text), context(hint), actions(for_referral(referral_id), block_id="nominate")]
    return Outgoing(f"{escape(named.advocate_name)} suggests {escape(named.name)} instead", blocks)


def register(app: App) -> None:
    for action_id in ANSWER_ACTIONS:
        app.action(action_id)(record)
