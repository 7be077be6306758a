"""Willing supply: who the program could ask, per activity, by the approver's own checklist.

An advocate counts for an activity when they are willing to do it and no ⛔ rule blocks asking
them for it: not resting, not capped (the policy's cap and their own), not in a blackout, not
asked to stop, on an active account that can afford the ask. Whatever rule the checklist gains
(blackout dates, say) counts here without a change. The facts are read in one batch per activity
(`facts_for_accounts`), never account by account.

A later day (`refdesk coverage plan`: "by 1 March") is the same question asked of the checklist
on that day — rests ended, older asks out of the window, a new quarter — with each balance
grown by what the program's give-back rate would add by then.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store import ledger
from store.models import Account, AccountStatus, Advocate, EntryKind, LedgerEntry, normalize
from store.rules.checklist import PolicyFacts, checklist, is_blocked
from store.rules.facts import facts_for_accounts
from store.rules.policy import Policy
from store.rules.willing import willing_to

#: the window the program's give-back rate is measured over
GIVE_BACK_WINDOW_DAYS = 90


@dataclass(frozen=True)
class Place:
    """An account where coverage places supply: what it is, who owns it, what it can afford."""

    account_id: int
    name: str
    owner_id: str | None
    industry: str
    segment: str
    region: str
    #: normalized product names
    products: frozenset[str]
    balance: int
    active: bool

    def key(self, dimension: str) -> str:
        """The account's normalized value of a coverage dimension (segment, industry, region)."""
        return normalize(getattr(self, dimension))


@dataclass(frozen=True)
class Supply:
    """Every account, and who at each the checklist lets the program ask, per activity."""

    places: dict[int, Place]
    #: activity key → account id → the ids of its advocates who can be asked for it
    askable: dict[str, dict[int, frozenset[int]]]

    def advocates(self, activity: str | None, account_ids: set[int]) -> set[int]:
        """The advocates at `account_ids` who can be asked for `activity` (None: for any)."""
        keys = [activity] if activity is not None else list(self.askable)
        return {
            advocate
            for key in keys
            for account_id, people in self.askable.get(key, {}).items()
            if account_id in account_ids
            for advocate in people
        }


def give_back_rate(session: Session, today: dt.date) -> float:
    """Points given back per account per day over the last `GIVE_BACK_WINDOW_DAYS`: the program's
    measured pace, which a short balance can count on to recover."""
    since = today - dt.timedelta(days=GIVE_BACK_WINDOW_DAYS)
    given = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.kind == EntryKind.GIVE,
            LedgerEntry.occurred_on > since,
            LedgerEntry.occurred_on <= today,
        )
    )
    accounts = session.scalar(select(func.count()).select_from(Account)) or 0
    return float(given or 0) / accounts / GIVE_BACK_WINDOW_DAYS if accounts else 0.0


def places(session: Session, policy: Policy) -> dict[int, Place]:
    rows = session.execute(
        select(
            Account.id,
            Account.name,
            Account.owner_slack_id,
            Account.industry,
            Account.segment,
            Account.region,
            Account.products,
            Account.status,
        )
    ).all()
    balances = ledger.balances(session, policy.opening_balance, [row.id for row in rows])
    return {
        row.id: Place(
            account_id=row.id,
            name=row.name,
            owner_id=row.owner_slack_id,
            industry=row.industry,
            segment=row.segment,
            region=row.region,
            products=frozenset(normalize(p) for p in row.products.split(";") if p.strip()),
            balance=balances.get(row.id, policy.opening_balance),
            active=row.status == AccountStatus.ACTIVE,
        )
        for row in rows
    }


def supply_on(
    session: Session,
    policy: Policy,
    today: dt.date,
    *,
    day: dt.date | None = None,
    recovery: float = 0.0,
    only: Collection[str] | None = None,
) -> Supply:
    """Who can be asked for each activity (those in `only`, if given) today, or on a later `day`
    with each balance grown by `recovery` points a day until then."""
    day = day or today
    bonus = int(recovery * max((day - today).days, 0))
    found = places(session, policy)
    askable: dict[str, dict[int, frozenset[int]]] = {}
    for activity in policy.activities.values():
        if only is not None and activity.key not in only:
            continue
        willing = select(Advocate.id).where(willing_to(activity.key))
        accounts = select(Advocate.account_id).where(willing_to(activity.key))
        facts = facts_for_accounts(
            session, policy, accounts, day, activity=activity.key, cost=activity.cost, advocate_ids=willing
        )
        by_account: dict[int, frozenset[int]] = {}
        for account_id, account in facts.items():
            people = frozenset(
                advocate_id
                for advocate_id, fact in account.advocates.items()
                if not is_blocked(checklist(policy, _with_bonus(fact, bonus)))
            )
            if people:
                by_account[account_id] = people
        askable[activity.key] = by_account
    return Supply(found, askable)


def _with_bonus(fact: PolicyFacts, bonus: int) -> PolicyFacts:
    return dataclasses.replace(fact, balance=fact.balance + bonus) if bonus else fact
