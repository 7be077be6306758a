"""The asks the advocate rules and the capped activity's quota count, read from the ledger for
`store.rules.facts`: reversed asks left out, by account when an ask named nobody, else by
advocate.

Today's read is built once (`store.rules.prepared`): building it afresh (a correlated test of
reversals, three conditional counts) cost about a millisecond of every decision's checklist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, case, func, select, true
from sqlalchemy.orm import Session

from store import ledger
from store.models import EntryKind, LedgerEntry
from store.periods import quarter_start
from store.rules import prepared
from store.rules.policy import Policy
from store.rules.prepared import Ids


@dataclass(frozen=True)
class Asks:
    """One advocate's asks (or an account's asks that named nobody) that the advocate rules count."""

    last_on: dt.date | None = None
    in_window: int = 0
    this_quarter: int = 0

    def __add__(self, other: Asks) -> Asks:
        lasts = [day for day in (self.last_on, other.last_on) if day is not None]
        return Asks(
            max(lasts, default=None), self.in_window + other.in_window, self.this_quarter + other.this_quarter
        )


def counted(
    session: Session, policy: Policy, account_ids: Ids, today: dt.date, as_of: dt.datetime | None
) -> tuple[dict[int, int], dict[int, Asks], dict[tuple[int, int], Asks]]:
    """The capped activity's asks this quarter by account; the asks the advocate rules count by
    account when they named nobody, else by (account, advocate).

    Only asks recent enough to matter are read: within the advocates' window, their rest period or
    this quarter, whichever reaches furthest back.
    """
    rules = policy.rules
    quarter = quarter_start(today)
    window_start = today - dt.timedelta(days=rules.advocate_window_days)
    query, ids = _statement(account_ids, as_of)
    rows = session.execute(
        query,
        {
            **ids,
            "quarter": quarter,
            "window_start": window_start,
            "since": min(quarter, window_start, today - dt.timedelta(days=rules.advocate_rest_days)),
            "capped": rules.capped_activity,
        },
    )
    capped_by_account: dict[int, int] = {}
    unnamed: dict[int, Asks] = {}
    named: dict[tuple[int, int], Asks] = {}
    for account_id, advocate_id, last_on, in_window, capped_count, this_quarter in rows:
        capped_by_account[account_id] = capped_by_account.get(account_id, 0) + int(capped_count)
        asks = Asks(last_on, int(in_window), int(this_quarter))
        if advocate_id is None:
            unnamed[account_id] = asks
        else:
            named[(account_id, advocate_id)] = asks
    return capped_by_account, unnamed, named


@prepared.for_ids
def _statement(account_ids: Any, as_of: dt.datetime | None) -> Select[Any]:
    quarter = bindparam("quarter", type_=LedgerEntry.occurred_on.type)
    window_start = bindparam("window_start", type_=LedgerEntry.occurred_on.type)
    capped = (LedgerEntry.item == bindparam("capped", type_=LedgerEntry.item.type)) & (
        LedgerEntry.occurred_on >= quarter
    )
    return (
        select(
            LedgerEntry.account_id,
            LedgerEntry.advocate_id,
            func.max(LedgerEntry.occurred_on),
            func.count(case((LedgerEntry.occurred_on >= window_start, 1))),
            func.count(case((capped, 1))),
            func.count(case((LedgerEntry.occurred_on >= quarter, 1))),
        )
        .where(
            LedgerEntry.account_id.in_(account_ids),
            LedgerEntry.kind == EntryKind.ASK,
            LedgerEntry.occurred_on >= bindparam("since", type_=LedgerEntry.occurred_on.type),
            ledger.ask_stands(as_of=as_of),
            LedgerEntry.created_at <= as_of if as_of is not None else true(),
        )
        .group_by(LedgerEntry.account_id, LedgerEntry.advocate_id)
    )
