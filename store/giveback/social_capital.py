"""What an account received in the last 12 months, by the kind of social capital it builds.

A balance says how much was given back; it does not say *what*. An account that got three betas
and never any recognition has a healthy balance and a lopsided relationship, so owners see the
gives grouped by the policy's groups (affiliation, learning, reputation, status, say in product,
business) and the groups it never got. Offers use the same figures to prefer accounts missing
the group an offer builds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.db import Database
from store.models import EntryKind, LedgerEntry
from store.rules.policy import Policy

#: the window the breakdown covers
WINDOW_DAYS = 365


@dataclass(frozen=True)
class GroupLine:
    """One group an account received: how many gives, their points, and the last one's day."""

    group: str
    gives: int
    credit: int
    last_on: dt.date


@dataclass(frozen=True)
class SocialCapital:
    account_id: int
    #: the groups received in the window, in the policy's order
    received: tuple[GroupLine, ...]
    #: the policy's groups received nothing of in the window
    missing: tuple[str, ...]

    def has(self, group: str) -> bool:
        return any(line.group == group for line in self.received)


def since(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=WINDOW_DAYS)


def breakdowns_in(
    session: Session, policy: Policy, account_ids: Iterable[int], today: dt.date
) -> dict[int, SocialCapital]:
    """The breakdown of every account in `account_ids` (one grouped query), inside a transaction."""
    ids = list(account_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(
            LedgerEntry.account_id,
            LedgerEntry.item,
            func.count(),
            func.coalesce(func.sum(LedgerEntry.amount), 0),
            func.max(LedgerEntry.occurred_on),
        )
        .where(
            LedgerEntry.account_id.in_(ids),
            LedgerEntry.kind == EntryKind.GIVE,
            LedgerEntry.occurred_on >= since(today),
        )
        .group_by(LedgerEntry.account_id, LedgerEntry.item)
    ).all()
    groups = list(policy.value_groups())
    per_account: dict[int, dict[str, tuple[int, int, dt.date]]] = {i: {} for i in ids}
    for account_id, item, count, credit, last_on in rows:
        value = policy.values.get(item or "")
        if value is None:  # a value type removed from the policy since: not a known group
            continue
        gives, points, last = per_account[account_id].get(value.group, (0, 0, last_on))
        per_account[account_id][value.group] = (gives + int(count), points + int(credit), max(last, last_on))
    result = {}
    for account_id, received in per_account.items():
        lines = tuple(GroupLine(g, *received[g]) for g in groups if g in received)
        result[account_id] = SocialCapital(account_id, lines, tuple(g for g in groups if g not in received))
    return result


def breakdown(db: Database, policy: Policy, account_id: int, today: dt.date) -> SocialCapital:
    with db.transaction(readonly=True) as session:
        return breakdowns_in(session, policy, [account_id], today)[account_id]


def breakdowns(
    db: Database, policy: Policy, account_ids: Iterable[int], today: dt.date
) -> dict[int, SocialCapital]:
    with db.transaction(readonly=True) as session:
        return breakdowns_in(session, policy, account_ids, today)
