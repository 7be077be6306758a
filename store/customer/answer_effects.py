"""What an advocate's answer changes besides the answer itself (`store.customer.consent.answer`
records it, under the request's row lock, and calls these in its transaction): the request's
state and the ask's debit when a yes becomes a no or back, their own limit when they ask to be
asked less often, and who is told."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store import ledger
from store.act import Act
from store.errors import AlreadySettled
from store.models import Advocate, Consent, ConsentAnswer, ReferenceRequest, RequestStatus
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.outbox.payloads import AnsweredPayload
from store.rules.policy import Policy

#: who answers on the advocate's page (`Act.user` there)
ADVOCATE = "advocate"
#: the ledger's reasons when the customer's answer moves the ask's debit
DECLINED_BY_CUSTOMER = "Declined by the customer."
YES_AFTER_ALL = "The customer said yes after all."


def ask_less_often(session: Session, policy: Policy, advocate_id: int) -> None:
    """ "Ask me less often": half their own limit of asks a quarter (half what the policy allows
    when they had set none), at least 1. Kept when a later answer changes this one: they asked for
    fewer asks, not only for a no to this one; their own page sets the number exactly."""
    advocate = session.get_one(Advocate, advocate_id, with_for_update=True)
    current = advocate.asks_per_quarter or policy.rules.asks_per_quarter
    advocate.asks_per_quarter = max(1, current // 2)


def decline_by_customer(session: Session, request: ReferenceRequest, act: Act) -> None:
    move(session, request, RequestStatus.APPROVED, RequestStatus.CUSTOMER_DECLINED, closed_at=act.now)
    ledger.set_ask_standing(
        session,
        request.id,
        False,
        actor_id=act.user,
        now=act.now,
        today=act.today,
        reason=DECLINED_BY_CUSTOMER,
    )


def confirm_after_all(session: Session, request: ReferenceRequest, act: Act) -> None:
    """A "no" changed to "yes": the request stands approved again and its ask debits again."""
    move(session, request, RequestStatus.CUSTOMER_DECLINED, RequestStatus.APPROVED, closed_at=None)
    ledger.set_ask_standing(
        session, request.id, True, actor_id=act.user, now=act.now, today=act.today, reason=YES_AFTER_ALL
    )


def move(
    session: Session,
    request: ReferenceRequest,
    source: RequestStatus,
    target: RequestStatus,
    **values: object,
) -> None:
    """The request's status changes from `source` or not at all (somebody else settled it)."""
    won = session.execute(
        update(ReferenceRequest)
        .where(ReferenceRequest.id == request.id, ReferenceRequest.status == source)
        .values(status=target, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        raise AlreadySettled(
            str(session.scalar(select(ReferenceRequest.status).where(ReferenceRequest.id == request.id)))
        )


def owe_told(
    session: Session,
    request: ReferenceRequest,
    consent: Consent,
    before: ConsentAnswer | None,
    owner: str | None,
    by: str,
    now: dt.datetime,
    referred: bool = False,
) -> tuple[str, ...]:
    """The requester and the owner told the answer (not the one who just recorded it; the owner
    hears of a colleague named on the page from the referral instead, when one is `referred`)."""
    payload = AnsweredPayload(
        answer=str(consent.answer), answered_by=by, before=str(before) if before is not None else None
    )
    keys = []
    for role, person in (("requester", request.requester_id), ("owner", owner)):
        if person is None or person == by:
            continue
        if role == "owner" and referred:
            continue
        key = f"consent-answer:{request.id}:{consent.version}:{role}"
        queue.enqueue(
            session,
            key=key,
            kind=DeliveryKind.CONSENT_ANSWERED,
            recipient=person,
            now=now,
            request_id=request.id,
            payload=payload,
        )
        keys.append(key)
    return tuple(keys)
