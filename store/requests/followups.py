"""After the ask: decisions that wait too long, and closing the loop on approved requests.

The scheduled checks only *claim* what is owed, as outbox rows under keys that name the work
exactly once (`sla-remind:42`, `sla-escalate:42:U123`, `followup:42`, `followup-reminder:42`);
the delivery worker sends them. The requester's answer (Done / Fell through) is a conditional
update from `approved`, so two clicks or two replicas close a request once, and a reference
that fell through reverses its ledger debit once (the schema allows one reversal per entry).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from store import ledger
from store.act import Act
from store.customer import consent, ratings
from store.db import Database
from store.errors import AlreadySettled, Invalid, NotAllowed
from store.models import (
    Account,
    Consent,
    ConsentAnswer,
    Delivery,
    DeliveryStatus,
    ReferenceRequest,
    RequestStatus,
)
from store.outbox import queue, rewrites
from store.outbox.kinds import DeliveryKind
from store.requests.asking import request_or_gone
from store.rules.policy import Policy

#: when an approved request has no needed-by date, ask how it went this long after approval
NO_DATE_FOLLOWUP = dt.timedelta(days=14)
#: an unanswered follow-up is asked again once, this long after it was sent
FOLLOWUP_REMINDER_AFTER = dt.timedelta(days=7)
NOTE_MAX = 1000


@dataclass(frozen=True)
class Closed:
    request_id: int
    #: "done" or "fell_through"
    status: str
    delivery_keys: tuple[str, ...] = ()
    #: a withdrawn ask's customer is e-mailed that it is no longer needed (else the owner tells them)
    customer_emailed: bool = False


@dataclass(frozen=True)
class FollowupCard:
    """What a follow-up message shows, as of now."""

    id: int
    status: str
    requester_id: str
    account_id: int
    account_name: str
    activity_name: str
    opportunity_name: str
    crm_link: str | None
    needed_by: dt.date | None
    cost: int
    balance: int
    outcome_note: str | None
    deal_moved: bool | None
    closed_at: dt.datetime | None


def owe_sla_reminders(
    db: Database,
    *,
    now: dt.datetime,
    sla: dt.timedelta,
    escalation: dt.timedelta,
    admins: frozenset[str],
) -> list[str]:
    """Claim a reminder for each decision older than `sla`, and escalations past `escalation`.

    The decider is reminded (each admin when nobody owns the account); past the escalation limit
    every admin other than the decider hears about it. Returns the keys claimed by this call.
    """
    claimed: list[str] = []
    with db.transaction() as session:
        late = session.execute(
            select(ReferenceRequest.id, ReferenceRequest.decider_id, ReferenceRequest.created_at)
            .where(ReferenceRequest.status == RequestStatus.PENDING, ReferenceRequest.created_at <= now - sla)
            .order_by(ReferenceRequest.id)
        ).all()
        for request_id, decider_id, created_at in late:
            owed: list[tuple[str, DeliveryKind, str]] = []
            if decider_id:
                owed.append((f"sla-remind:{request_id}", DeliveryKind.SLA_REMINDER, decider_id))
            else:
                owed += [
                    (f"sla-remind:{request_id}:{a}", DeliveryKind.SLA_REMINDER, a) for a in sorted(admins)
                ]
            if created_at <= now - escalation:
                owed += [
                    (f"sla-escalate:{request_id}:{a}", DeliveryKind.SLA_ESCALATION, a)
                    for a in sorted(admins - {decider_id or ""})
                ]
            for key, kind, recipient in owed:
                if queue.enqueue(
                    session, key=key, kind=kind, recipient=recipient, now=now, request_id=request_id
                ):
                    claimed.append(key)
    return claimed


def owe_followups(db: Database, *, now: dt.datetime, today: dt.date) -> list[str]:
    """Claim "how did it go?" for asks the customer confirmed, past their needed-by date, and one
    reminder for those still unanswered a week after the question reached the requester. An ask
    still waiting for the customer past its date goes to the owner to record what they said."""
    claimed: list[str] = []
    past_due = or_(
        ReferenceRequest.needed_by < today,
        ReferenceRequest.needed_by.is_(None) & (ReferenceRequest.decided_at <= now - NO_DATE_FOLLOWUP),
    )
    with db.transaction() as session:
        rows = session.execute(
            select(ReferenceRequest, Consent.request_id.is_not(None), Consent.answer)
            .outerjoin(Consent, Consent.request_id == ReferenceRequest.id)
            .where(ReferenceRequest.status == RequestStatus.APPROVED, past_due)
            .order_by(ReferenceRequest.id)
        ).all()
        due = []
        for request, asked, said in rows:
            # approved before the customer had a say (no consent row): as good as confirmed
            if not asked or said == ConsentAnswer.YES:
                due.append((request.id, request.requester_id))
            elif said is None:
                claimed += consent.owe_overdue(session, request, now)
        for request_id, requester_id in due:
            key = f"followup:{request_id}"
            if queue.enqueue(
                session,
                key=key,
                kind=DeliveryKind.FOLLOWUP,
                recipient=requester_id,
                now=now,
                request_id=request_id,
            ):
                claimed.append(key)
        unanswered = session.execute(
            select(Delivery.request_id, Delivery.recipient)
            .join(ReferenceRequest, ReferenceRequest.id == Delivery.request_id)
            .where(
                Delivery.kind == DeliveryKind.FOLLOWUP,
                Delivery.status == DeliveryStatus.SENT,
                Delivery.sent_at <= now - FOLLOWUP_REMINDER_AFTER,
                ReferenceRequest.status == RequestStatus.APPROVED,
            )
            .order_by(Delivery.request_id)
        ).all()
        for request_id, requester_id in unanswered:
            key = f"followup-reminder:{request_id}"
            if queue.enqueue(
                session,
                key=key,
                kind=DeliveryKind.FOLLOWUP_REMINDER,
                recipient=requester_id,
                now=now,
                request_id=request_id,
            ):
                claimed.append(key)
    return claimed


def check_closer(db: Database, request_id: int, act: Act) -> None:
    """Raise unless the one acting may say how the request went now (before opening the modal)."""
    with db.transaction(readonly=True) as session:
        request = request_or_gone(session, request_id)
        _authorize(request, act)
        if request.status != RequestStatus.APPROVED:
            raise AlreadySettled(request.status)


def _authorize(request: ReferenceRequest, act: Act) -> None:
    if act.user != request.requester_id and not act.by_admin:
        raise NotAllowed("say how it went", (request.requester_id,))


def mark_done(
    db: Database,
    request_id: int,
    act: Act,
    *,
    deal_moved: bool | None = None,
    note: str = "",
    rating: int | None = None,
) -> Closed:
    """The reference happened: approved → done, with whether the deal moved (if known), the
    requester's rating (1–5) and, for an advocate asked by e-mail, their rating e-mail owed."""
    with db.transaction() as session:
        request = request_or_gone(session, request_id)
        _authorize(request, act)
        closed = _close(
            session, request, RequestStatus.DONE, act.now, deal_moved=deal_moved, note=note.strip()
        )
        if rating is not None:
            ratings.record_rating(session, request, "requester", rating, act.now, deal_moved=deal_moved)
        mail = ratings.owe_rating_mail(session, request, act.now)
        return dataclasses.replace(closed, delivery_keys=closed.delivery_keys + mail)


