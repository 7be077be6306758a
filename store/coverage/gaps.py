"""Closing the gaps: once a week, each named gap asks the owners of the accounts it fits, where
nobody can be asked for it now, to nominate someone (flow 21).

An owner gets one DM a week whatever the number of gaps and accounts (its key names the owner and
the ISO week), however often the job runs and on however many replicas. An account in a gap that
cannot afford the ask is marked low on equity: its DM suggests offers first, since a new advocate
there could not be asked either until something is given back.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select

from store import ledger
from store.coverage.figures import DEFAULT_DAYS, Coverage, coverage
from store.db import Database
from store.giveback.nudges import period
from store.models import Account
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.outbox.payloads import GapAsk, GapAsksPayload
from store.rules.policy import Policy


def gap_asks(cover: Coverage, policy: Policy) -> dict[str, list[GapAsk]]:
    """Per owner in Slack: each gap with their active accounts in it that nobody can be asked at."""
    owed: dict[str, list[GapAsk]] = {}
    labels_at = [i for i, dimension in enumerate(cover.by) if dimension != "activity"]
    for gap in cover.gaps:
        activity = cover.activity_of(gap)
        cost = policy.activity(activity).cost if activity in policy.activities else 0
        by_owner: dict[str, list[int]] = {}
        for account_id in sorted(cover.accounts_of(gap)):
            place = cover.supply.places[account_id]
            nobody = not cover.supply.advocates(activity, {account_id})
            if place.active and place.owner_id and nobody:
                by_owner.setdefault(place.owner_id, []).append(account_id)
        for owner, account_ids in by_owner.items():
            low = tuple(a for a in account_ids if cover.supply.places[a].balance < cost)
            owed.setdefault(owner, []).append(
                GapAsk(
                    labels=tuple(gap.labels[i] for i in labels_at),
                    activity=activity or "",
                    needed=gap.needed,
                    filled=gap.filled,
                    supply=gap.supply,
                    account_ids=tuple(account_ids),
                    low_ids=low,
                )
            )
    return owed


def owe_gap_asks(
    db: Database, policy: Policy, *, now: dt.datetime, today: dt.date, tz: zoneinfo.ZoneInfo
) -> list[str]:
    """Claim this week's DM for every owner with accounts in a gap; returns the keys it added."""
    since = today - dt.timedelta(days=DEFAULT_DAYS)
    owed = gap_asks(coverage(db, policy, since=since, today=today, tz=tz), policy)
    week = period(today)
    keys = []
    with db.transaction() as session:
        for owner in sorted(owed):
            key = f"{DeliveryKind.COVERAGE_GAPS}:{owner}:{week}"
            if queue.enqueue(
                session,
                key=key,
                kind=DeliveryKind.COVERAGE_GAPS,
                recipient=owner,
                now=now,
                payload=GapAsksPayload(week, since, tuple(owed[owner])),
            ):
                keys.append(key)
    return keys


@dataclass(frozen=True)
class GapAccount:
    account_id: int
    name: str
    balance: int


def gap_accounts(db: Database, policy: Policy, account_ids: Collection[int]) -> dict[int, GapAccount]:
    """The accounts a gap DM names, with their balance as it is when the DM is sent."""
    with db.transaction(readonly=True) as session:
        rows = session.execute(select(Account.id, Account.name).where(Account.id.in_(account_ids))).all()
        balances = ledger.balances(session, policy.opening_balance, [row.id for row in rows])
    return {
        row.id: GapAccount(row.id, row.name, balances.get(row.id, policy.opening_balance)) for row in rows
    }
