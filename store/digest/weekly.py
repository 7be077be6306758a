"""The weekly digest's figures (the claims that make it go out: `store.digest.claims`).

Every figure is an aggregate computed by the database (counts, sums, a grouped balance with a
HAVING filter), so the digest costs about what the equivalent hand-written SQL costs, whatever the
size of the ledger. Only the median needs the individual durations, and only of one week's
decisions.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select

from store.customer.ratings import RatingSummary
from store.db import Database
from store.digest.funnel import Funnel, funnel
from store.digest.outcomes import Outcomes, build_outcomes
from store.models import (
    WERE_APPROVED,
    Account,
    EntryKind,
    LedgerEntry,
    Rating,
    ReferenceRequest,
    RequestStatus,
)
from store.periods import Period, quarter_start
from store.rules.policy import Policy

#: a balance at or below this is "running low" (it can pay for a logo, hardly more)
LOW_BALANCE = 1
#: statuses an approved request can move on to; all of them were approved (by the owner: the
#: customer's no is `customer_declined`, an approved ask all the same)
APPROVED_STATUSES = WERE_APPROVED


@dataclass(frozen=True)
class Overdue:
    request_id: int
    account_name: str
    requester_id: str
    decider_id: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class LowAccount:
    account_id: int
    name: str
    owner_id: str | None
    balance: int


@dataclass(frozen=True)
class Giver:
    actor_id: str
    credit: int
    entries: int


@dataclass(frozen=True)
class Digest:
    period: Period
    opened: int
    approved: int
    declined: int
    cancelled: int
    pending: int
    overdue: list[Overdue]
    median_decision: dt.timedelta | None
    low_accounts: list[LowAccount]
    value_delivered: int
    givers: list[Giver]
    #: what references did for revenue, quarter to date (closed deals) and now (open pipeline)
    outcomes: Outcomes
    #: the week's ratings of activities, both sides ("rated 4.0/5 (3)"); empty when none
    ratings: str = ""
    #: the customer's side of the week: asked, answered, yes, done, time to a yes, unanswered
    funnel: Funnel | None = None


def build_digest(db: Database, policy: Policy, period: Period, now: dt.datetime, sla: dt.timedelta) -> Digest:
    """The week's figures, and the state of things now (pending, overdue, low balances)."""
    start, end = period.starts_at, period.ends_at
    created = and_(ReferenceRequest.created_at >= start, ReferenceRequest.created_at < end)
    decided = and_(ReferenceRequest.decided_at >= start, ReferenceRequest.decided_at < end)
    approved = and_(decided, ReferenceRequest.status.in_(APPROVED_STATUSES))

    def count_if(condition: object) -> object:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    with db.transaction(readonly=True) as session:
        counts = session.execute(
            select(
                count_if(created),
                count_if(approved),
                count_if(and_(decided, ReferenceRequest.status == RequestStatus.DECLINED)),
                count_if(and_(decided, ReferenceRequest.status == RequestStatus.CANCELLED)),
            ).where(
                (ReferenceRequest.created_at >= start) & (ReferenceRequest.created_at < end)
                | ((ReferenceRequest.decided_at >= start) & (ReferenceRequest.decided_at < end))
            )
        ).one()
        pending = session.execute(
            select(
                ReferenceRequest.id,
                Account.name,
                ReferenceRequest.requester_id,
                ReferenceRequest.decider_id,
                ReferenceRequest.created_at,
            )
            .join(Account, Account.id == ReferenceRequest.account_id)
            .where(ReferenceRequest.status == RequestStatus.PENDING)
            .order_by(ReferenceRequest.created_at, ReferenceRequest.id)
        ).all()
        durations = session.execute(
            select(ReferenceRequest.created_at, ReferenceRequest.decided_at).where(
                decided,
                ReferenceRequest.status.in_((*APPROVED_STATUSES, RequestStatus.DECLINED)),
            )
        ).all()
        total = func.sum(LedgerEntry.amount)
        sums = (
            select(LedgerEntry.account_id, total.label("total"))
            .group_by(LedgerEntry.account_id)
            .having(total + policy.opening_balance <= LOW_BALANCE)
            .subquery()
        )
        low = session.execute(
            select(Account.id, Account.name, Account.owner_slack_id, sums.c.total)
            .join(sums, sums.c.account_id == Account.id)
            .order_by(sums.c.total, Account.name_key)
        ).all()
        gives = session.execute(
            select(LedgerEntry.actor_id, func.sum(LedgerEntry.amount), func.count())
            .where(
                LedgerEntry.kind == EntryKind.GIVE,
                LedgerEntry.occurred_on >= period.start,
                LedgerEntry.occurred_on <= period.end,
            )
            .group_by(LedgerEntry.actor_id)
        ).all()
        quarter_outcomes = build_outcomes(session, quarter_start(period.end))
        scores = session.scalars(
            select(Rating.score).where(Rating.created_at >= start, Rating.created_at < end)
        ).all()
        customers = funnel(session, start, end, now)
    late = now - sla
    givers = sorted((Giver(a, int(c), int(n)) for a, c, n in gives), key=lambda g: (-g.credit, g.actor_id))
    waits = [decided_at - created_at for created_at, decided_at in durations]
    return Digest(
        period=period,
        opened=int(counts[0]),
        approved=int(counts[1]),
        declined=int(counts[2]),
        cancelled=int(counts[3]),
        pending=len(pending),
        overdue=[Overdue(*row) for row in pending if row.created_at < late],
        median_decision=statistics.median(waits) if waits else None,
        low_accounts=[
            LowAccount(r.id, r.name, r.owner_slack_id, policy.opening_balance + int(r.total)) for r in low
        ],
        value_delivered=sum(g.credit for g in givers),
        givers=givers,
        outcomes=quarter_outcomes,
        ratings=RatingSummary(sum(scores) / len(scores), len(scores)).words() if scores else "",
        funnel=customers,
    )
