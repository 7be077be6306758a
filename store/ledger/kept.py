"""Each account's balance kept beside the ledger, and the check that it still is the ledger's sum.

`entries.post` adds every entry's amount to its account's kept sum in the entry's own transaction,
so a balance is read as one row however long the history (find reads thousands at once). The
same row counts the account's asks since a day (`asked`, `asked_since`), which `roll` moves to
the start of the window once a day: find's "asked in the last 12 months" is then read from the
row too, instead of summed from a range of entries per account (a quarter of a second for
10,000 accounts on PostgreSQL). The entries stay the truth: `verify` recomputes every sum and
every current count from them (`refdesk ledger verify`) and `rebuild` rewrites the kept sums
and counts from them, for a database whose entries were loaded around the app (a bulk load, a hand-made
fix).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Insert,
    bindparam,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from store.db import Database
from store.ledger.sums import asked_in_window
from store.models import Account, KeptBalance, LedgerEntry

#: accounts counted afresh in one transaction of `roll` (SQLite's writers wait for it meanwhile)
ROLL_CHUNK = 1_000
#: a bound on `roll`'s transactions, so it ends however many rows appear meanwhile
MAX_ROLL_CHUNKS = 1_000


def keep(session: Session, account_id: int, amount: int, asked_on: dt.date | None = None) -> None:
    """Add `amount` to the account's kept sum, creating it at the first entry; an ask
    (`asked_on`: the day it occurred) also counts in the kept asks when it falls in their window.

    One atomic statement on both databases (an upsert that adds to the row it finds), so two
    transactions posting to one account at once each add theirs: on PostgreSQL the second waits
    for the first's row lock, on SQLite writers already take turns. A new row counts no asks
    since no day: find sums its asks from the entries until `roll` counts them.
    """
    statement = _upsert(session.get_bind().dialect.name, counts_ask=asked_on is not None)
    session.execute(statement, {"account_id": account_id, "amount": amount, "asked_on": asked_on})


@functools.cache
def _upsert(dialect: str, *, counts_ask: bool) -> Insert:
    """`keep`'s statement, built once per database and kind of entry (building it took a good part
    of a ledger post's time), its values bound at each call."""
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = upsert(KeptBalance).values(
        account_id=bindparam("account_id"), total=bindparam("amount"), asked=0
    )
    counted: ColumnElement[int] = literal(0)
    if counts_ask:
        counted = case((KeptBalance.asked_since <= bindparam("asked_on"), -statement.excluded.total), else_=0)
    return statement.on_conflict_do_update(
        index_elements=[KeptBalance.account_id],
        set_={"total": KeptBalance.total + statement.excluded.total, "asked": KeptBalance.asked + counted},
    )


def roll(db: Database, since: dt.date, chunk: int = ROLL_CHUNK) -> int:
    """Count every account's asks from `since` (the first day of today's window), `chunk` accounts
    a transaction; returns how many were counted afresh (those already counted from `since` are
    left as they are, so a second run the same day does nothing).

    Each chunk locks its rows first and counts in the next statement: on PostgreSQL an ask posted
    meanwhile either committed before the lock (and is in the count) or adds itself after it.
    """
    stale = or_(KeptBalance.asked_since.is_(None), KeptBalance.asked_since != since)
    rolled = 0
    for _ in range(MAX_ROLL_CHUNKS):
        with db.transaction() as session:
            ids = list(
                session.scalars(
                    select(KeptBalance.account_id)
                    .where(stale)
                    .order_by(KeptBalance.account_id)
                    .limit(chunk)
                    .with_for_update()
                )
            )
            if not ids:
                break
            session.execute(
                update(KeptBalance)
                .where(KeptBalance.account_id.in_(ids))
                .values(asked=asked_in_window(KeptBalance.account_id, since), asked_since=since)
            )
        rolled += len(ids)
    return rolled


