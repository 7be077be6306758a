"""What an account was asked, on both databases: every ask in the window, less those that fell
through (a reversal chain of odd length, or an ask of no request reversed), for a list of
accounts or a subquery of them."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store import ledger
from store.db import Database
from store.models import Account, EntryKind, LedgerEntry
from tests.store.ledger.test_entries import ADMIN, NOW, OWNER, TODAY, add_account, add_request, ask


def loose_ask(session: Session, account_id: int, cost: int, on: dt.date) -> LedgerEntry:
    """An ask of no request (the simulator's, an import's): reversed by pointing at it."""
    return ledger.post(
        session,
        account_id=account_id,
        kind=EntryKind.ASK,
        amount=-cost,
        item="logo",
        actor_id=OWNER,
        now=NOW,
        occurred_on=on,
    )


def test_asked_since_counts_the_asks_that_stand_in_the_window(db: Database) -> None:
    since = TODAY - dt.timedelta(days=365)
    with db.transaction() as session:
        acme, globex, initech = (add_account(session, n) for n in ("Acme", "Globex", "Initech"))
        ask(session, acme, add_request(session, acme), 3)
        fell = ask(session, acme, add_request(session, acme), 5)
        ledger.reverse(session, fell, actor_id=OWNER, now=NOW, today=TODAY, reason="fell through")
        back = ask(session, acme, add_request(session, acme), 2)  # a no, then a yes after all
        ledger.set_ask_standing(
            session, back.request_id, False, actor_id=OWNER, now=NOW, today=TODAY, reason="no"
        )
        ledger.set_ask_standing(
            session, back.request_id, True, actor_id=OWNER, now=NOW, today=TODAY, reason="yes"
        )
        loose_ask(session, globex, 4, TODAY)
        undone = loose_ask(session, globex, 1, TODAY)
        ledger.reverse(session, undone, actor_id=ADMIN, now=NOW, today=TODAY, reason="posted twice")
        loose_ask(session, globex, 7, since - dt.timedelta(days=1))  # before the window
        only = ask(session, initech, add_request(session, initech), 3)
        ledger.reverse(session, only, actor_id=OWNER, now=NOW, today=TODAY, reason="withdrawn")

    with db.transaction(readonly=True) as session:
        everyone = [acme, globex, initech]
        assert ledger.asked_since(session, everyone, since) == {acme: 3 + 2, globex: 4}
        named = sa.select(Account.id).where(Account.name.in_(["Acme", "Initech"]))
        assert ledger.asked_since(session, named, since) == {acme: 5}
        assert ledger.asked_since(session, [], since) == {}