def mark_fell_through(db: Database, request_id: int, act: Act, *, reason: str) -> Closed:
    """The reference did not happen: approved → fell_through, and the ask's debit is reversed.

    Both in one transaction, after a conditional update, so the reversal happens exactly once
    and never without the status change (or the other way round).
    """
    if not reason.strip():
        raise Invalid({"reason": "Say why it fell through: it is kept on the ledger."})
    with db.transaction() as session:
        request = request_or_gone(session, request_id)
        _authorize(request, act)
        closed = _close(session, request, RequestStatus.FELL_THROUGH, act.now, note=reason.strip())
        ledger.set_ask_standing(
            session,
            request.id,
            False,
            actor_id=act.user,
            now=act.now,
            today=act.today,
            reason=reason.strip()[:NOTE_MAX],
        )
        return closed


def _close(
    session: Session,
    request: ReferenceRequest,
    status: RequestStatus,
    now: dt.datetime,
    *,
    note: str,
    deal_moved: bool | None = None,
) -> Closed:
    won = session.execute(
        update(ReferenceRequest)
        .where(ReferenceRequest.id == request.id, ReferenceRequest.status == RequestStatus.APPROVED)
        .values(status=status, outcome_note=note[:NOTE_MAX] or None, deal_moved=deal_moved, closed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        current = session.scalar(select(ReferenceRequest.status).where(ReferenceRequest.id == request.id))
        raise AlreadySettled(str(current))
    key = f"followup-closed:{request.id}"
    queue.enqueue(
        session,
        key=key,
        kind=DeliveryKind.FOLLOWUP_CLOSED,
        recipient=request.requester_id,
        now=now,
        request_id=request.id,
    )
    # the approval and the customer's yes carried **Withdraw**, the owner's card said confirmed
    rewrite = rewrites.owe_rewrite(session, request.id, request.requester_id, f"closed:{status}", now)
    return Closed(request.id, str(status), (key, rewrite))


def followup_card(db: Database, policy: Policy, request_id: int) -> FollowupCard | None:
    with db.transaction(readonly=True) as session:
        request = session.get(ReferenceRequest, request_id)
        if request is None:
            return None
        account = session.get_one(Account, request.account_id)
        activity = policy.activities.get(request.activity)
        return FollowupCard(
            id=request.id,
            status=request.status,
            requester_id=request.requester_id,
            account_id=account.id,
            account_name=account.name,
            activity_name=activity.name if activity else request.activity,
            opportunity_name=request.opportunity_name,
            crm_link=request.crm_link,
            needed_by=request.needed_by,
            cost=request.cost,
            balance=ledger.balance(session, policy.opening_balance, account.id),
            outcome_note=request.outcome_note,
            deal_moved=request.deal_moved,
            closed_at=request.closed_at,
        )
