"""`refdesk policy simulate`: what a proposed policy would have said about every ask on record.

Each recorded request is judged, in the order it was made, by the app's own checklist
(`store.rules.checklist`) on the facts the app computes (`store.rules.facts`), read as the history stood at
that moment and priced by the proposed policy. The history is the one that happened: an ask the
proposed rules would have stopped stays in it, so the replay shows where those rules would have
stepped in on the program as it ran, not a second, diverging program year (`refdesk simulate`
plays one of those).

Read-only: the replay runs in one transaction that the database itself refuses to write in.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from store.db import Database
from store.models import WERE_APPROVED, Account, Advocate, ReferenceRequest
from store.rules.checklist import Rule, RuleResult, Verdict, checklist
from store.rules.facts import facts_for_accounts
from store.rules.policy import Policy

#: statuses of a request whose ask was debited: it happened
ASKED = WERE_APPROVED


@dataclass(frozen=True)
class Judged:
    """One recorded ask and what a policy's checklist says of it."""

    request_id: int
    account: str
    advocate: str | None
    activity: str
    day: dt.date
    #: True when it was approved in fact (whatever the checklist said then)
    happened: bool
    #: True when an admin approved it over a ⛔ rule
    overridden: bool
    balance_after: int
    blocking: tuple[Rule, ...]
    warning: tuple[Rule, ...]
    #: what the checklist says for each ⛔ and ⚠️ rule, for the reader
    sentences: dict[Rule, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BelowZero:
    account: str
    first_day: dt.date
    lowest: int


@dataclass(frozen=True)
class OverCap:
    advocate: str
    account: str
    day: dt.date
    sentence: str


@dataclass(frozen=True)
class Replay:
    asks: list[Judged]
    blocked_by: dict[Rule, list[int]] = field(default_factory=dict)
    warned_by: dict[Rule, list[int]] = field(default_factory=dict)
    below_zero: list[BelowZero] = field(default_factory=list)
    over_cap: list[OverCap] = field(default_factory=list)

    @property
    def blocked(self) -> set[int]:
        return {ask.request_id for ask in self.asks if ask.blocking}


@dataclass(frozen=True)
class Comparison:
    proposed: Replay
    current: Replay

    @property
    def newly_blocked(self) -> list[int]:
        return sorted(self.proposed.blocked - self.current.blocked)

    @property
    def no_longer_blocked(self) -> list[int]:
        return sorted(self.current.blocked - self.proposed.blocked)


def simulate_policy(
    db: Database, proposed: Policy, current: Policy, tz: zoneinfo.ZoneInfo, since: dt.date | None = None
) -> Comparison:
    """Replay every ask made since `since` under both policies, in one read-only transaction."""
    with db.transaction(readonly=True) as session, _refusing_writes(session):
        return Comparison(replay(session, proposed, tz, since), replay(session, current, tz, since))


@contextmanager
def _refusing_writes(session: Session) -> Iterator[None]:
    """Make the database refuse any write for the rest of the transaction: PostgreSQL's read-only
    transaction; SQLite's `query_only`, set back afterwards since the connection is pooled."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    session.execute(text("PRAGMA query_only = ON" if sqlite else "SET TRANSACTION READ ONLY"))
    try:
        yield
    finally:
        if sqlite:
            session.execute(text("PRAGMA query_only = OFF"))


def replay(session: Session, policy: Policy, tz: zoneinfo.ZoneInfo, since: dt.date | None = None) -> Replay:
    query = (
        select(ReferenceRequest, Account.name, Advocate.name)
        .join(Account, Account.id == ReferenceRequest.account_id)
        .outerjoin(Advocate, Advocate.id == ReferenceRequest.advocate_id)
        .order_by(ReferenceRequest.created_at, ReferenceRequest.id)
    )
    if since is not None:
        query = query.where(ReferenceRequest.created_at >= dt.datetime.combine(since, dt.time(), tz))
    asks = [
        _judge(session, policy, tz, request, account, advocate)
        for request, account, advocate in session.execute(query)
    ]
    return _summary(asks)


def _judge(
    session: Session,
    policy: Policy,
    tz: zoneinfo.ZoneInfo,
    request: ReferenceRequest,
    account: str,
    advocate: str | None,
) -> Judged:
    day = request.created_at.astimezone(tz).date()
    activity = policy.activities.get(request.activity)
    cost = activity.cost if activity is not None else request.cost
    found = facts_for_accounts(
        session,
        policy,
        [request.account_id],
        day,
        activity=request.activity if activity is not None else None,
        cost=cost,
        advocate_ids=[request.advocate_id]
        if request.advocate_id is not None
        else select(Advocate.id).where(Advocate.account_id == request.account_id),
        excluding_request=request.id,
        as_of=request.created_at,
    )[request.account_id]
    facts = found.advocates.get(request.advocate_id, found.account) if request.advocate_id else found.account
    results = checklist(policy, facts)
    return Judged(
        request_id=request.id,
        account=account,
        advocate=advocate,
        activity=request.activity,
        day=day,
        happened=request.status in ASKED,
        overridden=request.override_reason is not None,
        balance_after=facts.balance - cost,
        blocking=_rules(results, Verdict.BLOCKING),
        warning=_rules(results, Verdict.WARNING),
        sentences={r.rule: r.sentence for r in results if r.verdict is not Verdict.OK},
    )


def _rules(results: list[RuleResult], verdict: Verdict) -> tuple[Rule, ...]:
    return tuple(result.rule for result in results if result.verdict is verdict)


def _summary(asks: list[Judged]) -> Replay:
    blocked_by: dict[Rule, list[int]] = {}
    warned_by: dict[Rule, list[int]] = {}
    lowest: dict[str, BelowZero] = {}
    over_cap: list[OverCap] = []
    for ask in asks:
        for rule in ask.blocking:
            blocked_by.setdefault(rule, []).append(ask.request_id)
        for rule in ask.warning:
            warned_by.setdefault(rule, []).append(ask.request_id)
        if not ask.happened:
            continue
        if ask.balance_after < 0:
            seen = lowest.get(ask.account)
            first = seen.first_day if seen else ask.day
            low = min(ask.balance_after, seen.lowest if seen else 0)
            lowest[ask.account] = BelowZero(ask.account, first, low)
        if Rule.ADVOCATE_CAP in ask.blocking and ask.advocate:
            over_cap.append(OverCap(ask.advocate, ask.account, ask.day, ask.sentences[Rule.ADVOCATE_CAP]))
    return Replay(
        asks=asks,
        blocked_by=dict(sorted(blocked_by.items(), key=lambda item: item[0].rank)),
        warned_by=dict(sorted(warned_by.items(), key=lambda item: item[0].rank)),
        below_zero=sorted(lowest.values(), key=lambda b: (b.first_day, b.account)),
        over_cap=over_cap,
    )
