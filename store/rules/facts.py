"""The facts the rule checklist needs, read from the database: for many accounts, or one request.

There is one way to compute each fact, shared by the lifecycle (`submit` and `decide` must know
whether a ⛔ rule blocks), the request card (it shows the checklist) and find (it ranks accounts by
the checklist's verdicts): a rule cannot pass in one place and block in another.

An ask that names no advocate was made of someone at the account, and the ledger cannot say whom,
so it counts against each of the account's advocates: the rest and the cap protect people, and
the cautious reading is the one that cannot over-ask anybody.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select, true
from sqlalchemy.orm import Session

from store import ledger
from store.models import (
    Account,
    Advocate,
    EntryKind,
    LedgerEntry,
    ReferenceRequest,
    RequestStatus,
)
from store.rules import advocates, asks, prepared
from store.rules.checklist import PolicyFacts, RuleResult, checklist
from store.rules.policy import Policy
from store.rules.prepared import Ids


@dataclass(frozen=True)
class AccountFacts:
    """One account's facts for an ask that names nobody, and the same facts for each advocate."""

    account: PolicyFacts
    #: advocate id → the account's facts with that advocate's asks
    advocates: dict[int, PolicyFacts]


def checks_for(
    session: Session, policy: Policy, request: ReferenceRequest, today: dt.date
) -> list[RuleResult]:
    """The checklist for `request` as things stand today."""
    return checklist(policy, facts_for(session, policy, request, today))


def facts_for(session: Session, policy: Policy, request: ReferenceRequest, today: dt.date) -> PolicyFacts:
    """The facts for one request: those of its account, naming its advocate if it names one.

    The request itself is not "another pending request" for its own account.
    """
    return facts_for_ask(
        session,
        policy,
        request.account_id,
        today,
        activity=request.activity,
        cost=request.cost,
        advocate_id=request.advocate_id,
        excluding_request=request.id,
        needed_by=request.needed_by,
    )


def checks_for_requests(
    session: Session, policy: Policy, requests: Collection[ReferenceRequest], today: dt.date
) -> dict[int, list[RuleResult]]:
    """The checklist of each request as things stand today, in a fixed number of queries per
    kind of ask (activity and cost) rather than per request: a list of requests (App Home,
    status) shows each one's ⛔ without reading the facts once per line."""
    # requests naming an advocate apart from those naming none: an account's "nobody to ask" is
    # read over its advocates still in the program, never over one a request names
    groups: dict[tuple[str, int, bool], list[ReferenceRequest]] = {}
    for request in requests:
        groups.setdefault((request.activity, request.cost, request.advocate_id is None), []).append(request)
    checks: dict[int, list[RuleResult]] = {}
    for (activity, cost, _), group in groups.items():
        named = {r.advocate_id for r in group if r.advocate_id is not None}
        unnamed = {r.account_id for r in group if r.advocate_id is None}
        found = facts_for_accounts(
            session,
            policy,
            {r.account_id for r in group},
            today,
            activity=activity,
            cost=cost,
            advocate_ids=select(Advocate.id).where(
                Advocate.id.in_(named) | Advocate.id.in_(_everyone_at(unnamed))
            ),
        )
        for request in group:
            if request.account_id not in found:
                continue
            account = found[request.account_id]
            facts = (
                account.advocates.get(request.advocate_id, account.account)
                if request.advocate_id
                else account.account
            )
            others = facts.other_pending_requests
            if request.status == RequestStatus.PENDING:  # the request is not "another" pending one
                others = max(0, others - 1)
            facts = dataclasses.replace(facts, other_pending_requests=others, needed_by=request.needed_by)
            checks[request.id] = checklist(policy, facts)
    return checks


def facts_for_ask(
    session: Session,
    policy: Policy,
    account_id: int,
    today: dt.date,
    *,
    activity: str | None,
    cost: int,
    advocate_id: int | None,
    excluding_request: int | None = None,
    needed_by: dt.date | None = None,
) -> PolicyFacts:
    """The facts of one ask of an account, naming `advocate_id` if not None (a request, or a draft
    of one before it is saved), needed by `needed_by` if it says; an ask that names nobody reads
    every advocate of the account, to know whether anyone can be asked."""
    found = facts_for_accounts(
        session,
        policy,
        [account_id],
        today,
        activity=activity,
        cost=cost,
        advocate_ids=[advocate_id] if advocate_id is not None else _everyone_at([account_id]),
        excluding_request=excluding_request,
    )[account_id]
    facts = found.advocates.get(advocate_id, found.account) if advocate_id is not None else found.account
    return dataclasses.replace(facts, needed_by=needed_by)


def facts_of_each_advocate(
    session: Session, policy: Policy, request: ReferenceRequest, today: dt.date
) -> dict[int, PolicyFacts]:
    """The facts of asking each advocate at the request's account instead, needed by its date."""
    found = facts_for_accounts(
        session,
        policy,
        [request.account_id],
        today,
        activity=request.activity,
        cost=request.cost,
        advocate_ids=_everyone_at([request.account_id]),
        excluding_request=request.id,
    )[request.account_id]
    return {
        advocate: dataclasses.replace(facts, needed_by=request.needed_by)
        for advocate, facts in found.advocates.items()
    }


