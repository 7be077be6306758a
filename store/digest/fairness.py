"""Is the program spreading its asks? The digest's fairness figures and its chart's series.

A reference program slides, without anyone deciding it, into leaning on the same few happy
customers. The digest says so in one figure — the share of the last quarter's approved asks that
went to the top 10 % of accounts, against the quarter before — and names up to five healthy
accounts never asked ("untapped"), so the program has somewhere else to go. It also thanks the
customers who helped this week, by name, and draws asks against value given per week.

A quarter here is the 13 weeks that end with the digest's week (not a calendar quarter), so the
figure moves every week rather than jumping on the first of January, April, July and October.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from store import ledger
from store.db import Database
from store.models import (
    WERE_APPROVED,
    Account,
    AccountStatus,
    Advocate,
    Consent,
    ConsentAnswer,
    EntryKind,
    LedgerEntry,
    ReferenceRequest,
    RequestStatus,
)
from store.rules.policy import Policy
from store.rules.willing import willing_and_free

QUARTER = dt.timedelta(weeks=13)
#: the share of accounts whose asks are summed ("the top 10 %")
TOP_FRACTION = 0.10
UNTAPPED_MAX = 5
CHART_WEEKS = 12
#: requests that were approved, whatever happened next
APPROVED = WERE_APPROVED


@dataclass(frozen=True)
class Concentration:
    """How concentrated one quarter's approved asks were."""

    start: dt.date
    end: dt.date
    asks: int
    accounts: int
    #: how many accounts "the top 10 %" is
    top_accounts: int
    #: the share of asks those accounts got; None in a quarter without approved asks
    share: float | None


@dataclass(frozen=True)
class Untapped:
    account_id: int
    name: str
    owner_id: str | None
    balance: int
    willing_advocates: int


@dataclass(frozen=True)
class Helper:
    """A customer who helped this week: the advocate (when named) and the account; they said yes,
    or did it."""

    advocate_name: str | None
    account_name: str
    activity_name: str


@dataclass(frozen=True)
class Week:
    start: dt.date
    #: points asked (asks that fell through excluded) and points given back
    asked: int
    given: int


@dataclass(frozen=True)
class Fairness:
    quarter: Concentration
    previous: Concentration
    untapped: list[Untapped]
    helpers: list[Helper]
    weeks: list[Week]

    @property
    def trend(self) -> float | None:
        """Percentage points up (+) or down (−) since the quarter before; None if either is empty."""
        if self.quarter.share is None or self.previous.share is None:
            return None
        return 100 * (self.quarter.share - self.previous.share)


def _zone_bounds(start: dt.date, end: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """[start, end] as UTC instants (end inclusive: up to the next midnight)."""
    return (
        dt.datetime.combine(start, dt.time(), tz).astimezone(dt.UTC),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz).astimezone(dt.UTC),
    )


def concentration(session: Session, start: dt.date, end: dt.date, tz: dt.tzinfo) -> Concentration:
    """The share of approved asks decided in [start, end] that went to the top 10 % of accounts."""
    since, until = _zone_bounds(start, end, tz)
    per_account = [
        int(n)
        for (n,) in session.execute(
            select(func.count())
            .where(
                ReferenceRequest.status.in_(APPROVED),
                ReferenceRequest.decided_at >= since,
                ReferenceRequest.decided_at < until,
            )
            .group_by(ReferenceRequest.account_id)
        )
    ]
    accounts = int(session.scalar(select(func.count()).select_from(Account)) or 0)
    top = max(1, math.ceil(accounts * TOP_FRACTION)) if accounts else 0
    total = sum(per_account)
    share = sum(sorted(per_account, reverse=True)[:top]) / total if total else None
    return Concentration(start, end, total, accounts, top, share)


