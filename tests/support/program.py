"""A small reference program for end-to-end tests, imported through the real CLI."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from store import ledger
from store.db import Database
from store.models import Account, Advocate, Delivery, DeliveryStatus, EntryKind
from tests.support.database import open_database
from tests.support.server import run_cli

ACCOUNTS_CSV = """name,industry,segment,region,products,owner_email,crm_id,renewal_date,status
Acme Corp,Fintech,Enterprise,EMEA,Payments;Risk,olivia@example.com,A-1,,active
Globex,Fintech,Mid-market,NA,Payments,oscar@example.com,G-1,,active
Hooli,Fintech,Enterprise,NA,Risk,oscar@example.com,H-1,,active
Initech,Fintech,SMB,NA,Payments,ghost@example.com,I-1,,active
Umbrella,Healthcare,Enterprise,EMEA,Risk,olivia@example.com,U-1,,paused
"""

ADVOCATES_CSV = """account,name,title,email,activities
A-1,Jane Doe,VP Engineering,jane@acme.example,reference_call;case_study;webinar
A-1,Sam Roe,CTO,sam@acme.example,logo;quote
G-1,Gina Lopez,Head of Payments,gina@globex.example,reference_call
H-1,Hank Moe,CIO,hank@hooli.example,reference_call;case_study
"""


@dataclass
class Program:
    db_url: str
    accounts: dict[str, int]
    advocates: dict[str, int]

    def database(self) -> Database:
        return open_database(self.db_url)

    def balance(self, name: str, opening: int = 3) -> int:
        db = self.database()
        try:
            with db.transaction() as session:
                return ledger.balance(session, opening, self.accounts[name])
        finally:
            db.dispose()

    def wait_balance(self, name: str, expected: int, timeout: float = 10) -> int:
        """The balance once it is `expected` (decisions are recorded just after the ack), or at timeout."""
        deadline = time.monotonic() + timeout
        while True:
            balance = self.balance(name)
            if balance == expected or time.monotonic() > deadline:
                return balance
            time.sleep(0.1)

    def wait_owed_nothing(self, timeout: float = 10) -> None:
        """Until the outbox owes nothing (every message sent, or come to nothing); fails at timeout
        naming what is still owed."""
        db = self.database()
        try:
            deadline = time.monotonic() + timeout
            while True:
                with db.transaction(readonly=True) as session:
                    owed = session.execute(
                        select(Delivery.key, Delivery.status, Delivery.last_error).where(
                            Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING])
                        )
                    ).all()
                if not owed or time.monotonic() > deadline:
                    assert not owed, f"still owed: {owed}"
                    return
                time.sleep(0.1)
        finally:
            db.dispose()

    def adjust(self, name: str, amount: int, actor: str, reason: str = "test set-up") -> None:
        db = self.database()
        now = dt.datetime.now(dt.UTC)
        try:
            with db.transaction() as session:
                ledger.post(
                    session,
                    account_id=self.accounts[name],
                    kind=EntryKind.ADJUSTMENT,
                    amount=amount,
                    actor_id=actor,
                    now=now,
                    occurred_on=now.date(),
                    reason=reason,
                )
        finally:
            db.dispose()

    def give(self, name: str, value: str, done: str, actor: str) -> dt.date:
        """Value delivered to the account (as the log modal records it), a month ago; its day."""
        db = self.database()
        now = dt.datetime.now(dt.UTC)
        on = now.date() - dt.timedelta(days=30)
        try:
            with db.transaction() as session:
                ledger.post(
                    session,
                    account_id=self.accounts[name],
                    kind=EntryKind.GIVE,
                    amount=3,
                    item=value,
                    actor_id=actor,
                    now=now,
                    occurred_on=on,
                    note=done,
                )
        finally:
            db.dispose()
        return on

    def set_owner(self, name: str, slack_id: str | None) -> None:
        """As if the CRM named an owner who has since left Slack (the id no longer resolves)."""
        db = self.database()
        try:
            with db.transaction() as session:
                session.get_one(Account, self.accounts[name]).owner_slack_id = slack_id
        finally:
            db.dispose()


def over_asked_accounts(db: Database, owner_ids: list[str], now: dt.datetime) -> None:
    """One account per owner, asked once (a 3-point debit) and given nothing: each owes a nudge."""
    with db.transaction() as session:
        for i, owner in enumerate(owner_ids):
            account = Account(
                name=f"Account {i}",
                name_key=f"account {i}",
                owner_slack_id=owner,
                created_at=now,
                updated_at=now,
            )
            session.add(account)
            session.flush()
            ledger.post(
                session,
                account_id=account.id,
                kind=EntryKind.ASK,
                amount=-3,
                actor_id=owner,
                now=now,
                occurred_on=now.date(),
            )


def seed_program(env: dict[str, str], workdir: Path) -> Program:
    accounts_file = workdir / "accounts.csv"
    advocates_file = workdir / "advocates.csv"
    accounts_file.write_text(ACCOUNTS_CSV)
    advocates_file.write_text(ADVOCATES_CSV)
    for what, path in (("accounts", accounts_file), ("advocates", advocates_file)):
        done = run_cli(env, "import", what, str(path))
        assert done.returncode == 0, done.stderr
    db = open_database(env["DATABASE_URL"])
    try:
        with db.transaction() as session:
            accounts = {a.name: a.id for a in session.scalars(select(Account))}
            advocates = {a.name: a.id for a in session.scalars(select(Advocate))}
    finally:
        db.dispose()
    return Program(env["DATABASE_URL"], accounts, advocates)
