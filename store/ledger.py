"""The equity ledger: insert-only entries whose sum (plus the opening balance) is the balance.

These helpers work inside a caller's transaction; the service functions that own transactions
live in the modules that use them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

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
    """Append one entry. The sign is the kind's: asks debit, gives credit."""
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


def ask_stands(as_of: dt.datetime | None = None) -> ColumnElement[bool]:
    """Whether the ask on the row being read stands (as it stood at `as_of`), for the rows being read only.

    A request's ask stands when the request has an even number of reversals (each undoes the
    chain's entry before it); an ask of no request stands while nothing reverses it. The test is
    correlated to the row, so it costs an index look-up per ask read, not a pass over every
    reversal in the ledger (which made every checklist cost a scan of the whole ledger).
    """
    entry, reversal = LedgerEntry, aliased(LedgerEntry)
    recorded = [reversal.created_at <= as_of] if as_of is not None else []
    reversals = (
        select(func.count())
        .where(reversal.kind == EntryKind.REVERSAL, reversal.request_id == entry.request_id, *recorded)
        .correlate(entry)
        .scalar_subquery()
    )
    undone = select(reversal.id).where(reversal.reverses_id == entry.id, *recorded).correlate(entry).exists()
    return or_(
        and_(entry.request_id.is_not(None), reversals % 2 == 0),
        and_(entry.request_id.is_(None), ~undone),
    )


def balances(
    session: Session,
    opening: int,
    account_ids: Iterable[int] | Select[Any] | None = None,
    *,
    as_of: dt.datetime | None = None,
    priced_by: Mapping[str, int] | None = None,
) -> dict[int, int]:
    """Balance per account; accounts without entries are absent (their balance is `opening`).

    `account_ids` may be a subquery of ids, so a search over thousands of accounts sums only their
    entries without shipping the ids back and forth. The policy simulator asks for the balance as
    it stood at `as_of`, with every ask (and the reversal of one) at its activity's cost in
    `priced_by` (activity key → cost, a proposed policy's).
    """
    amount = LedgerEntry.amount if priced_by is None else priced_amount(priced_by)
    query = select(LedgerEntry.account_id, func.sum(amount)).group_by(LedgerEntry.account_id)
    if as_of is not None:
        query = query.where(LedgerEntry.created_at <= as_of)
    if isinstance(account_ids, Select):
        query = query.where(LedgerEntry.account_id.in_(account_ids))
    elif account_ids is not None:
        ids = list(account_ids)
        if not ids:
            return {}
        query = query.where(LedgerEntry.account_id.in_(ids))
    return {account_id: opening + int(total or 0) for account_id, total in session.execute(query)}


def priced_amount(costs: Mapping[str, int]) -> ColumnElement[int]:
    """An entry's amount had its ask been priced at `costs` (activity key → cost): an ask debits
    the activity's cost there, the reversal of an ask credits it back and the reversal of that
    reversal debits it again; gives, adjustments and activities without a cost keep their amount."""
    cost = case(dict(costs), value=LedgerEntry.item, else_=func.abs(LedgerEntry.amount))
    return case(
        (LedgerEntry.kind == EntryKind.ASK, -cost),
        ((LedgerEntry.kind == EntryKind.REVERSAL) & (LedgerEntry.amount > 0), cost),
        ((LedgerEntry.kind == EntryKind.REVERSAL) & (LedgerEntry.amount < 0), -cost),
        else_=LedgerEntry.amount,
    )


def balance(session: Session, opening: int, account_id: int) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(LedgerEntry.account_id == account_id)
    )
    return opening + int(total or 0)


def advocate_balance(session: Session, advocate_id: int) -> int:
    """What was asked of and given to one person (no opening balance: people are not accounts)."""
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(LedgerEntry.advocate_id == advocate_id)
    )
    return int(total or 0)


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


def asked_since(session: Session, account_ids: Iterable[int], since: dt.date) -> dict[int, int]:
    """Points asked per account since `since`; an ask that fell through (reversed) is not counted.

    Accounts never asked in the window are absent. Offers rank the over-asked by it and find puts
    the less-asked first among equals.
    """
    ids = list(account_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(LedgerEntry.account_id, func.sum(LedgerEntry.amount))
        .where(
            LedgerEntry.account_id.in_(ids),
            LedgerEntry.kind == EntryKind.ASK,
            LedgerEntry.occurred_on >= since,
            ask_stands(),
        )
        .group_by(LedgerEntry.account_id)
    )
    return {account_id: -int(total or 0) for account_id, total in rows}
