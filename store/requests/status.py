"""Where things stand for one person: their requests (`/reference status`) and their App Home.

Read-only, one transaction each, plain data out: the handlers render it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from store import ledger
from store.customer.sides import CustomerSide, sides
from store.db import Database
from store.models import Account, Delivery, ReferenceRequest, RequestStatus
from store.requests import asking
from store.rules.checklist import is_blocked
from store.rules.facts import checks_for_requests
from store.rules.policy import Policy

STATUS_DAYS = 90
#: statuses where the request still needs something from someone (a decision, or the call itself)
OPEN_STATUSES = (RequestStatus.PENDING, RequestStatus.APPROVED)


@dataclass(frozen=True)
class RequestLine:
    """A request in a list: enough to say what, for whom, in which state, and who decides."""

    id: int
    account_name: str
    activity: str
    activity_name: str
    opportunity_name: str
    amount: Decimal | None
    status: str
    created_at: dt.datetime
    needed_by: dt.date | None
    #: who decides a pending request: the owner, or None for the program admins
    decider_id: str | None
    decided_by: str | None
    decided_at: dt.datetime | None
    #: pending, and a ⛔ rule blocks approval: only a program admin can approve it (with override)
    blocked: bool = False
    #: where the customer is, once approved (None: never approved, or approved before they had a say)
    customer: CustomerSide | None = None


@dataclass(frozen=True)
class Listing:
    lines: list[RequestLine]
    #: how many there are in all (the list may be cut)
    total: int


@dataclass(frozen=True)
class BalanceLine:
    account_id: int
    name: str
    status: str
    balance: int


@dataclass(frozen=True)
class HomeOverview:
    """What the App Home shows one person."""

    my_open: Listing
    #: pending requests this person is asked to decide, oldest first
    waiting_ids: list[int]
    waiting_total: int
    #: the accounts they own, lowest balance first
    balances: list[BalanceLine]
    balances_total: int


def _lines(session: Session, policy: Policy, query: Select[Any], limit: int, today: dt.date) -> Listing:
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.execute(
        query.add_columns(Account.name).join(Account, Account.id == ReferenceRequest.account_id).limit(limit)
    ).all()
    pending = [request for request, _ in rows if request.status == RequestStatus.PENDING]
    checks = checks_for_requests(session, policy, pending, today)
    customers = sides(session, [request.id for request, _ in rows if request.status != RequestStatus.PENDING])
    lines = []
    for request, account_name in rows:
        activity = policy.activities.get(request.activity)
        lines.append(
            RequestLine(
                id=request.id,
                account_name=account_name,
                activity=request.activity,
                activity_name=activity.name if activity else request.activity,
                opportunity_name=request.opportunity_name,
                amount=request.amount,
                status=request.status,
                created_at=request.created_at,
                needed_by=request.needed_by,
                decider_id=request.decider_id,
                decided_by=request.decided_by,
                decided_at=request.decided_at,
                blocked=is_blocked(checks.get(request.id, [])),
                customer=customers.get(request.id),
            )
        )
    return Listing(lines, total)


def my_requests(
    db: Database,
    policy: Policy,
    requester_id: str,
    now: dt.datetime,
    today: dt.date,
    days: int = STATUS_DAYS,
    limit: int = 20,
) -> Listing:
    """The requester's requests of the last `days` days, newest first."""
    query = (
        select(ReferenceRequest)
        .where(
            ReferenceRequest.requester_id == requester_id,
            ReferenceRequest.created_at >= now - dt.timedelta(days=days),
        )
        .order_by(ReferenceRequest.created_at.desc(), ReferenceRequest.id.desc())
    )
    with db.transaction(readonly=True) as session:
        return _lines(session, policy, query, limit, today)


def home_overview(
    db: Database,
    policy: Policy,
    user_id: str,
    today: dt.date,
    *,
    requests: int = 15,
    decisions: int = 5,
    accounts: int = 20,
) -> HomeOverview:
    """Open requests, decisions waiting, and owned accounts' balances, for one person."""
    mine = (
        select(ReferenceRequest)
        .where(ReferenceRequest.requester_id == user_id, ReferenceRequest.status.in_(OPEN_STATUSES))
        .order_by(ReferenceRequest.created_at.desc(), ReferenceRequest.id.desc())
    )
    # asked of them: as the owner, or as an admin the decision message went to (no owner, ⛔ rule)
    asked_to_them = select(Delivery.request_id).where(asking.asks_to_decide(), Delivery.recipient == user_id)
    waiting = select(ReferenceRequest.id).where(
        ReferenceRequest.status == RequestStatus.PENDING,
        or_(ReferenceRequest.decider_id == user_id, ReferenceRequest.id.in_(asked_to_them)),
    )
    owned = select(Account.id).where(Account.owner_slack_id == user_id)
    with db.transaction(readonly=True) as session:
        my_open = _lines(session, policy, mine, requests, today)
        waiting_ids = list(
            session.scalars(waiting.order_by(ReferenceRequest.created_at, ReferenceRequest.id))
        )
        rows = session.execute(
            select(Account.id, Account.name, Account.status).where(Account.id.in_(owned))
        ).all()
        sums = ledger.balances(session, policy.opening_balance, owned)
    balances = sorted(
        (BalanceLine(r.id, r.name, r.status, sums.get(r.id, policy.opening_balance)) for r in rows),
        key=lambda line: (line.balance, line.name.casefold()),
    )
    return HomeOverview(
        my_open=my_open,
        waiting_ids=waiting_ids[:decisions],
        waiting_total=len(waiting_ids),
        balances=balances[:accounts],
        balances_total=len(balances),
    )


def request_status(db: Database, request_id: int) -> str | None:
    with db.transaction(readonly=True) as session:
        return session.scalar(select(ReferenceRequest.status).where(ReferenceRequest.id == request_id))
