"""The owner's decision on a nomination — **Invite them** / **Not now** (with a **Reason**) — and
the outbox renderers of the nomination's messages: the deciders' DM and its reminder, their
rewrite once decided, the news of each outcome, the owner told an advocate was removed.

Rendered when sent, from the nomination as it stands: a DM delayed by an outage shows the state
of things when it goes out, and a person removed meanwhile is never named.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.bench.blocks import news, nomination_blocks, outcome_line, removed
from handlers.kit.blocks import escape
from handlers.kit.desk import Desk
from handlers.kit.forms import request_id_of, state_values, text_of
from handlers.kit.ids import Action, View
from handlers.kit.refusals import answered
from handlers.outbox.messages import NotYet, Outgoing
from handlers.outbox.sender import send_soon
from handlers.requests.messages import reason_modal
from store.accounts import lookup
from store.act import Act
from store.bench import deciding, views
from store.bench.notices import DECIDER_KEYS, ERASED, NEWS_KEYS, REMINDER
from store.bench.views import NominationView
from store.errors import Gone
from store.models import NominationStatus
from store.outbox import listing
from store.outbox.payloads import NominationPayload, RemovedPayload
from store.outbox.queue import DeliveryJob


def invite_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    """**Invite them**: the contact is e-mailed on the owner's behalf."""
    ack()
    with answered(ack, body, respond, client):
        send_soon(desk, deciding.invite(desk.db, request_id_of(action.get("value")), act).delivery_keys)


def not_now_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    """**Not now**: the modal that asks why (refused at once to anyone who may not decide)."""
    ack()
    with answered(ack, body, respond, client):
        nomination_id = request_id_of(action.get("value"))
        deciding.check_decider(desk.db, nomination_id, act)
        view = reason_modal(
            View.NOMINATION_NOT_NOW,
            "Not now",
            "The person who nominated them reads your reason; the contact hears nothing.",
            nomination_id,
            "Not now",
        )
        client.views_open(trigger_id=body["trigger_id"], view=view)


def reason_given(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    with answered(ack, body, respond, client):
        nomination_id = request_id_of(view.get("private_metadata"))
        moved = deciding.not_now(desk.db, nomination_id, text_of(state_values(view), "reason"), act)
        ack()
        send_soon(desk, moved.delivery_keys)


def _view(desk: Desk, job: DeliveryJob) -> tuple[NominationView, str] | None:
    payload = NominationPayload.from_dict(job.data)
    try:
        return views.nomination(desk.db, desk.policy, payload.nomination_id), payload.about
    except Gone:
        return None


def render_decision(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    """The deciders' DM, or its reminder (nothing once it is decided: the rewrite says it)."""
    found = _view(desk, job)
    if found is None:
        return []
    view, about = found
    reminder = about == REMINDER
    if reminder and view.status != NominationStatus.PROPOSED:
        return []
    days = (desk.now() - view.created_at).days
    text = f"Nomination: {escape(view.name)} at {escape(view.account_name)}"
    return [Outgoing(text, nomination_blocks(view, reminder=reminder, days=days))]


def render_refresh(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    """Every deciders' DM about the nomination rewritten as it now stands, without buttons."""
    found = _view(desk, job)
    if found is None:
        return []
    view, why = found
    prefixes = tuple(prefix.format(id=view.id) for prefix in DECIDER_KEYS)
    news_prefixes = tuple(prefix.format(id=view.id) for prefix in NEWS_KEYS) if why == ERASED else ()
    if (due := listing.unsettled_with_keys(desk.db, prefixes + news_prefixes)) is not None:
        raise NotYet.behind("DMs about this nomination are still on their way", due, desk.now())
    text = f"Nomination of {escape(view.name)}: {outcome_line(view)}"
    rewrites = [
        Outgoing(text, nomination_blocks(view), channel=sent.channel, ts=sent.ts)
        for sent in listing.sent_with_keys(desk.db, prefixes)
    ]
    for sent in listing.sent_with_keys(desk.db, news_prefixes) if news_prefixes else ():
        said, blocks = news(view, NominationPayload.from_dict(sent.data).about)
        rewrites.append(Outgoing(said, blocks, channel=sent.channel, ts=sent.ts))
    return rewrites


def render_news(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    found = _view(desk, job)
    if found is None:
        return []
    text, blocks = news(*found)
    return [Outgoing(text, blocks)]


def render_removed(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    payload = RemovedPayload.from_dict(job.data)
    account = lookup.choice(desk.db, payload.account_id)
    if account is None:
        return []
    text, blocks = removed(account.name, payload.by_admin)
    return [Outgoing(text, blocks)]


def register(app: App) -> None:
    app.action(Action.NOMINATION_INVITE)(invite_clicked)
    app.action(Action.NOMINATION_NOT_NOW)(not_now_clicked)
    app.view(View.NOMINATION_NOT_NOW)(reason_given)
