"""A coverage history for tests, written straight through the models: healthcare reference calls
with every outcome, a fintech case study done, searches that found nothing, a Nothing fits; and
accounts placed so that the gap job has exactly one owner to ask."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from store import ledger
from store.coverage import demand
from store.db import Database
from store.models import Account, Consent, Demand, DemandSource, EntryKind, ReferenceRequest, RequestStatus
from tests.support import store_seed as seed

NOW = seed.NOW  # Monday 23 November 2026, 15:00
TODAY = NOW.date()
O1, O2, O3 = "U0OWNER01", "U0OWNER02", "U0OWNER03"


def need(
    session: Session,
    account_id: int,
    *,
    activity: str = "reference_call",
    days_ago: int = 10,
    status: str = RequestStatus.PENDING,
    reason: str | None = None,
    answer: str | None = None,
    yes_after: dt.timedelta | None = None,
    advocate_id: int | None = None,
    needed_by: dt.date | None = None,
) -> int:
    """A request and its demand row, and the advocate's answer when one was asked (set-up rows)."""
    created = NOW - dt.timedelta(days=days_ago)
    request = ReferenceRequest(
        account_id=account_id,
        advocate_id=advocate_id,
        requester_id="U0SELLER1",
        activity=activity,
        cost=3,
        status=status,
        decision_reason=reason,
        needed_by=needed_by,
        created_at=created,
    )
    session.add(request)
    session.flush()
    demand.record_request(session, request, session.get_one(Account, account_id))
    if advocate_id is not None:
        session.add(
            Consent(
                request_id=request.id,
                advocate_id=advocate_id,
                mode="owner",
                answer=answer,
                answered_at=created + yes_after if yes_after else (created if answer else None),
                answered_by=O1 if answer else None,
                version=1 if answer else 0,
                asked_at=created,
            )
        )
    return request.id


def search(session: Session, words: str, industry: str, activity: str | None, user: str) -> None:
    session.add(
        Demand(
            key=f"search:{user}:{words}",
            source=DemandSource.SEARCH,
            requester_id=user,
            activity=activity,
            industry=industry,
            words=words,
            created_at=NOW - dt.timedelta(days=3),
        )
    )


def history(db: Database) -> dict[str, int]:
    """Healthcare reference calls: 5 requests and 2 unmet in the window, 1 before it; a fintech
    case study done; two fintech searches for a reference call that found nothing askable."""
    with db.transaction() as s:
        acme = seed.account(s, "Acme", "Healthcare", segment="Enterprise", owner_slack_id=O1)
        jane = seed.advocate(s, acme, "Jane", "reference_call")
        seed.advocate(s, acme, "Hal", "reference_call")
        seed.entry(s, acme, EntryKind.ADJUSTMENT, 20, TODAY - dt.timedelta(days=100))
        # Jane was asked ten days ago: she rests, Hal can be asked
        ledger.post(
            s,
            account_id=acme,
            advocate_id=jane,
            kind=EntryKind.ASK,
            amount=0,
            item="logo",
            actor_id=O1,
            now=NOW,
            occurred_on=TODAY - dt.timedelta(days=10),
        )
        bolt = seed.account(s, "Bolt Health", "healthcare ", segment="Mid-market", owner_slack_id=O2)
        seed.account(s, "Dyn Care", "Healthcare", owner_slack_id=O3, status="paused")
        cyber = seed.account(s, "Cyber", "Fintech", segment="SMB", owner_slack_id=O1)
        seed.advocate(s, cyber, "Carl", "reference_call;case_study")
        seed.entry(s, cyber, EntryKind.ADJUSTMENT, 7, TODAY - dt.timedelta(days=100))
        eon = seed.account(s, "Eon", "Fintech", owner_slack_id=O2)
        seed.advocate(s, eon, "Eve", "reference_call")
        seed.entry(s, eon, EntryKind.ADJUSTMENT, -3, TODAY - dt.timedelta(days=100))

        need(s, acme, advocate_id=jane, status="approved", answer="yes", yes_after=dt.timedelta(hours=10))
        need(s, acme, advocate_id=jane, status="done", answer="yes", yes_after=dt.timedelta(hours=30))
        need(
            s,
            acme,
            advocate_id=jane,
            status="declined",
            reason="Declined by the customer.",
            answer="not_this_time",
        )
        need(s, acme, status="declined", reason="renewal talks")
        need(s, acme, needed_by=TODAY + dt.timedelta(days=7))
        need(s, acme, days_ago=120, status="done")
        search(s, "healthcare reference call", "Healthcare", "reference_call", "U0SELLER2")
        s.add(
            Demand(
                key="nothing-fits:V1",
                source=DemandSource.NOTHING_FITS,
                requester_id="U0SELLER3",
                activity="reference_call",
                industry="HEALTHCARE",
                words="a hospital CIO",
                tell_on=TODAY,
                created_at=NOW - dt.timedelta(days=2),
            )
        )
        need(s, cyber, activity="case_study", status="done")
        search(s, "fintech reference call", "Fintech", "reference_call", "U0SELLER2")
        search(s, "fintech reference call", "Fintech", "reference_call", "U0SELLER3")
    return {"acme": acme, "bolt": bolt, "cyber": cyber, "eon": eon}