def facts_for_accounts(
    session: Session,
    policy: Policy,
    account_ids: Ids,
    today: dt.date,
    *,
    activity: str | None,
    cost: int,
    advocate_ids: Ids = (),
    excluding_request: int | None = None,
    as_of: dt.datetime | None = None,
) -> dict[int, AccountFacts]:
    """The facts of asking each account for `activity` at `cost`, in a fixed number of queries.

    `advocate_ids` names the advocates to read facts for (find: those willing to do the activity);
    ids of advocates at other accounts are ignored. Accounts that do not exist are absent.

    `as_of` (the policy simulator) reads the history as it stood at that moment, priced by
    `policy`: only entries recorded before it, requests pending then, every ask and reversal at
    `policy`'s cost of its activity, the advocates' answers given by then (so their rests begun by
    then), their last rating before it, the dates they had set not to be asked and the NPS answers
    imported by then. An account's status and renewal date, and the activities an advocate agreed
    to, are today's: their past values are not kept; nor are an answer's earlier values once it
    was changed.
    """
    rows = session.execute(*_accounts(account_ids, None)).all()
    if not rows:
        return {}
    balances = ledger.balances(
        session, policy.opening_balance, account_ids, as_of=as_of, priced_by=policy.costs() if as_of else None
    )
    pending = _pending_counts(session, account_ids, excluding_request, as_of)
    last_of: dict[tuple[int, str], dt.date] = {
        (account_id, kind): last_on
        for account_id, kind, last_on in session.execute(*_last_of(account_ids, as_of))
    }
    capped, unnamed, named = asks.counted(session, policy, account_ids, today, as_of)
    says = advocates.said(session, advocate_ids, today, as_of)
    dates_off = advocates.dates_off(session, advocate_ids, today, as_of)
    nps = advocates.nps_facts(session, policy.rules, account_ids, today, as_of)
    by_account: dict[int, list[tuple[int, str, int | None, str]]] = {}
    for advocate_id, account_id, name, limit, activities in session.execute(
        select(
            Advocate.id, Advocate.account_id, Advocate.name, Advocate.asks_per_quarter, Advocate.activities
        )
        .where(Advocate.id.in_(advocate_ids), Advocate.account_id.in_(account_ids))
        .order_by(Advocate.name, Advocate.id)
    ):
        by_account.setdefault(account_id, []).append((advocate_id, name, limit, activities))

    facts: dict[int, AccountFacts] = {}
    for row in rows:
        base = PolicyFacts(
            today=today,
            activity=activity,
            cost=cost,
            balance=balances.get(row.id, policy.opening_balance),
            account_status=row.status,
            renewal_date=row.renewal_date,
            other_pending_requests=pending.get(row.id, 0),
            capped_asks_this_quarter=capped.get(row.id, 0),
            last_give_on=last_of.get((row.id, EntryKind.GIVE)),
            first_ask=(row.id, EntryKind.ASK) not in last_of,
            account_name=row.name,
            nps=nps.get(row.id),
        )
        by_advocate: dict[int, PolicyFacts] = {}
        for advocate_id, name, limit, activities in by_account.get(row.id, []):
            counts = unnamed.get(row.id, asks.Asks()) + named.get((row.id, advocate_id), asks.Asks())
            by_advocate[advocate_id] = dataclasses.replace(
                base,
                advocate_name=name,
                advocate_last_ask_on=counts.last_on,
                advocate_asks_in_window=counts.in_window,
                advocate_asks_this_quarter=counts.this_quarter,
                advocate_limit=limit,
                advocate_activities=tuple(key for key in activities.split(";") if key),
                advocate_dates_off=dates_off.get(advocate_id, ()),
                **says.get(advocate_id, {}),
            )
        nobody = advocates.nobody_to_ask(policy, by_advocate)
        facts[row.id] = AccountFacts(dataclasses.replace(base, nobody_to_ask=nobody), by_advocate)
    return facts


@prepared.for_ids
def _accounts(account_ids: Any, as_of: dt.datetime | None) -> Select[Any]:
    """The accounts' own facts (their status and renewal date are today's, whatever `as_of`)."""
    return select(Account.id, Account.name, Account.status, Account.renewal_date).where(
        Account.id.in_(account_ids)
    )


@prepared.for_ids
def _last_of(account_ids: Any, as_of: dt.datetime | None) -> Select[Any]:
    """The day of each account's last give and last ask (recorded by `as_of`)."""
    recorded = LedgerEntry.created_at <= as_of if as_of is not None else true()
    return (
        select(LedgerEntry.account_id, LedgerEntry.kind, func.max(LedgerEntry.occurred_on))
        .where(
            LedgerEntry.account_id.in_(account_ids),
            LedgerEntry.kind.in_([EntryKind.GIVE, EntryKind.ASK]),
            recorded,
        )
        .group_by(LedgerEntry.account_id, LedgerEntry.kind)
    )


def _everyone_at(account_ids: Collection[int]) -> Select[Any]:
    """The advocates of the accounts an ask could reach (those removed from the program are not)."""
    return select(Advocate.id).where(Advocate.account_id.in_(account_ids), Advocate.forgotten_at.is_(None))


def _pending_counts(
    session: Session, account_ids: Ids, excluding_request: int | None, as_of: dt.datetime | None
) -> dict[int, int]:
    """Pending requests per account; `as_of`: made before then and not yet decided then."""
    if as_of is None:
        pending = ReferenceRequest.status == RequestStatus.PENDING
    else:
        undecided = ReferenceRequest.decided_at.is_(None) | (ReferenceRequest.decided_at > as_of)
        pending = (ReferenceRequest.created_at < as_of) & undecided
    query = (
        select(ReferenceRequest.account_id, func.count())
        .where(ReferenceRequest.account_id.in_(account_ids), pending)
        .group_by(ReferenceRequest.account_id)
    )
    if excluding_request is not None:
        query = query.where(ReferenceRequest.id != excluding_request)
    return {account_id: int(count) for account_id, count in session.execute(query)}
