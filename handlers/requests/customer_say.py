"""The customer's say in Slack: the owner's four buttons, and the answer told to the people.

The owner gets the four answers as buttons right after approving in an owner-led program, or
when the advocate has not answered the e-mail in time; a click records what the customer said
(`store.customer.consent.answer`, the same transaction as the page's). The requester and the owner are
told every answer in a DM, rendered from the answer recorded with the delivery.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.kit.blocks import actions, button, context, escape, section
from handlers.kit.desk import Desk
from handlers.kit.forms import request_id_of
from handlers.kit.ids import Action
from handlers.kit.refusals import answered
from handlers.outbox.messages import Outgoing
from handlers.outbox.sender import send_soon
from store.act import Act
from store.customer import ask_view, consent
from store.customer.ask_view import AskView
from store.customer.consent import ANSWER_WORDS
from store.errors import Gone
from store.models import ConsentAnswer
from store.outbox.payloads import AnsweredPayload, ConsentAskPayload
from store.outbox.queue import DeliveryJob

#: each button → the answer it records
ANSWER_ACTIONS = {
    Action.CONSENT_YES: ConsentAnswer.YES,
    Action.CONSENT_NOT_THIS_TIME: ConsentAnswer.NOT_THIS_TIME,
    Action.CONSENT_NOT_THIS_QUARTER: ConsentAnswer.NOT_THIS_QUARTER,
    Action.CONSENT_NEVER: ConsentAnswer.NEVER,
}


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
    why = (
        "has not answered the e-mail yet"
        if ConsentAskPayload.from_dict(job.data).reminder
        else "is asked by you (this program does not e-mail advocates)"
    )
    needed = f", needed by {ask.needed_by.isoformat()}" if ask.needed_by else ""
    text = (
        f"{_who(ask)} {why}: will they do *{escape(ask.activity_name)}*{needed}? "
        "Ask them, then record what they said."
    )
    return [
        Outgoing(
            f"Record {escape(ask.advocate_name)}'s answer", [section(text), answer_buttons(ask.request_id)]
        )
    ]


def told_text(ask: AskView, payload: AnsweredPayload, *, for_requester: bool) -> str:
    said = ANSWER_WORDS[ConsentAnswer(payload.answer)]
    verb = "changed their answer to" if payload.before else "said"
    head = f"{_who(ask)} {verb} *{escape(said)}* to *{escape(ask.activity_name)}*"
    if payload.answer == ConsentAnswer.YES:
        lines = [f"{head}: the request is confirmed."]
        if for_requester and ask.advocate_email:
            lines.append(
                f"Contact: {escape(ask.advocate_name)} <mailto:{ask.advocate_email}|{ask.advocate_email}>"
            )
    else:
        lines = [f"{head}: declined by the customer. The ask's cost went back to the account."]
        if payload.answer == ConsentAnswer.NOT_THIS_QUARTER:
            lines.append("They rest until the end of the quarter.")
        elif payload.answer == ConsentAnswer.NEVER:
            lines.append("They are not to be asked again (do not contact).")
    if ask.note:
        lines.append(f"Note: {escape(ask.note)}")
    if ask.times and payload.answer == ConsentAnswer.YES:
        lines.append(f"Times that suit: {escape(ask.times)}")
    return "\n".join(lines)


def render_consent_answered(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    ask = _view(desk, job.request_id)
    if ask is None:
        return []
    payload = AnsweredPayload.from_dict(job.data)
    text = told_text(ask, payload, for_requester=job.recipient == ask.requester_id)
    by = (
        "on the page"
        if payload.answered_by == consent.ADVOCATE
        else f"as recorded by <@{payload.answered_by}>"
    )
    return [Outgoing(text.splitlines()[0], [section(text), context(f"Answered {by}.")])]


def record(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    """One of the owner's four buttons: the customer's answer, recorded as the page records it."""
    ack()
    with answered(ack, body, respond, client):
        request_id = request_id_of(action.get("value"))
        answer = ANSWER_ACTIONS[Action(action["action_id"])]
        done = consent.answer(desk.db, request_id, answer, act, pause=desk.answer_pause)
        send_soon(desk, done.delivery_keys)
        respond(
            replace_original=True,
            text=f"Recorded: {ANSWER_WORDS[answer]}",
            blocks=[section(f"Recorded the customer's answer: *{ANSWER_WORDS[answer]}*.")],
        )


def register(app: App) -> None:
    for action_id in ANSWER_ACTIONS:
        app.action(action_id)(record)
