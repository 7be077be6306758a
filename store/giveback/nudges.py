"""The weekly nudge: which owners owe their accounts some value back, or have promoters to nominate.

It asks each owner about the accounts that were asked more than they were given lately, or were
given nothing at all, and names their NPS promoters who are not advocates yet; the nudge itself is
an outbox row keyed by owner and ISO week, so it is owed once per week whichever replica (or
`refdesk jobs run`) decides it first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from store import ledger, promoters
from store.db import Database
from store.models import Account, AccountStatus, EntryKind, LedgerEntry
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.outbox.payloads import NudgePayload
from store.rules.policy import Policy


@dataclass(frozen=True)
class NudgeLine:
    """One account an owner should give something back to, with this window's figures.

    Counts beside the sums, because "2 asks (8 points)" is what a program manager reads; an ask
    that fell through (reversed) is neither counted nor summed.
    """

    account_id: int
    name: str
    balance: int
    #: how many asks in the window, and their points
    asks: int
    asked: int
    #: how many gives in the window, and their points
    gives: int
    given: int
    last_give_on: dt.date | None


@dataclass(frozen=True)
class OwedNudge:
    owner_id: str
    key: str
    account_ids: tuple[int, ...]


def period(today: dt.date) -> str:
    """The ISO week a weekly nudge belongs to, e.g. `2026-W48`."""
    year, week, _ = today.isocalendar()
    return f"{year}-W{week:02d}"


def _figures(
    session: Session, policy: Policy, account_ids: list[int], since: dt.date
) -> dict[int, NudgeLine]:
    """Asks and gives per account since `since` (how many, how many points), with balances: one
    grouped query each. An ask reversed since (it fell through) no longer counts."""
    if not account_ids:
        return {}
    in_window = LedgerEntry.occurred_on >= since
    standing = ledger.ask_stands()
    standing_ask = and_(in_window, LedgerEntry.kind == EntryKind.ASK, standing)
    give = and_(in_window, LedgerEntry.kind == EntryKind.GIVE)
    last_give = func.max(case((LedgerEntry.kind == EntryKind.GIVE, LedgerEntry.occurred_on), else_=None))
    rows = {
        account_id: (int(asks or 0), -int(asked or 0), int(gives or 0), int(given or 0), last)
        for account_id, asks, asked, gives, given, last in session.execute(
            select(
                LedgerEntry.account_id,
                func.count(case((standing_ask, LedgerEntry.id), else_=None)),
                func.sum(case((standing_ask, LedgerEntry.amount), else_=0)),
                func.count(case((give, LedgerEntry.id), else_=None)),
                func.sum(case((give, LedgerEntry.amount), else_=0)),
                last_give,
            )
            .where(LedgerEntry.account_id.in_(account_ids))
            .group_by(LedgerEntry.account_id)
        )
    }
    balances = ledger.balances(session, policy.opening_balance, account_ids)
    lines = {}
    for account_id, name in session.execute(
        select(Account.id, Account.name).where(Account.id.in_(account_ids)).order_by(Account.name_key)
    ):
        asks, asked, gives, given, last = rows.get(account_id, (0, 0, 0, 0, None))
        balance = balances.get(account_id, policy.opening_balance)
        lines[account_id] = NudgeLine(account_id, name, balance, asks, asked, gives, given, last)
    return lines


def nudge_lines(db: Database, policy: Policy, account_ids: list[int], since: dt.date) -> list[NudgeLine]:
    """The nudge's accounts with their figures as of now (the nudge is rendered when it is sent)."""
    with db.transaction(readonly=True) as session:
        lines = _figures(session, policy, account_ids, since)
        return sorted(lines.values(), key=lambda line: (line.balance, line.name.casefold()))


def owing_accounts(db: Database, policy: Policy, today: dt.date) -> dict[str, list[NudgeLine]]:
    """Per owner in Slack: accounts asked more than given in the window, or given nothing in it.

    An account younger than the window has not been neglected yet, so only its asks count.
    Accounts marked do-not-contact are left alone: giving back is contact too.
    """
    window = dt.timedelta(days=policy.rules.give_back_days)
    since = today - window
    with db.transaction(readonly=True) as session:
        accounts = list(
            session.execute(
                select(Account.id, Account.owner_slack_id, Account.created_at).where(
                    Account.owner_slack_id.is_not(None), Account.status != AccountStatus.DO_NOT_CONTACT
                )
            )
        )
        figures = _figures(session, policy, [a.id for a in accounts], since)
    owed: dict[str, list[NudgeLine]] = {}
    for account_id, owner_id, created_at in accounts:
        line = figures[account_id]
        neglected = line.given == 0 and created_at.date() <= since
        if line.asked > line.given or neglected:
            owed.setdefault(owner_id, []).append(line)
    for lines in owed.values():
        lines.sort(key=lambda line: (line.balance, line.name.casefold()))
    return owed


def owe_nudges(db: Database, policy: Policy, *, now: dt.datetime, today: dt.date) -> list[OwedNudge]:
    """Claim this week's nudge for every owner who has something to give, or promoters to nominate
    (`store.promoters`, read again when it is sent); returns the new claims."""
    since = today - dt.timedelta(days=policy.rules.give_back_days)
    week = period(today)
    owed = owing_accounts(db, policy, today)
    owners = set(owed) | promoters.owners_with_promoters(db, today)
    claimed: list[OwedNudge] = []
    with db.transaction() as session:
        for owner_id in sorted(owners):
            ids = tuple(line.account_id for line in owed.get(owner_id, []))
            key = f"nudge:{owner_id}:{week}"
            if queue.enqueue(
                session,
                key=key,
                kind=DeliveryKind.NUDGE,
                recipient=owner_id,
                now=now,
                payload=NudgePayload(ids, since, week),
            ):
                claimed.append(OwedNudge(owner_id, key, ids))
    return claimed
