"""The reference-request lifecycle: ask, decide once, cancel — each one transaction.

Every function here takes plain values, changes state in one transaction together with the
outbox rows that tell people about it, and returns plain data. Who may decide is checked here,
next to the state it protects, so no surface can forget it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from store import deliveries, home_refresh, ledger
from store.db import Database
from store.models import Account, Advocate, EntryKind, LedgerEntry, ReferenceRequest, RequestStatus
from store.policy import Policy, PolicyFacts, RuleResult, checklist, is_blocked

URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
MAX_AMOUNT = Decimal("999999999999.99")

#: delivery kinds this module writes (the handlers render them)
DECISION_REQUEST = "decision_request"
CONFIRMATION = "request_confirmation"
OUTCOME = "request_outcome"
REFRESH = "request_refresh"


class RequestInvalid(Exception):
    """What is wrong with a draft, by field name, in words for the person who typed it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NotAllowed(Exception):
    """The person may not do this; `who` says who may."""

    def __init__(self, who: str) -> None:
        super().__init__(who)
        self.who = who


@dataclass(frozen=True)
class Draft:
    """A request as typed into the modal, already parsed from strings."""

    account_id: int | None
    activity: str | None
    advocate_id: int | None = None
    opportunity_name: str = ""
    amount: Decimal | None = None
    crm_link: str | None = None
    prospect_industry: str = ""
    needed_by: dt.date | None = None
    context: str = ""


@dataclass(frozen=True)
class Submitted:
    request_id: int
    deciders: tuple[str, ...]
    delivery_keys: tuple[str, ...]
    #: False when the same modal had already been submitted (nothing new happened)
    created: bool = True


@dataclass(frozen=True)
class Decided:
    request_id: int
    #: "approved", "declined", "cancelled", or "already" when someone else was faster
    outcome: str
    status: str
    decided_by: str | None
    delivery_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class AdvocateOption:
    id: int
    name: str
    title: str
    activities: tuple[str, ...]


@dataclass(frozen=True)
class HistoryLine:
    kind: str
    item: str | None
    amount: int
    occurred_on: dt.date
    actor_id: str


@dataclass(frozen=True)
class Alternative:
    account_id: int
    name: str
    industry: str
    balance: int
    willing_advocates: int


@dataclass(frozen=True)
class RequestCard:
    """Everything a message about a request shows, as of now."""

    id: int
    status: str
    account_id: int
    account_name: str
    account_industry: str
    owner_id: str | None
    requester_id: str
    activity: str
    activity_name: str
    cost: int
    advocate_name: str | None
    advocate_title: str | None
    advocate_email: str | None
    opportunity_name: str
    amount: Decimal | None
    crm_link: str | None
    prospect_industry: str
    needed_by: dt.date | None
    context: str
    created_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str | None
    override_reason: str | None
    balance: int
    history: list[HistoryLine] = field(default_factory=list)
    checks: list[RuleResult] = field(default_factory=list)

    @property
    def balance_after(self) -> int:
        return self.balance - self.cost

    @property
    def blocked(self) -> bool:
        return is_blocked(self.checks)

    @property
    def pending(self) -> bool:
        return self.status == RequestStatus.PENDING


def validate(db: Database, policy: Policy, draft: Draft, today: dt.date) -> None:
    """Raise `RequestInvalid` with every problem of the draft at once."""
    with db.transaction() as session:
        _validate(session, policy, draft, today)


def _validate(session: Session, policy: Policy, draft: Draft, today: dt.date) -> Account:
    errors: dict[str, str] = {}
    account = session.get(Account, draft.account_id) if draft.account_id is not None else None
    if draft.account_id is None:
        errors["account"] = "Pick an account."
    elif account is None:
        errors["account"] = "That account no longer exists. Pick another one."
    if draft.activity is None:
        errors["activity"] = "Pick an activity."
    elif draft.activity not in policy.activities:
        errors["activity"] = "That activity is no longer offered. Pick another one."
    if draft.advocate_id is not None:
        advocate = session.get(Advocate, draft.advocate_id)
        if advocate is None or account is None or advocate.account_id != account.id:
            errors["advocate"] = "That advocate is not at this account."
        elif draft.activity and draft.activity not in advocate.activity_keys:
            errors["advocate"] = f"{advocate.name} is not willing to do this activity."
    if draft.amount is not None and draft.amount < 0:
        errors["amount"] = "The amount cannot be negative."
    elif draft.amount is not None and draft.amount > MAX_AMOUNT:
        errors["amount"] = "That amount is too large."
    if draft.crm_link and not URL.match(draft.crm_link):
        errors["crm_link"] = "Enter a full link starting with https://"
    if draft.needed_by is not None and draft.needed_by < today:
        errors["needed_by"] = "The date is in the past. Pick today or a later date."
    if errors:
        raise RequestInvalid(errors)
    assert account is not None
    return account


