"""The outbox renderers of the request lifecycle: the decider's DM, the requester's receipt and
outcome, and the rewrite of every message once the request is decided.

Rendered at send time from the request card, so a message delayed by an outage shows the state
of things when it finally goes out.
"""

from __future__ import annotations

import logging

from handlers.evidence.library import words_instead
from handlers.kit.blocks import escape, user
from handlers.kit.desk import Desk
from handlers.outbox.batch import in_hand
from handlers.outbox.messages import NotYet, Outgoing
from handlers.requests.messages import confirmation_blocks, decision_blocks, outcome_blocks, outcome_line
from store.models import RequestStatus
from store.outbox import listing
from store.outbox.kinds import DeliveryKind
from store.outbox.queue import DeliveryJob
from store.requests import cards, deciding
from store.requests.cards import RequestCard

log = logging.getLogger(__name__)


def _card(desk: Desk, request_id: int | None) -> RequestCard | None:
    """The request's card, read once for all the messages about it sent in one batch."""
    if not request_id:
        return None
    return in_hand(("card", request_id), lambda: cards.card(desk.db, desk.policy, request_id, desk.today()))


def render_decision_request(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    card = _card(desk, job.request_id)
    if card is None:
        return []
    return [
        Outgoing(
            f"Reference request: {escape(card.account_name)} — {escape(card.activity_name)}",
            decision_blocks(card, viewer_is_admin=desk.is_admin(job.recipient)),
        )
    ]


def render_confirmation(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    card = _card(desk, job.request_id)
    if card is None:
        return []
    blocks = confirmation_blocks(card)
    if card.pending:  # words before a call: approved words that could replace the ask, withdrawing it
        blocks += words_instead(desk, card.id, card.activity)
    return [Outgoing(f"Your request for {escape(card.account_name)} went to {user(card.owner_id)}", blocks)]


def render_outcome(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    card = _card(desk, job.request_id)
    if card is None:
        return []
    alternatives = (
        cards.alternatives(desk.db, desk.policy, card.id) if card.status == RequestStatus.DECLINED else []
    )
    verb = "approved" if card.status == RequestStatus.APPROVED else card.status
    return [
        Outgoing(
            f"Your request for {escape(card.account_name)} was {verb}", outcome_blocks(card, alternatives)
        )
    ]


#: messages that carry Approve / Decline buttons: each is rewritten once the request is decided
DECIDER_KINDS = (DeliveryKind.DECISION_REQUEST, DeliveryKind.SLA_REMINDER, DeliveryKind.SLA_ESCALATION)


def render_refresh(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    """Rewrite every message already sent about the request so it shows the state of things now."""
    assert job.request_id is not None
    kinds = (*DECIDER_KINDS, DeliveryKind.CONFIRMATION)
    if listing.unsettled(desk.db, job.request_id, kinds):
        raise NotYet("messages about this request are still on their way")
    card = _card(desk, job.request_id)
    if card is None:
        return []
    updates = []
    for sent in listing.sent_messages(desk.db, job.request_id, kinds):
        if sent.kind in DECIDER_KINDS:
            blocks = decision_blocks(card, viewer_is_admin=desk.is_admin(sent.recipient))
        else:
            blocks = confirmation_blocks(card)
        updates.append(Outgoing(outcome_line(card), blocks, channel=sent.channel, ts=sent.ts))
    return updates


def decider_unreachable(desk: Desk, job: DeliveryJob, error: str) -> tuple[str, ...]:
    """The owner left Slack or cannot get DMs: the program admins decide instead."""
    if job.request_id is None:
        return ()
    log.warning(
        "request %s: decider %s unreachable (%s); sent to the admins", job.request_id, job.recipient, error
    )
    return deciding.reroute_to_admins(desk.db, job.request_id, job.recipient, desk.admins, desk.now())
