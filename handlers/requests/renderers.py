"""The outbox renderers of the request lifecycle: the decider's DM, the requester's receipt and
outcome, and the rewrite of every message once the request is decided, the customer answers, or
it is withdrawn.

Rendered at send time from the request card, so a message delayed by an outage shows the state
of things when it finally goes out.
"""

from __future__ import annotations

import logging

from handlers.evidence.library import words_instead
from handlers.kit.blocks import Block, escape, user
from handlers.kit.desk import Desk
from handlers.outbox.batch import in_hand
from handlers.outbox.messages import NotYet, Outgoing
from handlers.requests.customer_say import rewritten_consent_ask, rewritten_referral, told_blocks, told_text
from handlers.requests.messages import decision_blocks, outcome_line
from handlers.requests.requester import confirmation_blocks, outcome_blocks
from store.customer import ask_view
from store.errors import Gone
from store.models import RequestStatus
from store.outbox import listing
from store.outbox.kinds import DeliveryKind
from store.outbox.listing import SentMessage
from store.outbox.payloads import AnsweredPayload
from store.outbox.queue import DeliveryJob
from store.requests import cards, rerouting
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
            decision_blocks(card, viewer_is_admin=desk.is_admin(job.recipient), mails=desk.mails_advocates),
        )
    ]


def render_override_request(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    """An admin's DM about a request its owner decides: the decider's DM when a ⛔ rule blocks
    it as it stands now (only an admin can approve it then) or the owner could not be asked
    (`rerouting.reroute_to_admins`), nothing otherwise."""
    if not desk.is_admin(job.recipient):  # no longer an admin since it was owed
        return []
    card = _card(desk, job.request_id)
    if card is None or not card.pending or not (card.blocked or card.admins_decide):
        return []
    return render_decision_request(desk, job)


def render_confirmation(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    """The requester's receipt; when a ⛔ rule blocks the ask, the accounts that fit, at once."""
    card = _card(desk, job.request_id)
    if card is None:
        return []
    return [
        Outgoing(
            f"Your request for {escape(card.account_name)} went to {user(card.decider)}",
            _receipt(desk, card),
        )
    ]


def _receipt(desk: Desk, card: RequestCard) -> list[Block]:
    """The receipt as things stand: while a ⛔ rule blocks the ask, the accounts that fit; while it
    waits, approved words that could replace it (withdrawing it)."""
    alternatives = cards.alternatives(desk.db, desk.policy, card.id) if card.pending and card.blocked else []
    blocks = confirmation_blocks(card, alternatives)
    if card.pending:
        blocks += words_instead(desk, card.id, card.activity)
    return blocks


def render_outcome(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    card = _card(desk, job.request_id)
    if card is None:
        return []
    alternatives = (
        cards.alternatives(desk.db, desk.policy, card.id) if card.status == RequestStatus.DECLINED else []
    )
    verb = "declined" if card.status == RequestStatus.DECLINED else "approved"
    return [
        Outgoing(
            f"Your request for {escape(card.account_name)} was {verb}", outcome_blocks(card, alternatives)
        )
    ]


#: messages that carry Approve / Decline buttons: each is rewritten once the request is decided
DECIDER_KINDS = (
    DeliveryKind.DECISION_REQUEST,
    DeliveryKind.OVERRIDE_REQUEST,
    DeliveryKind.SLA_REMINDER,
    DeliveryKind.SLA_ESCALATION,
)
#: every message a change to the request rewrites — the deciders', the requester's (their receipt,
#: the decision, and the customer's answers, which carry **Withdraw**) — and waits for while one
#: is still on its way (a rewrite must not overtake the first version)
REWRITTEN = (*DECIDER_KINDS, DeliveryKind.CONFIRMATION, DeliveryKind.OUTCOME, DeliveryKind.CONSENT_ANSWERED)
#: rewritten too once sent, never waited for (an ask to make in person can be owed for days ahead):
#: the owner's messages about the customer — their buttons gone once the answer is in, the
#: advocate as now named, a colleague gone once removed
ALSO_REWRITTEN = (DeliveryKind.CONSENT_ASK, DeliveryKind.REFERRAL)


def render_refresh(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    """Rewrite every message already sent about the request so it shows the state of things now."""
    assert job.request_id is not None
    if (due := listing.unsettled(desk.db, job.request_id, REWRITTEN)) is not None:
        raise NotYet.behind("messages about this request are still on their way", due, desk.now())
    card = _card(desk, job.request_id)
    if card is None:
        return []
    rewrites = []
    for sent in listing.sent_messages(desk.db, job.request_id, REWRITTEN + ALSO_REWRITTEN):
        rewritten = _rewritten(desk, card, sent)
        if rewritten is not None:
            text, blocks = rewritten
            rewrites.append(Outgoing(text, blocks, channel=sent.channel, ts=sent.ts))
    return rewrites


def _rewritten(desk: Desk, card: RequestCard, sent: SentMessage) -> tuple[str, list[Block]] | None:
    """A message as it would read now, its notification text its own; None when nothing on it
    changes (the owner's decline)."""
    if sent.kind in DECIDER_KINDS:
        blocks = decision_blocks(
            card, viewer_is_admin=desk.is_admin(sent.recipient), mails=desk.mails_advocates
        )
        return outcome_line(card), blocks
    if sent.kind == DeliveryKind.CONFIRMATION:
        return outcome_line(card), _receipt(desk, card)
    if sent.kind == DeliveryKind.OUTCOME:
        if card.status == RequestStatus.DECLINED:
            return None
        return f"Your request for {escape(card.account_name)} was approved", outcome_blocks(card, [])
    if sent.kind == DeliveryKind.CONSENT_ASK:
        again = rewritten_consent_ask(desk, card.id, sent.data)
        return (again.text, again.blocks) if again is not None else None
    try:
        ask = ask_view.view(desk.db, desk.policy, card.id, desk.today())
    except Gone:
        return None
    if sent.kind == DeliveryKind.REFERRAL:
        told = rewritten_referral(desk, sent.data, ask.advocate_removed)
        return (told.text, told.blocks) if told is not None else None
    if sent.recipient != card.requester_id and not ask.advocate_removed:
        return None  # the owner's told DM follows nothing but the advocate's name and note
    payload = AnsweredPayload.from_dict(sent.data)
    return told_text(ask, payload, for_requester=False).splitlines()[0], told_blocks(
        desk, ask, payload, for_requester=sent.recipient == card.requester_id
    )


def decider_unreachable(desk: Desk, job: DeliveryJob, error: str) -> tuple[str, ...]:
    """The owner left Slack or cannot get DMs: the program admins decide instead."""
    if job.request_id is None:
        return ()
    log.warning(
        "request %s: decider %s unreachable (%s); sent to the admins", job.request_id, job.recipient, error
    )
    return rerouting.reroute_to_admins(desk.db, job.request_id, job.recipient, desk.admins, desk.now())