def submit(
    db: Database,
    policy: Policy,
    draft: Draft,
    *,
    requester_id: str,
    source_key: str,
    admins: frozenset[str],
    now: dt.datetime,
    today: dt.date,
) -> Submitted:
    """Save the request, then owe the decider(s) a decision message and the requester a receipt.

    The owner decides; an account without an owner in Slack goes to the admins. A request that a
    ⛔ rule blocks also goes to the admins, who alone can approve it with an override.
    """
    with db.transaction() as session:
        existing = session.scalar(select(ReferenceRequest).where(ReferenceRequest.source_key == source_key))
        if existing is not None:
            return Submitted(existing.id, (), (), created=False)
        account = _validate(session, policy, draft, today)
        request = ReferenceRequest(
            source_key=source_key,
            account_id=account.id,
            advocate_id=draft.advocate_id,
            requester_id=requester_id,
            activity=draft.activity,
            cost=policy.activity(draft.activity or "").cost,
            opportunity_name=draft.opportunity_name,
            amount=draft.amount,
            crm_link=draft.crm_link,
            prospect_industry=draft.prospect_industry,
            needed_by=draft.needed_by,
            context=draft.context,
            status=RequestStatus.PENDING,
            decider_id=account.owner_slack_id,
            created_at=now,
        )
        session.add(request)
        session.flush()
        deciders: list[str] = [account.owner_slack_id] if account.owner_slack_id else []
        if not deciders or is_blocked(_checks(session, policy, request, today)):
            deciders += sorted(admins - set(deciders))
        keys = [_owe_decision(session, request, decider, now) for decider in deciders]
        confirmation = f"confirm:{request.id}"
        deliveries.enqueue(
            session,
            key=confirmation,
            kind=CONFIRMATION,
            recipient=requester_id,
            now=now,
            request_id=request.id,
        )
        return Submitted(request.id, tuple(deciders), (*keys, confirmation))


def _owe_decision(session: Session, request: ReferenceRequest, decider: str, now: dt.datetime) -> str:
    key = f"decide:{request.id}:{decider}"
    deliveries.enqueue(
        session, key=key, kind=DECISION_REQUEST, recipient=decider, now=now, request_id=request.id
    )
    return key


def reroute_to_admins(
    db: Database, request_id: int, unreachable: str, admins: frozenset[str], now: dt.datetime
) -> tuple[str, ...]:
    """The decider cannot be reached in Slack (left, deactivated): the admins decide instead."""
    with db.transaction() as session:
        request = session.get_one(ReferenceRequest, request_id)
        if request.status != RequestStatus.PENDING:
            return ()
        if request.decider_id == unreachable:
            request.decider_id = None
        keys = [_owe_decision(session, request, admin, now) for admin in sorted(admins - {unreachable})]
        refresh = f"refresh:{request.id}:rerouted:{unreachable}"
        deliveries.enqueue(
            session, key=refresh, kind=REFRESH, recipient=request.requester_id, now=now, request_id=request.id
        )
        return (*keys, refresh)


def check_decider(db: Database, request_id: int, user_id: str, admins: frozenset[str]) -> str | None:
    """The request's status if `user_id` may decide it (raises `NotAllowed` otherwise); None if unknown."""
    with db.transaction(readonly=True) as session:
        request = session.get(ReferenceRequest, request_id)
        if request is None:
            return None
        _authorize_decider(session, request, user_id, admins)
        return request.status


def _authorize_decider(
    session: Session, request: ReferenceRequest, user_id: str, admins: frozenset[str]
) -> None:
    owner = session.scalar(select(Account.owner_slack_id).where(Account.id == request.account_id))
    if user_id in admins or (owner is not None and user_id == owner):
        return
    raise NotAllowed(f"<@{owner}> or a program admin" if owner else "a program admin")


