"""The balances kept beside the ledger, on both databases: each entry's transaction keeps its
account's sum, concurrent posts each add theirs, and `verify` finds any sum that is not the
entries' (and `rebuild` mends it)."""

from __future__ import annotations

import datetime as dt
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


def asked_on(db: Database, account_id: int, points: int, day: dt.date) -> None:
    with db.transaction() as session:
        ledger.post(
            session,
            account_id=account_id,
            kind=EntryKind.ASK,
            amount=-points,
            item="logo",
            actor_id=OWNER,
            now=NOW,
            occurred_on=day,
        )


def counts(db: Database) -> dict[int, tuple[int, dt.date | None]]:
    with db.transaction(readonly=True) as session:
        rows = session.execute(sa.select(KeptBalance.account_id, KeptBalance.asked, KeptBalance.asked_since))
        return {account: (asked, since) for account, asked, since in rows}


def test_the_asks_are_counted_from_the_windows_first_day_and_each_later_ask_adds_itself(db: Database) -> None:
    since = TODAY - dt.timedelta(days=365)
    with db.transaction() as session:
        acme, globex = add_account(session, "Acme"), add_account(session, "Globex")
    asked_on(db, acme, 2, since - dt.timedelta(days=1))  # before the window
    asked_on(db, acme, 3, since)
    asked_on(db, globex, 4, TODAY)
    assert counts(db) == {acme: (0, None), globex: (0, None)}  # not counted until the job runs

    assert kept.roll(db, since) == 2
    assert counts(db) == {acme: (3, since), globex: (4, since)}
    assert kept.roll(db, since) == 0  # the same day again: nothing to count

    asked_on(db, acme, 5, TODAY)
    asked_on(db, acme, 7, since - dt.timedelta(days=30))  # back-dated before the window: not counted
    with db.transaction() as session:
        give(session, acme, 6)
    assert counts(db) == {acme: (8, since), globex: (4, since)}
    assert kept.verify(db).differences == []

    later = since + dt.timedelta(days=1)  # the next day, the window moves past the ask on `since`
    assert kept.roll(db, later) == 2
    assert counts(db) == {acme: (5, later), globex: (4, later)}


def test_verify_names_a_count_of_asks_that_is_not_the_asks_and_rebuild_counts_it_again(db: Database) -> None:
    since = TODAY - dt.timedelta(days=365)
    with db.transaction() as session:
        acme = add_account(session, "Acme")
    asked_on(db, acme, 3, TODAY)
    kept.roll(db, since)
    with db.engine.begin() as connection:  # a hand-made ask in SQL: the count does not know
        connection.execute(
            sa.insert(LedgerEntry).values(
                account_id=acme,
                kind=EntryKind.ASK,
                amount=-2,
                note="",
                actor_id=ADMIN,
                occurred_on=TODAY,
                created_at=NOW,
            )
        )

    assert kept.verify(db).differences == [
        kept.Difference(acme, "Acme", kept=-3, entries=-5),
        kept.Difference(acme, "Acme", kept=3, entries=5, asked_since=since),
    ]

    kept.rebuild(db)

    assert kept.verify(db).differences == []
    assert counts(db) == {acme: (5, since)}  # counted from the same day: find goes on reading it


def test_an_ask_committed_while_the_window_is_counted_is_counted_once(db: Database) -> None:
    """The job counts while sellers' asks are approved: an ask whose transaction holds its
    account's row when the count reaches it is either in the count or adds itself to it, never
    both and never neither (on PostgreSQL the count locks the rows, then counts what committed)."""
    since = TODAY - dt.timedelta(days=365)
    with db.transaction() as session:
        acme = add_account(session, "Acme")
    asked_on(db, acme, 1, since - dt.timedelta(days=1))  # the row exists, counted from no day
    rolled: list[int] = []
    with db.transaction() as session:
        ledger.post(
            session,
            account_id=acme,
            kind=EntryKind.ASK,
            amount=-4,
            item="logo",
            actor_id=OWNER,
            now=NOW,
            occurred_on=TODAY,
        )
        counting = threading.Thread(target=lambda: rolled.append(kept.roll(db, since)))
        counting.start()
        counting.join(0.5)  # the count waits for the ask's transaction
        assert counting.is_alive()
    counting.join(30)

    assert rolled == [1]
    assert counts(db) == {acme: (4, since)}
    assert kept.verify(db).differences == []


def test_an_ask_whose_row_the_count_passes_before_it_adds_itself_is_counted_once(db: Database) -> None:
    """The other order: the ask's entry is written but its row not yet reached when the count
    runs. On PostgreSQL the count does not see the entry and the ask adds itself after it; on
    SQLite the count waits for the ask's transaction and counts it."""
    since = TODAY - dt.timedelta(days=365)
    with db.transaction() as session:
        acme = add_account(session, "Acme")
    asked_on(db, acme, 1, since - dt.timedelta(days=1))
    rolled: list[int] = []
    with db.transaction() as session:
        session.add(
            LedgerEntry(
                account_id=acme,
                kind=EntryKind.ASK,
                amount=-4,
                note="",
                actor_id=OWNER,
                occurred_on=TODAY,
                created_at=NOW,
            )
        )
        session.flush()
        counting = threading.Thread(target=lambda: rolled.append(kept.roll(db, since)))
        counting.start()
        counting.join(2.0)
        kept.keep(session, acme, -4, asked_on=TODAY)
    counting.join(30)

    assert rolled == [1]
    assert counts(db) == {acme: (4, since)}
    assert kept.verify(db).differences == []
