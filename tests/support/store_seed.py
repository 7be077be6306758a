"""Rows for store tests, written straight through the models (set-up, not the behaviour tested)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import ledger
from store.accounts.lookup import normalize
from store.db import Database
from store.models import Account, Advocate, Consent, ConsentAnswer, EntryKind, ReferenceRequest, RequestStatus

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)


def account(session: Session, name: str, industry: str = "", **fields: object) -> int:
    row = Account(
        name=name,
        name_key=normalize(name),
        industry=industry,
        industry_key=normalize(industry),
        created_at=NOW,
        updated_at=NOW,
        **fields,
    )
    session.add(row)
    session.flush()
    return row.id


def advocate(session: Session, account_id: int, name: str, activities: str) -> int:
    row = Advocate(account_id=account_id, name=name, person_key=name.lower(), activities=activities)
    session.add(row)
    session.flush()
    return row.id


def request(
    session: Session,
    account_id: int,
    *,
    requester: str = "U0SELLER1",
    status: str = RequestStatus.PENDING,
    created_at: dt.datetime = NOW,
    decided_at: dt.datetime | None = None,
    closed_at: dt.datetime | None = None,
    decider: str | None = None,
    amount: str | None = None,
    activity: str = "reference_call",
    cost: int = 3,
) -> int:
    row = ReferenceRequest(
        account_id=account_id,
        requester_id=requester,
        activity=activity,
        cost=cost,
        status=status,
        created_at=created_at,
        decided_at=decided_at,
        closed_at=closed_at,
        decided_by="U0OWNER01" if decided_at else None,
        decider_id=decider,
        amount=Decimal(amount) if amount else None,
    )
    session.add(row)
    session.flush()
    return row.id


def entry(
    session: Session,
    account_id: int,
    kind: EntryKind,
    amount: int,
    on: dt.date,
    *,
    actor: str = "U0OWNER01",
    item: str | None = None,
    request_id: int | None = None,
) -> None:
    ledger.post(
        session,
        account_id=account_id,
        kind=kind,
        amount=amount,
        actor_id=actor,
        now=NOW,
        occurred_on=on,
        item=item,
        request_id=request_id,
        reason="set-up" if kind is EntryKind.ADJUSTMENT else None,
    )


def asked(session: Session, account_id: int, advocate_id: int, on: dt.date) -> None:
    """`advocate_id` was asked (for a logo) on `on`: a week ago, they rest."""
    ledger.post(
        session,
        account_id=account_id,
        advocate_id=advocate_id,
        kind=EntryKind.ASK,
        amount=-1,
        item="logo",
        actor_id="U0OWNER01",
        now=NOW,
        occurred_on=on,
    )


def said(session: Session, advocate_id: int, answer: str, *, on_account: int | None = None) -> None:
    """The advocate answered an ask on NOW's day: "never" for good, "not for 3 months" for 90 days.

    The ask sits on `on_account` (default: the advocate's own account); the rules read the answer
    by advocate, as `store.rules.facts` does."""
    advocate = session.get_one(Advocate, advocate_id)
    request_id = request(session, on_account or advocate.account_id, status=RequestStatus.CUSTOMER_DECLINED)
    rest = NOW.date() + dt.timedelta(days=90) if answer == ConsentAnswer.NOT_FOR_3_MONTHS else None
    session.add(
        Consent(
            request_id=request_id,
            advocate_id=advocate_id,
            mode="email",
            answer=answer,
            rest_until=rest,
            version=1,
            asked_at=NOW,
            answered_at=NOW,
        )
    )
    session.flush()


def someone_to_ask(db: Database, request_id: int) -> int | None:
    """The advocate an approval names when the request left it to the owner: the account's first,
    or a new one willing to do the activity when it has none (approvals always name who is asked)."""
    with db.transaction() as session:
        request = session.get_one(ReferenceRequest, request_id)
        if request.advocate_id is not None:
            return None
        found = session.scalar(
            select(Advocate.id)
            .where(Advocate.account_id == request.account_id)
            .order_by(Advocate.id)
            .limit(1)
        )
        return (
            found
            if found is not None
            else advocate(session, request.account_id, "Pat Advocate", request.activity)
        )
