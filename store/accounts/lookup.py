"""Accounts as the rest of the program sees them: rows with their balance, search, advocates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from store import ledger
from store.db import Database
from store.models import Account, Advocate, EntryKind, LedgerEntry, normalize
from store.rules import advocates
from store.rules.checklist import DatesOff
from store.rules.policy import Policy


@dataclass(frozen=True)
class AccountRow:
    id: int
    name: str
    industry: str
    segment: str
    region: str
    products: str
    crm_id: str | None
    owner_email: str | None
    owner_slack_id: str | None
    status: str
    renewal_date: dt.date | None
    balance: int
    last_ask_on: dt.date | None


@dataclass(frozen=True)
class AdvocateOption:
    id: int
    name: str
    title: str
    activities: tuple[str, ...]
    #: their dates not to ask ending today or later, soonest first (read when a day is given)
    dates_off: tuple[DatesOff, ...] = ()


@dataclass(frozen=True)
class AccountChoice:
    """One line of a type-ahead answer."""

    id: int
    name: str
    industry: str
    crm_id: str | None


def list_accounts(db: Database, policy: Policy) -> list[AccountRow]:
    with db.transaction(readonly=True) as session:
        return _rows(session, policy, select(Account).order_by(Account.name_key))


def get_account(db: Database, policy: Policy, account_id: int) -> AccountRow | None:
    with db.transaction(readonly=True) as session:
        rows = _rows(session, policy, select(Account).where(Account.id == account_id))
        return rows[0] if rows else None


def _rows(session: Session, policy: Policy, query: Select[tuple[Account]]) -> list[AccountRow]:
    accounts = list(session.scalars(query))
    ids = [account.id for account in accounts]
    balances = (
        ledger.balances(session, policy.opening_balance, ids)
        if len(ids) < 1000
        else ledger.balances(session, policy.opening_balance)
    )
    last_asks = dict(
        session.execute(
            select(LedgerEntry.account_id, func.max(LedgerEntry.occurred_on))
            .where(LedgerEntry.kind == EntryKind.ASK)
            .group_by(LedgerEntry.account_id)
        ).all()
    )
    return [
        AccountRow(
            id=account.id,
            name=account.name,
            industry=account.industry,
            segment=account.segment,
            region=account.region,
            products=account.products,
            crm_id=account.crm_id,
            owner_email=account.owner_email,
            owner_slack_id=account.owner_slack_id,
            status=account.status,
            renewal_date=account.renewal_date,
            balance=balances.get(account.id, policy.opening_balance),
            last_ask_on=last_asks.get(account.id),
        )
        for account in accounts
    ]


def choice(db: Database, account_id: int) -> AccountChoice | None:
    with db.transaction(readonly=True) as session:
        row = session.execute(
            select(Account.id, Account.name, Account.industry, Account.crm_id).where(Account.id == account_id)
        ).first()
        return AccountChoice(*row) if row else None


def search_accounts(db: Database, text: str, limit: int = 100) -> list[AccountChoice]:
    """Accounts whose name, industry or CRM id contains `text`; names that start with it first."""
    needle = normalize(text)
    with db.transaction(readonly=True) as session:
        query = select(Account.id, Account.name, Account.industry, Account.crm_id)
        if needle:
            pattern = f"%{_escape_like(needle)}%"
            query = query.where(
                or_(
                    Account.name_key.like(pattern, escape="\\"),
                    Account.industry_key.like(pattern, escape="\\"),
                    Account.crm_key.like(pattern, escape="\\"),
                )
            ).order_by(Account.name_key.notlike(f"{_escape_like(needle)}%", escape="\\"), Account.name_key)
        else:
            query = query.order_by(Account.name_key)
        return [AccountChoice(*row) for row in session.execute(query.limit(limit))]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def advocates_for(
    db: Database, account_id: int, activity: str | None, today: dt.date | None = None
) -> list[AdvocateOption]:
    """The account's advocates (those removed from the program left out), only those willing to
    do `activity` when one is chosen; with `today`, each with their dates not to ask ahead."""
    with db.transaction(readonly=True) as session:
        rows = [
            a
            for a in session.scalars(
                select(Advocate)
                .where(Advocate.account_id == account_id, Advocate.forgotten_at.is_(None))
                .order_by(Advocate.name)
            )
            if activity is None or activity in a.activity_keys
        ]
        off = advocates.dates_off(session, [a.id for a in rows], today) if today is not None else {}
        return [
            AdvocateOption(a.id, a.name, a.title, tuple(a.activity_keys), off.get(a.id, ())) for a in rows
        ]
