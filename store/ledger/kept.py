"""Each account's balance kept beside the ledger, and the check that it still is the ledger's sum.

`entries.post` adds every entry's amount to its account's kept sum in the entry's own transaction,
so a balance is read as one row however long the history (find reads thousands at once). The
entries stay the truth: `differences` recomputes every sum from them (`refdesk ledger verify`)
and `rebuild` rewrites the kept sums from them, for a database whose entries were loaded around
the app (a bulk load, a hand-made fix).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, insert, literal, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.db import Database
from store.models import Account, KeptBalance, LedgerEntry


def keep(session: Session, account_id: int, amount: int) -> None:
    """Add `amount` to the account's kept sum, creating it at the first entry.

    One atomic statement on both databases (an upsert that adds to the row it finds), so two
    transactions posting to one account at once each add theirs: on PostgreSQL the second waits
    for the first's row lock, on SQLite writers already take turns.
    """
    upsert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = upsert(KeptBalance).values(account_id=account_id, total=amount)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[KeptBalance.account_id],
            set_={"total": KeptBalance.total + statement.excluded.total},
        )
    )


@dataclass(frozen=True)
class Difference:
    """An account whose kept sum is not the sum of its entries."""

    account_id: int
    name: str
    kept: int
    entries: int


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
        names = {
            account_id: name
            for account_id, name in session.execute(
                select(Account.id, Account.name).where(Account.id.in_(list(unequal)))
            )
        }
    differences = [
        Difference(account_id, names.get(account_id, ""), kept_total, entries_total)
        for account_id, (kept_total, entries_total) in sorted(unequal.items())
    ]
    return Verified(sum(1 for row in rows if row[3]), sum(int(row[3]) for row in rows), differences)


def rebuild(db: Database) -> None:
    """Rewrite every kept sum from the entries, in one transaction."""
    with db.transaction() as session:
        session.execute(delete(KeptBalance))
        session.execute(
            insert(KeptBalance).from_select(
                ["account_id", "total"],
                select(LedgerEntry.account_id, func.sum(LedgerEntry.amount)).group_by(LedgerEntry.account_id),
            )
        )
