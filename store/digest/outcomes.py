"""What references did for revenue: CRM outcomes (`refdesk import opportunities`) joined to requests.

An opportunity is *with a reference* when a request for it was approved and did not fall through
(approved or done): the reference happened or is going ahead. Its win rate is compared on the
stricter footing of a *completed* reference (done) against every other closed opportunity, with
the counts, so that 1 of 1 never reads as a trend. Amounts are summed per currency, never across
currencies. An approval that overrode a ⛔ rule is counted and named beside every figure it is in.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.db import Database
from store.models import (
    Account,
    EntryKind,
    LedgerEntry,
    Opportunity,
    OpportunityLink,
    OpportunityOutcome,
    ReferenceRequest,
    RequestStatus,
)

#: statuses of a request whose reference happened or is going ahead
WITH_REFERENCE = (RequestStatus.APPROVED, RequestStatus.DONE)


@dataclass(frozen=True)
class Tally:
    """Opportunities and their amounts, per currency (sorted by code)."""

    opportunities: int = 0
    amounts: dict[str, Decimal] = field(default_factory=dict)
    #: of `opportunities`, those whose reference was approved by overriding a ⛔ rule
    overridden: int = 0


@dataclass(frozen=True)
class WinRate:
    won: int
    closed: int

    @property
    def rate(self) -> float | None:
        return self.won / self.closed if self.closed else None


@dataclass(frozen=True)
class DaysToClose:
    median: float | None
    #: closed opportunities whose export gave both dates (the median's sample)
    counted: int


@dataclass(frozen=True)
class FellThrough:
    request_id: int
    account_name: str
    opportunity_name: str
    closed_on: dt.date | None
    reason: str
    overridden: bool


@dataclass(frozen=True)
class Outcomes:
    #: closed deals, fell-through references and overrides are counted from this day (None: ever)
    since: dt.date | None
    #: opportunities imported from the CRM, all outcomes: 0 means nothing to report on yet
    opportunities: int
    #: open now, with a reference
    pipeline: Tally
    #: won since `since`, with a reference
    won: Tally
    #: closed since `since`: with a completed reference, and all the others
    win_rate_with: WinRate
    win_rate_without: WinRate
    days_with: DaysToClose
    days_without: DaysToClose
    fell_through: list[FellThrough]
    #: asks approved by overriding a ⛔ rule, decided since `since`
    overridden_asks: int


@dataclass
class _Deal:
    outcome: str
    amount: Decimal | None
    currency: str
    created_on: dt.date | None
    close_date: dt.date | None
    referenced: bool = False
    completed: bool = False
    overridden: bool = False


def report(db: Database, since: dt.date | None) -> Outcomes:
    """`refdesk report`: the figures in one read-only transaction."""
    with db.transaction(readonly=True) as session:
        return build_outcomes(session, since)


def build_outcomes(session: Session, since: dt.date | None) -> Outcomes:
    """The figures, in three queries: opportunities, their requests, the references that fell through."""
    deals = {
        row.id: _Deal(row.outcome, row.amount, row.currency, row.created_on, row.close_date)
        for row in session.execute(
            select(
                Opportunity.id,
                Opportunity.outcome,
                Opportunity.amount,
                Opportunity.currency,
                Opportunity.created_on,
                Opportunity.close_date,
            )
        )
    }
    linked = select(
        OpportunityLink.opportunity_id, ReferenceRequest.status, ReferenceRequest.override_reason
    ).join(ReferenceRequest, ReferenceRequest.id == OpportunityLink.request_id)
    for opportunity_id, status, override in session.execute(linked):
        deal = deals[opportunity_id]
        if status in WITH_REFERENCE:
            deal.referenced = True
            deal.completed = deal.completed or status == RequestStatus.DONE
            deal.overridden = deal.overridden or override is not None
    start = dt.datetime.combine(since, dt.time(), dt.UTC) if since else None
    closed = [d for d in deals.values() if d.outcome != OpportunityOutcome.OPEN and _closed_since(d, since)]
    with_done = [d for d in closed if d.completed]
    without = [d for d in closed if not d.completed]
    return Outcomes(
        since=since,
        opportunities=len(deals),
        pipeline=_tally(d for d in deals.values() if d.outcome == OpportunityOutcome.OPEN and d.referenced),
        won=_tally(d for d in closed if d.outcome == OpportunityOutcome.WON and d.referenced),
        win_rate_with=_win_rate(with_done),
        win_rate_without=_win_rate(without),
        days_with=_days(with_done),
        days_without=_days(without),
        fell_through=_fell_through(session, start),
        overridden_asks=_overridden(session, start),
    )


def _closed_since(deal: _Deal, since: dt.date | None) -> bool:
    return since is None or (deal.close_date is not None and deal.close_date >= since)


def _tally(deals: Iterable[_Deal]) -> Tally:
    amounts: dict[str, Decimal] = {}
    count = overridden = 0
    for deal in deals:
        count += 1
        overridden += deal.overridden
        if deal.amount is not None:
            amounts[deal.currency] = amounts.get(deal.currency, Decimal(0)) + deal.amount
    return Tally(count, dict(sorted(amounts.items())), overridden)


def _win_rate(deals: list[_Deal]) -> WinRate:
    return WinRate(sum(d.outcome == OpportunityOutcome.WON for d in deals), len(deals))


def _days(deals: list[_Deal]) -> DaysToClose:
    spans = [(d.close_date - d.created_on).days for d in deals if d.created_on and d.close_date]
    return DaysToClose(statistics.median(spans) if spans else None, len(spans))


def _fell_through(session: Session, start: dt.datetime | None) -> list[FellThrough]:
    query = (
        select(
            ReferenceRequest.id,
            Account.name,
            ReferenceRequest.opportunity_name,
            ReferenceRequest.closed_at,
            ReferenceRequest.outcome_note,
            ReferenceRequest.override_reason,
        )
        .join(Account, Account.id == ReferenceRequest.account_id)
        .where(ReferenceRequest.status == RequestStatus.FELL_THROUGH)
        .order_by(ReferenceRequest.closed_at, ReferenceRequest.id)
    )
    if start is not None:
        query = query.where(ReferenceRequest.closed_at >= start)
    return [
        FellThrough(
            row.id,
            row.name,
            row.opportunity_name,
            row.closed_at.date() if row.closed_at else None,
            row.outcome_note or "",
            row.override_reason is not None,
        )
        for row in session.execute(query)
    ]


def _overridden(session: Session, start: dt.datetime | None) -> int:
    """Counted on the ledger, where an override's reason is kept on the ask's debit (posted when it
    was decided): the entries' time index keeps the digest's count to the recent ones."""
    query = select(func.count()).where(LedgerEntry.kind == EntryKind.ASK, LedgerEntry.reason.is_not(None))
    if start is not None:
        query = query.where(LedgerEntry.created_at >= start)
    return int(session.scalar(query) or 0)