def decide(
    db: Database,
    policy: Policy,
    request_id: int,
    *,
    actor_id: str,
    approve: bool,
    admins: frozenset[str],
    now: dt.datetime,
    today: dt.date,
    reason: str | None = None,
    override_reason: str | None = None,
) -> Decided:
    """Approve (debiting the ledger) or decline a pending request, exactly once.

    Concurrent clicks queue on the request's row lock (`SELECT ... FOR UPDATE`; SQLite's writer
    lock does the same), so each sees the state the previous one left: one wins, the others learn
    it was already decided. The status change is also conditional (`WHERE status = 'pending'`).
    """
    with db.transaction() as session:
        request = session.get(ReferenceRequest, request_id, with_for_update=True)
        if request is None:
            raise LookupError(f"no request {request_id}")
        _authorize_decider(session, request, actor_id, admins)
        if request.status != RequestStatus.PENDING:
            return _already(session, request.id)
        if approve:
            checks = _checks(session, policy, request, today)
            if is_blocked(checks):
                if actor_id not in admins:
                    raise NotAllowed("a program admin, with a written reason (a ⛔ rule blocks it)")
                if not (override_reason or "").strip():
                    raise RequestInvalid({"reason": "Write why this ask should go ahead anyway."})
            else:
                override_reason = None
        elif not (reason or "").strip():
            raise RequestInvalid({"reason": "Write a reason: the requester will read it."})
        status = RequestStatus.APPROVED if approve else RequestStatus.DECLINED
        won = session.execute(
            update(ReferenceRequest)
            .where(ReferenceRequest.id == request.id, ReferenceRequest.status == RequestStatus.PENDING)
            .values(
                status=status,
                decided_by=actor_id,
                decided_at=now,
                decision_reason=None if approve else reason.strip() if reason else None,
                override_reason=override_reason.strip() if override_reason else None,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if not won:
            return _already(session, request.id)
        if approve:
            ledger.post(
                session,
                account_id=request.account_id,
                advocate_id=request.advocate_id,
                kind=EntryKind.ASK,
                amount=-request.cost,
                item=request.activity,
                request_id=request.id,
                actor_id=actor_id,
                now=now,
                occurred_on=today,
                note=request.opportunity_name,
                reason=override_reason.strip() if override_reason else None,
            )
        keys = _owe_outcome(session, request, status, now)
        return Decided(request.id, status, status, actor_id, keys)


def _already(session: Session, request_id: int) -> Decided:
    """Someone else decided first: what they decided, read afresh (not from the stale object)."""
    status, decided_by = session.execute(
        select(ReferenceRequest.status, ReferenceRequest.decided_by).where(ReferenceRequest.id == request_id)
    ).one()
    return Decided(request_id, "already", status, decided_by)


def _owe_outcome(
    session: Session, request: ReferenceRequest, status: str, now: dt.datetime
) -> tuple[str, ...]:
    outcome = f"outcome:{request.id}:{status}"
    refresh = f"refresh:{request.id}:{status}"
    deliveries.enqueue(
        session,
        key=outcome,
        kind=OUTCOME,
        recipient=request.requester_id,
        now=now,
        request_id=request.id,
        data={"status": status},
    )
    deliveries.enqueue(
        session, key=refresh, kind=REFRESH, recipient=request.requester_id, now=now, request_id=request.id
    )
    homes = home_refresh.owe_for_decision(session, request.id, request.requester_id, status, now)
    return (outcome, refresh, *homes)


def cancel(
    db: Database, request_id: int, *, actor_id: str, admins: frozenset[str], now: dt.datetime
) -> Decided:
    """The requester (or an admin) withdraws a pending request; the deciders' messages say so."""
    with db.transaction() as session:
        request = session.get(ReferenceRequest, request_id, with_for_update=True)
        if request is None:
            raise LookupError(f"no request {request_id}")
        if actor_id != request.requester_id and actor_id not in admins:
            raise NotAllowed(f"<@{request.requester_id}> (who asked) or a program admin")
        won = session.execute(
            update(ReferenceRequest)
            .where(ReferenceRequest.id == request.id, ReferenceRequest.status == RequestStatus.PENDING)
            .values(status=RequestStatus.CANCELLED, decided_by=actor_id, decided_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not won:
            return _already(session, request.id)
        refresh = f"refresh:{request.id}:{RequestStatus.CANCELLED}"
        deliveries.enqueue(
            session, key=refresh, kind=REFRESH, recipient=request.requester_id, now=now, request_id=request.id
        )
        homes = home_refresh.owe_for_decision(
            session, request.id, request.requester_id, RequestStatus.CANCELLED, now
        )
        return Decided(
            request.id, RequestStatus.CANCELLED, RequestStatus.CANCELLED, actor_id, (refresh, *homes)
        )


def card(
    db: Database, policy: Policy, request_id: int, today: dt.date, history: int = 5
) -> RequestCard | None:
    with db.transaction(readonly=True) as session:
        request = session.get(ReferenceRequest, request_id)
        if request is None:
            return None
        account = session.get_one(Account, request.account_id)
        advocate = session.get(Advocate, request.advocate_id) if request.advocate_id else None
        activity = policy.activities.get(request.activity)
        entries = ledger.history(session, account_id=account.id, limit=history)
        return RequestCard(
            id=request.id,
            status=request.status,
            account_id=account.id,
            account_name=account.name,
            account_industry=account.industry,
            owner_id=account.owner_slack_id,
            requester_id=request.requester_id,
            activity=request.activity,
            activity_name=activity.name if activity else request.activity,
            cost=request.cost,
            advocate_name=advocate.name if advocate else None,
            advocate_title=advocate.title if advocate else None,
            advocate_email=advocate.email if advocate else None,
            opportunity_name=request.opportunity_name,
            amount=request.amount,
            crm_link=request.crm_link,
            prospect_industry=request.prospect_industry,
            needed_by=request.needed_by,
            context=request.context,
            created_at=request.created_at,
            decided_by=request.decided_by,
            decided_at=request.decided_at,
            decision_reason=request.decision_reason,
            override_reason=request.override_reason,
            balance=ledger.balance(session, policy.opening_balance, account.id),
            history=[HistoryLine(e.kind, e.item, e.amount, e.occurred_on, e.actor_id) for e in entries],
            checks=_checks(session, policy, request, today)
            if request.status == RequestStatus.PENDING
            else [],
        )


def _checks(session: Session, policy: Policy, request: ReferenceRequest, today: dt.date) -> list[RuleResult]:
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


def advocates_for(db: Database, account_id: int, activity: str | None) -> list[AdvocateOption]:
    """The account's advocates, only those willing to do `activity` when one is chosen."""
    with db.transaction(readonly=True) as session:
        rows = session.scalars(
            select(Advocate).where(Advocate.account_id == account_id).order_by(Advocate.name)
        )
        return [
            AdvocateOption(a.id, a.name, a.title, tuple(a.activity_keys))
            for a in rows
            if activity is None or activity in a.activity_keys
        ]


def alternatives(db: Database, policy: Policy, request_id: int, limit: int = 3) -> list[Alternative]:
    """Other active accounts in the same industry that can afford the same ask, best first."""
    with db.transaction(readonly=True) as session:
        request = session.get_one(ReferenceRequest, request_id)
        account = session.get_one(Account, request.account_id)
        industries = {account.industry_key}
        if request.prospect_industry:
            industries.add(" ".join(request.prospect_industry.split()).casefold())
        candidates = list(
            session.scalars(
                select(Account).where(
                    Account.id != account.id,
                    Account.status == "active",
                    Account.industry_key.in_(sorted(i for i in industries if i)),
                )
            )
        )
        balances = ledger.balances(session, policy.opening_balance, [c.id for c in candidates])
        willing: dict[int, int] = {}
        for advocate in session.scalars(
            select(Advocate).where(Advocate.account_id.in_([c.id for c in candidates]))
        ):
            if request.activity in advocate.activity_keys:
                willing[advocate.account_id] = willing.get(advocate.account_id, 0) + 1
        fits = [
            Alternative(
                c.id, c.name, c.industry, balances.get(c.id, policy.opening_balance), willing.get(c.id, 0)
            )
            for c in candidates
            if balances.get(c.id, policy.opening_balance) - request.cost >= 0
        ]
        fits.sort(key=lambda a: (-min(a.willing_advocates, 1), -a.balance, a.name.casefold()))
        return fits[:limit]