def untapped(
    session: Session, policy: Policy, today: dt.date, *, limit: int = UNTAPPED_MAX
) -> list[Untapped]:
    """Healthy accounts never asked: active, never debited for an ask, someone willing to help
    who has not asked to rest or not to be asked again (`store.rules.willing`, the issue-10
    rules), and a balance above the cost of the policy's `untapped_affords` activity. Richest
    first; `willing_advocates` counts those people.
    """
    affordable = policy.activity(policy.rules.untapped_affords).cost
    ever_asked = select(LedgerEntry.account_id).where(LedgerEntry.kind == EntryKind.ASK)
    ever_requested = select(ReferenceRequest.account_id)
    willing = (
        select(Advocate.account_id, func.count().label("people"))
        .where(*willing_and_free(today))
        .group_by(Advocate.account_id)
        .subquery()
    )
    rows = session.execute(
        select(Account.id, Account.name, Account.owner_slack_id, willing.c.people)
        .join(willing, willing.c.account_id == Account.id)
        .where(
            Account.status == AccountStatus.ACTIVE,
            Account.id.not_in(ever_asked),
            Account.id.not_in(ever_requested),
        )
    ).all()
    balances = ledger.balances(session, policy.opening_balance, [r.id for r in rows])
    healthy = [
        Untapped(r.id, r.name, r.owner_slack_id, balances.get(r.id, policy.opening_balance), int(r.people))
        for r in rows
        if balances.get(r.id, policy.opening_balance) > affordable
    ]
    healthy.sort(key=lambda u: (-u.balance, u.name.casefold()))
    return healthy[:limit]


def helpers(session: Session, policy: Policy, start: dt.date, end: dt.date, tz: dt.tzinfo) -> list[Helper]:
    """The customers who said yes in [start, end] (their own answer, not the owner's approval), or
    did it (the request was done then): advocate and account."""
    since, until = _zone_bounds(start, end, tz)
    said_yes = and_(
        Consent.answer == ConsentAnswer.YES,
        Consent.answered_at >= since,
        Consent.answered_at < until,
        ReferenceRequest.status.in_((RequestStatus.APPROVED, RequestStatus.DONE)),
    )
    did_it = and_(
        ReferenceRequest.status == RequestStatus.DONE,
        ReferenceRequest.closed_at >= since,
        ReferenceRequest.closed_at < until,
    )
    rows = session.execute(
        select(Advocate.name, Account.name, ReferenceRequest.activity)
        .join(Account, Account.id == ReferenceRequest.account_id)
        .outerjoin(Advocate, Advocate.id == ReferenceRequest.advocate_id)
        .outerjoin(Consent, Consent.request_id == ReferenceRequest.id)
        .where(or_(said_yes, did_it))
        .order_by(Account.name_key, Advocate.name, ReferenceRequest.id)
    ).all()
    seen: dict[tuple[str | None, str], Helper] = {}
    for advocate_name, account_name, activity in rows:
        name = policy.activities[activity].name if activity in policy.activities else activity
        seen.setdefault((advocate_name, account_name), Helper(advocate_name, account_name, name))
    return list(seen.values())


def weekly(session: Session, last_week_start: dt.date, weeks: int = CHART_WEEKS) -> list[Week]:
    """Points asked and given per week, for `weeks` weeks ending with the one starting `last_week_start`."""
    first = last_week_start - dt.timedelta(weeks=weeks - 1)
    end = last_week_start + dt.timedelta(days=6)
    standing_ask = and_(LedgerEntry.kind == EntryKind.ASK, ledger.ask_stands())
    rows = session.execute(
        select(LedgerEntry.occurred_on, LedgerEntry.kind, func.sum(LedgerEntry.amount))
        .where(
            LedgerEntry.occurred_on >= first,
            LedgerEntry.occurred_on <= end,
            or_(standing_ask, LedgerEntry.kind == EntryKind.GIVE),
        )
        .group_by(LedgerEntry.occurred_on, LedgerEntry.kind)
    ).all()
    asked = [0] * weeks
    given = [0] * weeks
    for day, kind, total in rows:
        index = (day - first).days // 7
        if kind == EntryKind.ASK:
            asked[index] -= int(total or 0)
        else:
            given[index] += int(total or 0)
    return [Week(first + dt.timedelta(weeks=i), asked[i], given[i]) for i in range(weeks)]


def fairness(db: Database, policy: Policy, week_start: dt.date, tz: dt.tzinfo) -> Fairness:
    """The digest's fairness figures for the week starting `week_start` (a Monday)."""
    end = week_start + dt.timedelta(days=6)
    start = end - QUARTER + dt.timedelta(days=1)
    before_end = start - dt.timedelta(days=1)
    with db.transaction(readonly=True) as session:
        return Fairness(
            quarter=concentration(session, start, end, tz),
            previous=concentration(session, before_end - QUARTER + dt.timedelta(days=1), before_end, tz),
            untapped=untapped(session, policy, end + dt.timedelta(days=1)),
            helpers=helpers(session, policy, week_start, end, tz),
            weeks=weekly(session, week_start),
        )
