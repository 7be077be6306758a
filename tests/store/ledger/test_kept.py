"""The balances kept beside the ledger, on both databases: each entry's transaction keeps its
account's sum, concurrent posts each add theirs, and `verify` finds any sum that is not the
entries' (and `rebuild` mends it)."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from alembic import command

from store import ledger
from store.db import Database, alembic_config
from store.ledger import kept
from store.models import EntryKind, KeptBalance, LedgerEntry
from store.rules.policy import Policy
from tests.store.ledger.test_entries import ADMIN, NOW, OWNER, TODAY, add_account, add_request, ask, give
from tests.support.database import open_database


def adjust(db: Database, account_id: int, amount: int) -> None:
    with db.transaction() as session:
        ledger.post(
            session,
            account_id=account_id,
            kind=EntryKind.ADJUSTMENT,
            amount=amount,
            actor_id=ADMIN,
            now=NOW,
            occurred_on=TODAY,
            reason="concurrency check",
        )


def summed(db: Database) -> dict[int, int]:
    with db.engine.connect() as connection:
        total = sa.func.sum(LedgerEntry.amount)
        rows = connection.execute(sa.select(LedgerEntry.account_id, total).group_by(LedgerEntry.account_id))
        return {int(a): int(t) for a, t in rows}


def test_every_kind_of_entry_is_kept_in_its_transaction(db: Database, policy: Policy) -> None:
    with db.transaction() as session:
        acme, globex = add_account(session, "Acme"), add_account(session, "Globex")
        debit = ask(session, acme, add_request(session, acme), 3)
        give(session, acme, 4)
        give(session, globex, 2)
        ledger.reverse(session, debit, actor_id=OWNER, now=NOW, today=TODAY, reason="fell through")
        # read inside the transaction that posted: the kept sum is already there
        assert ledger.balance(session, policy.opening_balance, acme) == policy.opening_balance + 4

    with db.transaction() as session:
        kept_rows = {a: t for a, t in session.execute(sa.select(KeptBalance.account_id, KeptBalance.total))}
    assert kept_rows == {acme: 4, globex: 2} == summed(db)
    assert kept.verify(db).differences == []


def test_a_rolled_back_entry_leaves_the_kept_sum_as_it_was(db: Database, policy: Policy) -> None:
    with db.transaction() as session:
        acme = add_account(session, "Acme")
        give(session, acme, 5)
    try:
        with db.transaction() as session:
            give(session, acme, 7)
            raise RuntimeError("the rest of the transaction failed")
    except RuntimeError:
        pass

    with db.transaction(readonly=True) as session:
        assert ledger.balance(session, policy.opening_balance, acme) == policy.opening_balance + 5


def test_concurrent_posts_to_the_same_accounts_each_add_theirs(db: Database, policy: Policy) -> None:
    with db.transaction() as session:
        accounts = [add_account(session, name) for name in ("Acme", "Globex", "Initech")]
    threads, per_thread = 6, 15
    failures: list[BaseException] = []
    start = threading.Barrier(threads)

    def poster(number: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                adjust(db, accounts[(number + i) % len(accounts)], 1 + (number + i) % 4)
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            failures.append(exc)

    workers = [threading.Thread(target=poster, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)

    assert failures == []
    expected = {account: 0 for account in accounts}
    for number in range(threads):
        for i in range(per_thread):
            expected[accounts[(number + i) % len(accounts)]] += 1 + (number + i) % 4
    assert summed(db) == expected
    verified = kept.verify(db)
    assert (verified.accounts, verified.entries, verified.differences) == (3, threads * per_thread, [])
    with db.transaction(readonly=True) as session:
        assert ledger.balances(session, policy.opening_balance) == {
            account: policy.opening_balance + total for account, total in expected.items()
        }


def test_verify_names_an_entry_written_around_the_ledger_and_rebuild_mends_it(db: Database) -> None:
    with db.transaction() as session:
        acme, globex = add_account(session, "Acme"), add_account(session, "Globex")
        give(session, acme, 5)
    with db.engine.begin() as connection:  # a hand-made fix in SQL: the kept sum does not know
        connection.execute(
            sa.insert(LedgerEntry).values(
                account_id=globex,
                kind=EntryKind.GIVE,
                amount=3,
                note="",
                actor_id=ADMIN,
                occurred_on=TODAY,
                created_at=NOW,
            )
        )

    verified = kept.verify(db)
    assert verified.differences == [kept.Difference(globex, "Globex", kept=0, entries=3)]

    kept.rebuild(db)

    assert kept.verify(db).differences == []
    with db.transaction(readonly=True) as session:
        assert ledger.balances(session, 0) == {acme: 5, globex: 3}


def test_the_migration_keeps_the_sums_of_the_entries_it_finds(db_url: str) -> None:
    database = open_database(db_url)
    try:
        database.upgrade()
        with database.transaction() as session:
            acme = add_account(session, "Acme")
            ask(session, acme, add_request(session, acme), 3)
            give(session, acme, 5)
        command.downgrade(alembic_config(database.engine), "0007")
        with database.engine.connect() as connection:
            assert "kept_balances" not in sa.inspect(connection).get_table_names()

        database.upgrade()

        assert kept.verify(database) == kept.Verified(accounts=1, entries=2, differences=[])
        with database.transaction(readonly=True) as session:
            assert ledger.balance(session, 0, acme) == 2
    finally:
        database.dispose()
