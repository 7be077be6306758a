"""Writing the ledger: posting an entry (the one writer of entries and of the kept balances),
reversing one, an ask made to stand or not, and reading entries back.

These helpers work inside a caller's transaction; the service functions that own transactions
live in the modules that use them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.ledger import kept
from store.models import Account, Delivery, EntryKind, LedgerEntry

T = TypeVar("T")
#: the largest id an integer primary key holds on both databases
ID_MAX = 2**31 - 1


@dataclass(frozen=True)
class EntryView:
    id: int
    account_id: int
    advocate_id: int | None
    kind: str
    amount: int
    item: str | None
    request_id: int | None
    reverses_id: int | None
    note: str
    reason: str | None
    actor_id: str
    occurred_on: dt.date
    created_at: dt.datetime

    @classmethod
    def of(cls, entry: LedgerEntry) -> EntryView:
        return cls(
            entry.id,
            entry.account_id,
            entry.advocate_id,
            entry.kind,
            entry.amount,
            entry.item,
            entry.request_id,
            entry.reverses_id,
            entry.note,
            entry.reason,
            entry.actor_id,
            entry.occurred_on,
            entry.created_at,
        )


def post(
    session: Session,
    *,
    account_id: int,
    kind: EntryKind,
    amount: int,
    actor_id: str,
    now: dt.datetime,
    occurred_on: dt.date,
    advocate_id: int | None = None,
    item: str | None = None,
    request_id: int | None = None,
    reverses_id: int | None = None,
    note: str = "",
    reason: str | None = None,
) -> LedgerEntry:
    """Append one entry and add it to its account's kept balance, in the caller's transaction.
    The sign is the kind's: asks debit, gives credit."""
    if kind is EntryKind.ASK and amount > 0:
        raise ValueError("an ask is a debit: amount must be ≤ 0")
    if kind is EntryKind.GIVE and amount < 0:
        raise ValueError("a give is a credit: amount must be ≥ 0")
    if kind is EntryKind.REVERSAL and reverses_id is None:
        raise ValueError("a reversal names the entry it reverses")
    if kind is EntryKind.ADJUSTMENT and not (reason or "").strip():
        raise ValueError("an adjustment needs a written reason")
    entry = LedgerEntry(
        account_id=account_id,
        advocate_id=advocate_id,
        kind=kind,
        amount=amount,
        item=item,
        request_id=request_id,
        reverses_id=reverses_id,
        note=note,
        reason=reason,
        actor_id=actor_id,
        occurred_on=occurred_on,
        created_at=now,
    )
    session.add(entry)
    session.flush()
    kept.keep(session, account_id, amount, asked_on=occurred_on if kind is EntryKind.ASK else None)
    return entry


class RecordedMeanwhile(Exception):
    """A twin of this submission (Slack sent it twice, at once) claimed its key first.

    Raised inside the transaction so the entry just posted is rolled back; the caller runs once
    more and finds the twin's entry by its key (`recorded_entry`).
    """


def once_per_key(attempt: Callable[[], T]) -> T:
    """Run `attempt`, a transaction that posts an entry once per key; when a twin took the key
    meanwhile, run it again: this time it finds the twin's entry instead of posting."""
    try:
        return attempt()
    except RecordedMeanwhile:
        return attempt()


def recorded_entry(session: Session, keys: Iterable[str]) -> int | None:
    """The entry an earlier submission posted, found by the delivery it owed under one of `keys`.

    An entry posted once per submitted form is keyed by the outbox row of its receipt: the row
    is written in the entry's transaction, so the key is taken exactly when the entry exists.
    """
    data = session.scalar(select(Delivery.data).where(Delivery.key.in_(list(keys))).limit(1))
    entry_id = (data or {}).get("entry_id")
    return entry_id if isinstance(entry_id, int) else None


def chosen_account(session: Session, account_id: int | None, errors: dict[str, str]) -> Account | None:
    """The account a form posts an entry for; what is wrong with the choice goes in `errors`.

    An id beyond the column's range (a forged form) names no account: asking the database would
    be an error there (PostgreSQL's integer, SQLite's 64 bits), not an answer.
    """
    if account_id is None:
        errors["account"] = "Pick an account."
        return None
    account = session.get(Account, account_id) if 0 < account_id <= ID_MAX else None
    if account is None:
        errors["account"] = "That account no longer exists. Pick another one."
    return account


def reverse(
    session: Session, original: LedgerEntry, *, actor_id: str, now: dt.datetime, today: dt.date, reason: str
) -> LedgerEntry:
    """Undo `original` by a new entry pointing back at it (the schema allows one per entry)."""
    return post(
        session,
        account_id=original.account_id,
        advocate_id=original.advocate_id,
        kind=EntryKind.REVERSAL,
        amount=-original.amount,
        item=original.item,
        request_id=original.request_id,
        reverses_id=original.id,
        actor_id=actor_id,
        now=now,
        occurred_on=today,
        note=f"reverses entry {original.id}",
        reason=reason,
    )


def set_ask_standing(
    session: Session,
    request_id: int,
    standing: bool,
    *,
    actor_id: str,
    now: dt.datetime,
    today: dt.date,
    reason: str,
) -> LedgerEntry | None:
    """Make a request's ask stand (a customer's "yes" after a "no") or not (a "no", a fall-through).

    An ask's chain is the ask and the reversals that each undo the one before: reversing the
    chain's latest entry flips it, insert-only. Each entry can be reversed once (the schema says
    so), so a twin flip fails rather than flipping twice. Returns the new entry, or None when the
    request has no ask or the ask already is as asked.
    """
    in_chain = LedgerEntry.kind.in_([EntryKind.ASK, EntryKind.REVERSAL])
    chain = session.scalars(
        select(LedgerEntry).where(LedgerEntry.request_id == request_id, in_chain).order_by(LedgerEntry.id)
    ).all()
    if not chain or chain[0].kind != EntryKind.ASK:
        return None
    stands = len(chain) % 2 == 1
    if stands == standing:
        return None
    return reverse(session, chain[-1], actor_id=actor_id, now=now, today=today, reason=reason)


def history(
    session: Session, *, account_id: int | None = None, advocate_id: int | None = None, limit: int = 20
) -> list[EntryView]:
    """Newest first."""
    query = select(LedgerEntry).order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc()).limit(limit)
    if account_id is not None:
        query = query.where(LedgerEntry.account_id == account_id)
    if advocate_id is not None:
        query = query.where(LedgerEntry.advocate_id == advocate_id)
    return [EntryView.of(entry) for entry in session.scalars(query)]


def last_occurred(session: Session, account_id: int, kind: EntryKind) -> dt.date | None:
    return session.scalar(
        select(func.max(LedgerEntry.occurred_on)).where(
            LedgerEntry.account_id == account_id, LedgerEntry.kind == kind
        )
    )
