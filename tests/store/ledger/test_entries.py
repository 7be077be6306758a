"""The equity ledger on both databases: the balance is the opening balance plus the entries,
nothing is edited, and the schema refuses a second debit or a second reversal."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store import ledger
from store.accounts.lookup import normalize
from store.db import Database
from store.models import Account, Advocate, EntryKind, LedgerEntry, ReferenceRequest
from store.rules.policy import Policy

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
OWNER = "U0OWNER01"
ADMIN = "U0ADMIN01"


def add_account(session: Session, name: str) -> int:
    account = Account(
        name=name,
        name_key=normalize(name),
        industry="Fintech",
        industry_key="fintech",
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(account)
    session.flush()
    return account.id


def add_advocate(session: Session, account_id: int, name: str) -> int:
    advocate = Advocate(account_id=account_id, name=name, person_key=normalize(name))
    session.add(advocate)
    session.flush()
    return advocate.id


def add_request(session: Session, account_id: int, activity: str = "reference_call", cost: int = 3) -> int:
    request = ReferenceRequest(
        account_id=account_id, requester_id="U0SELLER1", activity=activity, cost=cost, created_at=NOW
    )
    session.add(request)
    session.flush()
    return request.id


def ask(session: Session, account_id: int, request_id: int, cost: int, *, advocate_id: int | None = None):
    return ledger.post(
        session,
        account_id=account_id,
        advocate_id=advocate_id,
        kind=EntryKind.ASK,
        amount=-cost,
        item="reference_call",
        request_id=request_id,
        actor_id=OWNER,
        now=NOW,
        occurred_on=TODAY,
    )


def give(session: Session, account_id: int, credit: int, *, advocate_id: int | None = None, at=NOW):
    return ledger.post(
        session,
        account_id=account_id,
        advocate_id=advocate_id,
        kind=EntryKind.GIVE,
        amount=credit,
        item="award",
        actor_id=OWNER,
        now=at,
        occurred_on=at.date(),
        note="Customer of the year",
    )


def test_a_new_account_starts_at_the_policy_opening_balance(db: Database, policy: Policy) -> None:
    with db.transaction() as session:
        account_id = add_account(session, "Acme")

    with db.transaction() as session:
        assert policy.opening_balance == 3
        assert ledger.balance(session, policy.opening_balance, account_id) == 3
        # accounts without entries are absent from `balances`: their balance is the opening one
        assert ledger.balances(session, policy.opening_balance) == {}


def test_asks_debit_gives_credit_adjustments_and_reversals_add_up(db: Database, policy: Policy) -> None:
    with db.transaction() as session:
        account_id = add_account(session, "Acme")
        request_id = add_request(session, account_id)
        debit = ask(session, account_id, request_id, 3)
        give(session, account_id, 4)
        ledger.post(
            session,
            account_id=account_id,
            kind=EntryKind.ADJUSTMENT,
            amount=-2,
            actor_id=ADMIN,
            now=NOW,
            occurred_on=TODAY,
            reason="Asked for a quote outside the desk",
        )
        assert ledger.balance(session, policy.opening_balance, account_id) == 3 - 3 + 4 - 2
        ledger.reverse(session, debit, actor_id=OWNER, now=NOW, today=TODAY, reason="The call fell through")

    with db.transaction() as session:
        assert ledger.balance(session, policy.opening_balance, account_id) == 3 - 3 + 4 - 2 + 3


def test_balances_are_per_account(db: Database, policy: Policy) -> None:
    with db.transaction() as session:
        acme = add_account(session, "Acme")
        globex = add_account(session, "Globex")
        initech = add_account(session, "Initech")
        ask(session, acme, add_request(session, acme), 5)
        give(session, globex, 2)

    with db.transaction() as session:
        assert ledger.balances(session, policy.opening_balance) == {acme: -2, globex: 5}
        assert ledger.balances(session, policy.opening_balance, [globex, initech]) == {globex: 5}
        assert ledger.balances(session, policy.opening_balance, []) == {}


def test_an_advocate_has_their_own_balance_without_an_opening_balance(db: Database) -> None:
    with db.transaction() as session:
        account_id = add_account(session, "Acme")
        dana = add_advocate(session, account_id, "Dana Scully")
        fox = add_advocate(session, account_id, "Fox Mulder")
        ask(session, account_id, add_request(session, account_id), 3, advocate_id=dana)
        give(session, account_id, 5, advocate_id=dana)
        give(session, account_id, 4)  # to the account as a whole

    with db.transaction() as session:
        assert ledger.advocate_balance(session, dana) == 2
        assert ledger.advocate_balance(session, fox) == 0


def test_history_is_newest_first_and_names_who_and_when(db: Database) -> None:
    with db.transaction() as session:
        account_id = add_account(session, "Acme")
        other = add_account(session, "Globex")
        request_id = add_request(session, account_id)
        ledger.post(
            session,
            account_id=account_id,
            kind=EntryKind.ASK,
            amount=-3,
            item="reference_call",
            request_id=request_id,
            actor_id=OWNER,
            now=NOW - dt.timedelta(days=2),
            occurred_on=TODAY - dt.timedelta(days=2),
        )
        give(session, account_id, 4, at=NOW - dt.timedelta(days=1))
        give(session, other, 1, at=NOW)

    with db.transaction() as session:
        entries = ledger.history(session, account_id=account_id)

    assert [(e.kind, e.amount) for e in entries] == [("give", 4), ("ask", -3)]
    assert [e.actor_id for e in entries] == [OWNER, OWNER]
    assert entries[0].created_at == NOW - dt.timedelta(days=1)
    assert entries[0].created_at.tzinfo is not None
    assert entries[1].occurred_on == TODAY - dt.timedelta(days=2)
    assert entries[1].request_id == request_id
    assert entries[0].note == "Customer of the year"


def test_history_honours_the_limit_and_the_advocate(db: Database) -> None:
    with db.transaction() as session:
        account_id = add_account(session, "Acme")
        dana = add_advocate(session, account_id, "Dana Scully")
        for day in range(5):
            give(session, account_id, 1, at=NOW - dt.timedelta(days=day))
        give(session, account_id, 2, advocate_id=dana, at=NOW - dt.timedelta(days=10))

    with db.transaction() as session:
        latest = ledger.history(session, account_id=account_id, limit=2)
        danas = ledger.history(session, advocate_id=dana)

    assert [e.created_at for e in latest] == [NOW, NOW - dt.timedelta(days=1)]
    assert [(e.advocate_id, e.amount) for e in danas] == [(dana, 2)]


def test_an_entry_can_be_reversed_only_once(db: Database, policy: Policy) -> None:
    with db.transaction() as session:
        account_id = add_account(session, "Acme")
        debit = ask(session, account_id, add_request(session, account_id), 3)
        ledger.reverse(session, debit, actor_id=OWNER, now=NOW, today=TODAY, reason="fell through")

    with pytest.raises(IntegrityError), db.transaction() as session:
        original = session.get(LedgerEntry, debit.id)
        ledger.reverse(session, original, actor_id=ADMIN, now=NOW, today=TODAY, reason="clicked twice")

    with db.transaction() as session:
        assert ledger.balance(session, policy.opening_balance, account_id) == 3
        assert [e.kind for e in ledger.history(session, account_id=account_id)] == ["reversal", "ask"]


def test_a_request_is_debited_only_once(db: Database, policy: Policy) -> None:
    with db.transaction() as session:
        account_id = add_account(session, "Acme")
        request_id = add_request(session, account_id)
        ask(session, account_id, request_id, 3)

    with pytest.raises(IntegrityError), db.transaction() as session:
        ask(session, account_id, request_id, 3)

    with db.transaction() as session:
        assert ledger.balance(session, policy.opening_balance, account_id) == 0


def test_an_adjustment_needs_a_written_reason(db: Database) -> None:
    with db.transaction() as session:
        account_id = add_account(session, "Acme")
        for reason in (None, "", "   "):
            with pytest.raises(ValueError, match="reason"):
                ledger.post(
                    session,
                    account_id=account_id,
                    kind=EntryKind.ADJUSTMENT,
                    amount=5,
                    actor_id=ADMIN,
                    now=NOW,
                    occurred_on=TODAY,
                    reason=reason,
                )
        assert ledger.history(session, account_id=account_id) == []


@pytest.mark.parametrize(
    ("kind", "amount", "message"),
    [
        (EntryKind.ASK, 3, "an ask is a debit"),
        (EntryKind.GIVE, -2, "a give is a credit"),
        (EntryKind.REVERSAL, 3, "a reversal names the entry it reverses"),
    ],
)
def test_each_kind_of_entry_has_its_sign_and_its_reference(
    db: Database, kind: EntryKind, amount: int, message: str
) -> None:
    with db.transaction() as session:
        account_id = add_account(session, "Acme")
        with pytest.raises(ValueError, match=message):
            ledger.post(
                session,
                account_id=account_id,
                kind=kind,
                amount=amount,
                actor_id=OWNER,
                now=NOW,
                occurred_on=TODAY,
            )
        assert ledger.history(session, account_id=account_id) == []


def test_the_last_ask_and_the_last_give_are_dated(db: Database) -> None:
    with db.transaction() as session:
        account_id = add_account(session, "Acme")
        give(session, account_id, 3, at=NOW - dt.timedelta(days=40))
        give(session, account_id, 3, at=NOW - dt.timedelta(days=5))

    with db.transaction() as session:
        assert ledger.last_occurred(session, account_id, EntryKind.GIVE) == TODAY - dt.timedelta(days=5)
        assert ledger.last_occurred(session, account_id, EntryKind.ASK) is None
