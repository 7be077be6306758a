"""Reading the ledger's sums: balances (kept, or summed as of a moment and priced by a proposed
policy), what an account was asked, whether an ask stands.

Today's balance is the kept one (`store.ledger.kept`), one row per account; the policy simulator's
balance as it stood at an ask, priced its way, is summed from the entries, which stay the truth.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, Row, ScalarSelect, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from store.models import Account, EntryKind, KeptBalance, LedgerEntry


def ask_stands(as_of: dt.datetime | None = None) -> ColumnElement[bool]:
    """Whether the ask on the row being read stands (as it stood at `as_of`), for the rows being read only.

    A request's ask stands when the request has an even number of reversals (each undoes the
    chain's entry before it); an ask of no request stands while nothing reverses it. The test is
    correlated to the row, so it costs an index look-up per ask read, not a pass over every
    reversal in the ledger (which made every checklist cost a scan of the whole ledger).

    Today's test is built once: building it (an alias, two correlated subqueries) cost about a
    millisecond of every decision's checklist (`cProfile` of `decide()`, docs/performance.md).
    """
    return _standing_today() if as_of is None else _standing(as_of)


@functools.cache
def _standing_today() -> ColumnElement[bool]:
    return _standing(None)


def _standing(as_of: dt.datetime | None) -> ColumnElement[bool]:
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


#: account ids: a list, or a subquery so that thousands of ids stay in the database
Ids = Iterable[int] | Select[Any]


def balances(
    session: Session,
    opening: int,
    account_ids: Ids | None = None,
    *,
    as_of: dt.datetime | None = None,
    priced_by: Mapping[str, int] | None = None,
) -> dict[int, int]:
    """Balance per account; accounts without entries are absent (their balance is `opening`).

    Today's balances are the kept sums, one row per account. The policy simulator asks for the
    balance as it stood at `as_of`, with every ask (and the reversal of one) at its activity's cost
    in `priced_by` (activity key → cost, a proposed policy's): that one is summed from the entries.
    """
    if as_of is None and priced_by is None:
        account, total = KeptBalance.account_id, KeptBalance.total
        query = select(account, total)
    else:
        amount = LedgerEntry.amount if priced_by is None else priced_amount(priced_by)
        account, total = LedgerEntry.account_id, func.sum(amount)
        query = select(account, total).group_by(account)
        if as_of is not None:
            query = query.where(LedgerEntry.created_at <= as_of)
    if account_ids is not None:
        within = _within(account, account_ids)
        if within is None:
            return {}
        query = query.where(within)
    return {account_id: opening + int(summed or 0) for account_id, summed in _rows(session, query)}


def _rows(session: Session, query: Select[Any]) -> list[Row[Any]]:
    """A sum's rows, read on the session's connection: thousands of plain rows (find's) cost more
    in the ORM's result machinery than in the database. Everything they sum is already written
    (`entries.post` flushes its entry and keeps its sum at once), so nothing waits to be flushed."""
    return list(session.connection().execute(query))


def _within(column: Any, account_ids: Ids) -> ColumnElement[bool] | None:
    """`column IN account_ids`; None when the list is empty (nothing can match)."""
    if isinstance(account_ids, Select):
        return column.in_(account_ids)
    ids = list(account_ids)
    return column.in_(ids) if ids else None


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
    total = session.scalar(select(KeptBalance.total).where(KeptBalance.account_id == account_id))
    return opening + int(total or 0)


def advocate_balance(session: Session, advocate_id: int) -> int:
    """What was asked of and given to one person (no opening balance: people are not accounts)."""
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(LedgerEntry.advocate_id == advocate_id)
    )
    return int(total or 0)


def asked_since(session: Session, account_ids: Ids, since: dt.date) -> dict[int, int]:
    """Points asked per account since `since`; an ask that fell through (reversed) is not counted.

    Accounts never asked in the window are absent. Offers rank the over-asked by it and find puts
    the less-asked first among equals (find reads the same two parts inside its own query).
    """
    within = _within(Account.id, account_ids)
    if within is None:
        return {}
    fell = fallen_through(session, since)
    asked = {
        account_id: int(total) - fell.get(account_id, 0)
        for account_id, total in _rows(
            session, select(Account.id, asked_in_window(Account.id, since)).where(within)
        )
    }
    return {account_id: total for account_id, total in asked.items() if total}


def asked_in_window(
    account: ColumnElement[int], since: dt.date | ColumnElement[dt.date]
) -> ScalarSelect[int]:
    """The points of every ask of `account` (a column of the row being read) since `since`, those
    that fell through included: one range of `ix_ledger_entries_account_kind_occurred`, which
    carries the amount, so thousands of accounts are summed from the index alone."""
    entry = aliased(LedgerEntry)
    return (
        select(func.coalesce(-func.sum(entry.amount), 0))
        .where(entry.account_id == account, entry.kind == EntryKind.ASK, entry.occurred_on >= since)
        .scalar_subquery()
    )


def kept_asked(account: ColumnElement[int], since: dt.date) -> ColumnElement[int]:
    """`asked_in_window` of `account`, read from its kept row where that counts from `since`
    (the daily `asks-window` job's day), else summed from the entries. The statement outer-joins
    `KeptBalance` on `account`; an account without a row has no entries."""
    return case(
        (KeptBalance.account_id.is_(None), 0),
        (KeptBalance.asked_since == since, KeptBalance.asked),
        else_=asked_in_window(account, since),
    )


def fallen_through(session: Session, since: dt.date) -> dict[int, int]:
    """Per account, the points of its asks since `since` that no longer stand: what
    `asked_in_window` counts too many. Few, and read through the reversals: an ask that does not
    stand has been reversed itself (a chain's first reversal reverses its ask)."""
    reversal = aliased(LedgerEntry)
    touched = select(reversal.reverses_id).where(reversal.kind == EntryKind.REVERSAL)
    rows = _rows(
        session,
        select(LedgerEntry.account_id, func.sum(LedgerEntry.amount))
        .where(
            LedgerEntry.id.in_(touched),
            LedgerEntry.kind == EntryKind.ASK,
            LedgerEntry.occurred_on >= since,
            ~ask_stands(),
        )
        .group_by(LedgerEntry.account_id),
    )
    return {account_id: -int(total or 0) for account_id, total in rows}


def kept_total(account: ColumnElement[int]) -> ScalarSelect[int]:
    """The kept sum of `account`'s entries (a column of the row being read), 0 without entries."""
    return (
        select(func.coalesce(func.max(KeptBalance.total), 0))
        .where(KeptBalance.account_id == account)
        .scalar_subquery()
    )
