"""**Withdraw**: the requester takes back an approved ask that is not done (the deal died, the
prospect changed their mind).

One transaction, after a conditional update from `approved`, so a double click withdraws once:
the ask's debit is reversed (`ledger.set_ask_standing`, insert-only), the advocate asked by e-mail
gets a short "no longer needed — thank you for being willing" (an owner who asks in person is told
to say it), and every message about the request is rewritten. A "yes" that comes after is refused
(`store.customer.consent.check_open`: the ask no longer stands).
"""

from __future__ import annotations

from sqlalchemy import select, update

from store import ledger
from store.act import Act
from store.customer.consent import EMAIL, mail_recipient, owner_of
from store.db import Database
from store.errors import AlreadySettled, Gone, NotAllowed
from store.models import Consent, ReferenceRequest, RequestStatus
from store.outbox import queue, rewrites
from store.outbox.kinds import DeliveryKind
from store.requests import home_refresh
from store.requests.followups import Closed

WITHDRAWN = "Withdrawn by the requester: no longer needed."


def withdraw(db: Database, request_id: int, act: Act) -> Closed:
    """The requester (or an admin) withdraws an approved ask; the keys of what it owes."""
    with db.transaction() as session:
        request = session.get(ReferenceRequest, request_id, with_for_update=True)
        if request is None:
            raise Gone(f"no request {request_id}")
        if act.user != request.requester_id and not act.by_admin:
            raise NotAllowed("withdraw this request", (request.requester_id,))
        won = session.execute(
            update(ReferenceRequest)
            .where(ReferenceRequest.id == request.id, ReferenceRequest.status == RequestStatus.APPROVED)
            .values(status=RequestStatus.WITHDRAWN, closed_at=act.now, outcome_note=WITHDRAWN)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not won:
            current = session.scalar(select(ReferenceRequest.status).where(ReferenceRequest.id == request.id))
            raise AlreadySettled(str(current))
        ledger.set_ask_standing(
            session, request.id, False, actor_id=act.user, now=act.now, today=act.today, reason=WITHDRAWN
        )
        owed = []
        consent = session.get(Consent, request.id)
        if consent is not None and consent.mode == EMAIL:
            owed.append(
                (
                    f"withdrawn-mail:{request.id}",
                    DeliveryKind.WITHDRAWN_EMAIL,
                    mail_recipient(consent.advocate_id),
                )
            )
        owner = owner_of(request)
        if owner is not None and owner != act.user:
            owed.append((f"withdrawn:{request.id}:owner", DeliveryKind.WITHDRAWN_NOTICE, owner))
        keys = []
        for key, kind, recipient in owed:
            queue.enqueue(
                session, key=key, kind=kind, recipient=recipient, now=act.now, request_id=request.id
            )
            keys.append(key)
        keys.append(rewrites.owe_rewrite(session, request.id, request.requester_id, "withdrawn", act.now))
        keys += home_refresh.owe_for_decision(
            session, request.id, request.requester_id, RequestStatus.WITHDRAWN, act.now
        )
        emailed = consent is not None and consent.mode == EMAIL
        return Closed(request.id, RequestStatus.WITHDRAWN, tuple(keys), customer_emailed=emailed)
