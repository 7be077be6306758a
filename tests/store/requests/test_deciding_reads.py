"""What one approval reads, on SQLite and PostgreSQL: a plain Approve is one transaction that
finds out for itself whether the request names anyone, and reads the account by id once.

Every statement is a round trip to PostgreSQL, paid on the click's process; these tests keep the
ones an approval no longer needs from coming back.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event

from store.act import Act
from store.db import Database
from store.errors import Invalid, NamesNobody
from store.models import RequestStatus
from store.requests import deciding
from store.rules.policy import Policy
from tests.store.requests.test_requests import (
    ADMINS,
    OWNER,
    add_account,
    add_advocate,
    ask,
    asks_for,
    owed,
    stored,
)


def _approve(db: Database, policy: Policy, now: dt.datetime, request_id: int) -> deciding.Decided:
    return deciding.decide(db, policy, request_id, Act(OWNER, ADMINS, now, now.date()), approve=True)


def test_an_approval_of_a_request_naming_nobody_says_so_on_the_advocate_field_and_changes_nothing(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = add_account(db)
    add_advocate(db, acme)
    rid = ask(db, policy, now, acme).request_id
    before = set(owed(db))

    try:
        _approve(db, policy, now, rid)
    except NamesNobody as refused:
        assert isinstance(refused, Invalid) and list(refused.errors) == ["advocate"]
    else:
        raise AssertionError("an approval naming nobody went through")

    assert stored(db, rid).status == RequestStatus.PENDING
    assert asks_for(db, rid) == [] and set(owed(db)) == before


def test_an_approval_reads_its_account_by_id_once_and_asks_the_owner_without_another_read(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = add_account(db)
    jane = add_advocate(db, acme)
    rid = ask(db, policy, now, acme, advocate_id=jane).request_id
    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(" ".join(a[2].split())))

    decided = _approve(db, policy, now, rid)

    assert decided.status == RequestStatus.APPROVED and f"consent-ask:{rid}" in decided.delivery_keys
    by_id = "FROM accounts WHERE accounts.id ="
    account_reads = [s for s in statements if s.startswith("SELECT") and by_id in s]
    assert len(account_reads) == 1, account_reads
    assert not [s for s in statements if "forgotten_at IS NOT NULL" in s]