@dataclass(frozen=True)
class Difference:
    """An account whose kept sum is not the sum of its entries, or (`asked_since`) whose kept
    count of asks since that day is not what its asks since then add up to."""

    account_id: int
    name: str
    kept: int
    entries: int
    asked_since: dt.date | None = None


@dataclass(frozen=True)
class Verified:
    """What `verify` read: how many accounts have entries, how many entries, and what differs."""

    accounts: int
    entries: int
    differences: list[Difference]


def verify(db: Database) -> Verified:
    """Recompute every account's sum from its entries and compare it with the kept one (read-only).

    Both sides are read by one statement, so the comparison is of one moment on both databases
    (PostgreSQL gives each statement its own snapshot): entries posted meanwhile are no difference.
    """
    both = union_all(
        select(KeptBalance.account_id, KeptBalance.total.label("kept"), literal(0), literal(0)),
        select(LedgerEntry.account_id, literal(0), LedgerEntry.amount, literal(1)),
    ).subquery()
    account, kept, summed, count = both.c
    with db.transaction(readonly=True) as session:
        rows = session.execute(
            select(account, func.sum(kept), func.sum(summed), func.sum(count)).group_by(account)
        ).all()
        unequal = {int(row[0]): (int(row[1]), int(row[2])) for row in rows if row[1] != row[2]}
        counted = session.execute(
            select(
                KeptBalance.account_id,
                KeptBalance.asked,
                asked_in_window(KeptBalance.account_id, KeptBalance.asked_since),
                KeptBalance.asked_since,
            ).where(KeptBalance.asked_since.is_not(None))
        ).all()
        miscounted = [row for row in counted if row[1] != row[2]]
        ids = [*unequal, *(row[0] for row in miscounted)]
        names = {
            account_id: name
            for account_id, name in session.execute(
                select(Account.id, Account.name).where(Account.id.in_(ids))
            )
        }
    differences = [
        Difference(account_id, names.get(account_id, ""), kept_total, entries_total)
        for account_id, (kept_total, entries_total) in sorted(unequal.items())
    ] + [
        Difference(account_id, names.get(account_id, ""), int(asked), int(summed), since)
        for account_id, asked, summed, since in sorted(miscounted)
    ]
    return Verified(sum(1 for row in rows if row[3]), sum(int(row[3]) for row in rows), differences)


def rebuild(db: Database) -> list[int]:
    """Rewrite every kept sum from the entries, and every count of asks from the asks since the
    day it counts from, in one transaction (find keeps reading the counts; an account whose
    entries were all deleted keeps a row of 0).

    Entries of an account that no longer exists (deleted in SQL with foreign keys off) have no sum
    to keep: they are left as they are, and the ids of those accounts returned, for a person to
    restore the account or delete its entries.
    """
    entry = aliased(LedgerEntry)
    with db.transaction() as session:
        orphaned = list(
            session.scalars(
                select(LedgerEntry.account_id)
                .where(LedgerEntry.account_id.not_in(select(Account.id)))
                .distinct()
                .order_by(LedgerEntry.account_id)
            )
        )
        session.execute(
            update(KeptBalance).values(
                total=select(func.coalesce(func.sum(entry.amount), 0))
                .where(entry.account_id == KeptBalance.account_id)
                .scalar_subquery()
            )
        )
        session.execute(
            insert(KeptBalance).from_select(
                ["account_id", "total"],
                select(LedgerEntry.account_id, func.sum(LedgerEntry.amount))
                .where(
                    LedgerEntry.account_id.not_in(select(KeptBalance.account_id)),
                    LedgerEntry.account_id.in_(select(Account.id)),
                )
                .group_by(LedgerEntry.account_id),
            )
        )
        session.execute(
            update(KeptBalance)
            .where(KeptBalance.asked_since.is_not(None))
            .values(asked=asked_in_window(KeptBalance.account_id, KeptBalance.asked_since))
        )
    return orphaned
