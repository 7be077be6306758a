"""The facts the rule checklist needs about one prospective ask, read from the database.

Kept apart from the lifecycle and the read side because both need it: `submit` and `decide`
to know whether a ⛔ rule blocks, the request card to show the checklist.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from store import ledger
from store.models import Account, Advocate, EntryKind, LedgerEntry, ReferenceRequest, RequestStatus
from store.policy import Policy, PolicyFacts, RuleResult, checklist


def checks_for(
    session: Session, policy: Policy, request: ReferenceRequest, today: dt.date
) -> list[RuleResult]:
    """The checklist for `request` as things stand today."""
    return checklist(policy, facts_for(session, policy, request, today))


def facts_for(session: Session, policy: Policy, request: ReferenceRequest, today: dt.date) -> PolicyFacts:
    """What the checklist needs, read from the ledger and the open requests."""
    account = session.get_one(Account, request.account_id)
    rules = policy.rules
    quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    reversed_ids = select(LedgerEntry.reverses_id).where(LedgerEntry.reverses_id.is_not(None))
    calls = session.scalar(
        select(func.count()).where(
            LedgerEntry.account_id == account.id,
            LedgerEntry.kind == EntryKind.ASK,
            LedgerEntry.item == "reference_call",
            LedgerEntry.occurred_on >= quarter_start,
            LedgerEntry.id.not_in(reversed_ids),
        )
    )
    others = session.scalar(
        select(func.count()).where(
            ReferenceRequest.account_id == account.id,
            ReferenceRequest.status == RequestStatus.PENDING,
            ReferenceRequest.id != request.id,
        )
    )
    advocate = session.get(Advocate, request.advocate_id) if request.advocate_id else None
    last_ask = asks = None
    if advocate is not None:
        asked = and_(
            LedgerEntry.advocate_id == advocate.id,
            LedgerEntry.kind == EntryKind.ASK,
            LedgerEntry.id.not_in(reversed_ids),
        )
        last_ask = session.scalar(select(func.max(LedgerEntry.occurred_on)).where(asked))
        since = today - dt.timedelta(days=rules.advocate_window_days)
        asks = session.scalar(select(func.count()).where(asked, LedgerEntry.occurred_on >= since))
    return PolicyFacts(
        today=today,
        activity=request.activity,
        cost=request.cost,
        balance=ledger.balance(session, policy.opening_balance, account.id),
        account_status=account.status,
        renewal_date=account.renewal_date,
        other_pending_requests=int(others or 0),
        reference_calls_this_quarter=int(calls or 0),
        last_give_on=ledger.last_occurred(session, account.id, EntryKind.GIVE),
        advocate_name=advocate.name if advocate else None,
        advocate_last_ask_on=last_ask,
        advocate_asks_in_window=int(asks or 0),
    )
