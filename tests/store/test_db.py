"""The database keeps no caller waiting past its limits, and never commits after its deadline.

Faults are real: a slow statement, a second SQLite connection holding the write lock, a full
pool, and for PostgreSQL a relay on loopback that freezes the connection (a partition: no reply,
no reset). Whatever happens, the caller gets `Unavailable` in time and nothing is recorded.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from store.db import Database, Turns
from store.deadlines import BATCH, Limits
from store.engines import PING_AFTER_SECONDS
from store.errors import Unavailable
from store.models import Account
from tests.support.database import open_database
from tests.support.postgres import create_database
from tests.support.tcp_relay import TcpRelay

BUDGET = 0.8
STATEMENT = 0.5
FAST = Limits(connect=2, statement=STATEMENT, pool=0.3, transaction=BUDGET)
#: scheduling slack on a busy two-core machine, added to every bound
MARGIN = 0.5
NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
SLOW_STATEMENT = {
    "postgresql": "SELECT pg_sleep(5)",
    "sqlite": "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) "
    "SELECT count(*) FROM (SELECT x FROM n LIMIT 1000000000)",
}

_names = itertools.count()


def add_account(session: Session, name: str) -> None:
    session.add(Account(name=name, name_key=name.lower(), created_at=NOW, updated_at=NOW))


def account_names(url: str) -> list[str]:
    db = open_database(url)
    try:
        with db.transaction(readonly=True) as session:
            return list(session.scalars(select(Account.name).order_by(Account.name)))
    finally:
        db.dispose()


def timed(work: Callable[[], object]) -> tuple[BaseException | None, float]:
    """What `work` raised (None if nothing) and how long it took."""
    started = time.monotonic()
    try:
        work()
    except Exception as error:
        return error, time.monotonic() - started
    return None, time.monotonic() - started


def timed_in_thread(
    work: Callable[[], object], relay: TcpRelay, wait: float = 5
) -> tuple[BaseException | None, float]:
    """`timed(work)`, but a call still blocked after `wait` seconds fails the test (the relay then
    thaws, so the blocked thread cannot outlive it)."""
    outcome: list[tuple[BaseException | None, float]] = []
    thread = threading.Thread(target=lambda: outcome.append(timed(work)), daemon=True)
    thread.start()
    thread.join(wait)
    if thread.is_alive():
        relay.thaw()
        thread.join(wait)
        pytest.fail(f"still blocked after {wait} s, until the partition healed")
    return outcome[0]


@pytest.fixture
def migrated(db_url: str) -> str:
    Database(db_url, limits=BATCH).upgrade()
    return db_url


@pytest.fixture
def fast_db(migrated: str) -> Iterator[Database]:
    db = Database(migrated, limits=FAST)
    yield db
    db.dispose()


def test_a_write_past_its_deadline_is_rolled_back_never_committed(fast_db: Database, migrated: str) -> None:
    def late_write() -> None:
        with fast_db.transaction() as session:
            add_account(session, "Late Corp")
            session.flush()
            time.sleep(BUDGET + 0.2)

    error, _ = timed(late_write)

    assert isinstance(error, Unavailable)
    assert account_names(migrated) == []


def test_a_statement_that_runs_too_long_is_stopped_within_the_deadline(fast_db: Database) -> None:
    def slow_read() -> None:
        with fast_db.transaction(readonly=True) as session:
            session.execute(text(SLOW_STATEMENT[fast_db.dialect]))

    error, took = timed(slow_read)

    assert isinstance(error, Unavailable)
    assert took < BUDGET + MARGIN
    with fast_db.transaction(readonly=True) as session:
        assert session.scalar(text("SELECT 1")) == 1


def test_a_full_pool_answers_within_the_pool_timeout(migrated: str) -> None:
    db = Database(migrated, limits=FAST, pool_size=1, max_overflow=0)
    try:
        with db.transaction(readonly=True) as holding:
            holding.execute(text("SELECT 1"))

            def second() -> None:
                with db.transaction(readonly=True) as session:
                    session.execute(text("SELECT 1"))

            error, took = timed(second)
    finally:
        db.dispose()

    assert isinstance(error, Unavailable)
    assert FAST.pool <= took < FAST.pool + MARGIN


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'refdesk.db'}"
    Database(url, limits=BATCH).upgrade()
    return url


@pytest.fixture
def held_write_lock(sqlite_url: str) -> Iterator[None]:
    """A second connection holds SQLite's one write lock, as a long import does."""
    writer = sqlite3.connect(make_url(sqlite_url).database or "", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    yield
    writer.execute("ROLLBACK")
    writer.close()


def test_a_writer_gives_up_on_a_held_sqlite_write_lock_within_the_statement_timeout(
    sqlite_url: str, held_write_lock: None
) -> None:
    db = Database(sqlite_url, limits=FAST)

    def write() -> None:
        with db.transaction() as session:
            add_account(session, "Queued Corp")

    error, took = timed(write)
    db.dispose()

    assert isinstance(error, Unavailable)
    assert took < STATEMENT + MARGIN


def test_reads_and_the_probe_never_queue_behind_a_held_sqlite_write_lock(
    sqlite_url: str, held_write_lock: None
) -> None:
    db = Database(sqlite_url, limits=FAST)

    def read() -> None:
        with db.transaction(readonly=True) as session:
            session.execute(select(Account.id)).all()

    try:
        for work in (read, db.probe):
            error, took = timed(work)
            assert error is None and took < 0.2, (work, error, took)
    finally:
        db.dispose()


def test_a_sqlite_writer_gets_the_lock_another_process_released_within_milliseconds(sqlite_url: str) -> None:
    """SQLite's busy handler would look again only 33, 53, 78 ms after it first found the lock
    held: a writer waiting for a 60 ms hold started 18 ms late."""
    db = Database(sqlite_url, limits=FAST)
    with db.transaction() as session:  # the first write compiles its statements: not timed
        add_account(session, "Warm-up")
    lateness = []
    for n in range(5):
        other = sqlite3.connect(
            make_url(sqlite_url).database or "", isolation_level=None, check_same_thread=False
        )
        other.execute("BEGIN IMMEDIATE")
        released: list[float] = []

        def release(other: sqlite3.Connection = other, released: list[float] = released) -> None:
            time.sleep(0.06)
            released.append(time.monotonic())
            other.execute("ROLLBACK")

        releaser = threading.Thread(target=release)
        releaser.start()
        with db.transaction() as session:
            add_account(session, f"Prompt {n}")
        lateness.append(time.monotonic() - released[0])
        releaser.join(5)
        other.close()
    with db.transaction() as session:
        busy_ms = session.execute(text("PRAGMA busy_timeout")).scalar()
    db.dispose()

    assert sorted(lateness)[2] < 0.008, lateness
    assert busy_ms == STATEMENT * 1000  # the pauses' own setting did not outlive the BEGIN


def test_this_process_sqlite_writers_take_turns_and_every_write_commits(sqlite_url: str) -> None:
    db = open_database(sqlite_url)
    failures: list[BaseException] = []

    def write_many(thread: int) -> None:
        for n in range(25):
            try:
                with db.transaction() as session:
                    add_account(session, f"Turn {thread}-{n}")
            except Exception as error:
                failures.append(error)

    threads = [threading.Thread(target=write_many, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    db.dispose()

    assert failures == []
    assert len(account_names(sqlite_url)) == 200


def test_writes_beside_a_lock_hold_it_on_sqlite_only_and_only_where_asked(migrated: str) -> None:
    """A sender's writes take turns with its renders (`Database.writing_beside`): on SQLite a write
    in that context waits while another thread holds the lock, a write outside it does not; on
    PostgreSQL, which locks rows and not the database, nothing waits. A thread already holding the
    lock (a render that writes) goes on."""
    db = open_database(migrated)
    lock, held, release = threading.RLock(), threading.Event(), threading.Event()
    finished: list[str] = []

    def holder() -> None:
        with lock:
            held.set()
            release.wait(5)

    def write(name: str, beside: bool) -> None:
        with db.writing_beside(lock) if beside else contextlib.nullcontext(), db.transaction() as session:
            add_account(session, name)
        finished.append(name)

    keeper = threading.Thread(target=holder)
    keeper.start()
    assert held.wait(5)
    writers = [
        threading.Thread(target=write, args=(name, name == "Beside")) for name in ("Beside", "Outside")
    ]
    for thread in writers:
        thread.start()
    writers[1].join(5)
    time.sleep(0.2)
    while_held = list(finished)
    release.set()
    for thread in [keeper, *writers]:
        thread.join(5)
    with lock:
        write("Inside", True)
    db.dispose()

    on_sqlite = make_url(migrated).get_backend_name() == "sqlite"
    assert sorted(while_held) == (["Outside"] if on_sqlite else ["Beside", "Outside"])
    assert sorted(account_names(migrated)) == ["Beside", "Inside", "Outside"]


def test_writers_waiting_for_their_turn_are_served_first_come_first_served() -> None:
    turns = Turns()
    assert turns.acquire(1.0)
    served: list[int] = []
    queued = []

    def writer(n: int) -> None:
        if turns.acquire(5.0):
            served.append(n)
            turns.release()

    for n in range(5):
        thread = threading.Thread(target=writer, args=(n,))
        thread.start()
        queued.append(thread)
        time.sleep(0.02)  # in the queue before the next one comes
    turns.release()
    for thread in queued:
        thread.join(5)

    assert served == [0, 1, 2, 3, 4]


def test_a_turn_not_given_in_time_leaves_the_queue_and_a_turn_inside_a_turn_fails_at_once() -> None:
    turns = Turns()
    assert turns.acquire(1.0)
    with pytest.raises(RuntimeError, match="inside another"):
        turns.acquire(1.0)
    outcome: list[bool] = []
    waiter = threading.Thread(target=lambda: outcome.append(turns.acquire(0.05)))
    waiter.start()
    waiter.join(5)
    turns.release()

    assert outcome == [False]
    assert turns.acquire(0.0)  # free again: the one who gave up is not handed the turn


def test_a_sqlite_writer_queued_behind_a_long_write_of_its_own_process_gives_up_in_time(
    sqlite_url: str,
) -> None:
    db = Database(sqlite_url, limits=FAST)
    holding, release = threading.Event(), threading.Event()

    def long_write() -> None:
        with contextlib.suppress(Unavailable), db.transaction() as session:
            add_account(session, "Long Corp")
            session.flush()
            holding.set()
            release.wait(5)

    holder = threading.Thread(target=long_write)
    holder.start()
    assert holding.wait(5)

    def write() -> None:
        with db.transaction() as session:
            add_account(session, "Queued Corp")

    def read() -> None:
        with db.transaction(readonly=True) as session:
            session.execute(select(Account.id)).all()

    try:
        error, took = timed(write)
        read_error, read_took = timed(read)
        counted = db.unavailable_count
    finally:
        release.set()
        holder.join(5)
        db.dispose()

    assert isinstance(error, Unavailable) and "locked" in str(error)
    assert took < STATEMENT + MARGIN
    assert counted == 1
    assert read_error is None and read_took < 0.2
    assert "Queued Corp" not in account_names(sqlite_url)


def test_a_sqlite_writer_queued_behind_one_waiting_for_another_process_gives_up_in_one_statement_timeout(
    sqlite_url: str, held_write_lock: None
) -> None:
    """Its turn and its `BEGIN` share one bound: waiting for both in turn took twice as long."""
    statement = 1.0
    db = Database(sqlite_url, limits=Limits(connect=2, statement=statement, pool=1, transaction=5))
    outcomes: list[BaseException | None] = []

    def write() -> None:
        with db.transaction() as session:
            add_account(session, "Queued Corp")

    first = threading.Thread(target=lambda: outcomes.append(timed(write)[0]))
    first.start()
    time.sleep(0.1)  # the first writer holds the turn, waiting at BEGIN for the other process
    error, took = timed(write)
    first.join(5)
    db.dispose()

    assert not first.is_alive()
    assert isinstance(error, Unavailable) and isinstance(outcomes[0], Unavailable), (error, outcomes)
    assert took < statement + 0.4, took  # 1.9 s on the code before: the first's wait, then its own


@pytest.fixture
def pg_url(postgres_url: str) -> str:
    url = create_database(postgres_url, f"refdesk_db_faults_{next(_names)}")
    Database(url, limits=BATCH).upgrade()
    return url


@pytest.fixture
def relay(pg_url: str) -> Iterator[TcpRelay]:
    url = make_url(pg_url)
    with TcpRelay(url.host or "127.0.0.1", url.port or 5432) as relay:
        yield relay


@pytest.fixture
def relayed(pg_url: str, relay: TcpRelay) -> Iterator[Database]:
    """The database reached through the relay, with short limits."""
    url = make_url(pg_url).set(host="127.0.0.1", port=relay.port)
    db = Database(url.render_as_string(hide_password=False), limits=FAST)
    yield db
    db.dispose()


def test_postgres_a_partition_mid_transaction_is_cut_at_the_deadline_and_commits_nothing(
    relayed: Database, relay: TcpRelay, pg_url: str
) -> None:
    def write_across_a_partition() -> None:
        with relayed.transaction() as session:
            add_account(session, "Partitioned Corp")
            session.flush()
            relay.freeze()
            session.execute(text("SELECT 1"))

    error, took = timed_in_thread(write_across_a_partition, relay)

    assert isinstance(error, Unavailable), error
    assert took < BUDGET + MARGIN
    relay.thaw()
    time.sleep(MARGIN)  # the held bytes (never a COMMIT) reach the server
    assert account_names(pg_url) == []
    with relayed.transaction() as session:  # the cut connection was discarded, not reused
        add_account(session, "After Corp")
    assert account_names(pg_url) == ["After Corp"]


def test_postgres_a_pooled_connection_to_a_frozen_server_fails_within_the_deadline(
    relayed: Database, relay: TcpRelay
) -> None:
    def read() -> None:
        with relayed.transaction(readonly=True) as session:
            session.execute(text("SELECT 1"))

    read()
    relay.freeze()
    error, took = timed_in_thread(read, relay)

    assert isinstance(error, Unavailable), error
    assert took < BUDGET + MARGIN


def test_postgres_connecting_to_a_frozen_server_gives_up_within_the_connect_timeout(
    relayed: Database, relay: TcpRelay
) -> None:
    def read() -> None:
        with relayed.transaction(readonly=True) as session:
            session.execute(text("SELECT 1"))

    relay.freeze()
    error, took = timed_in_thread(read, relay)

    assert isinstance(error, Unavailable), error
    assert took < FAST.connect + MARGIN


def test_postgres_the_probe_fails_within_its_deadline_while_the_server_is_frozen(
    relayed: Database, relay: TcpRelay
) -> None:
    relayed.probe()
    relay.freeze()
    error, took = timed_in_thread(relayed.probe, relay)

    assert isinstance(error, Unavailable), error
    assert took < 0.8 + MARGIN


def test_postgres_frees_what_a_client_cut_off_by_a_partition_had_locked(
    relayed: Database, relay: TcpRelay, pg_url: str
) -> None:
    """The server never hears of the cut: without an idle-in-transaction timeout the first try's
    row lock would block the second try until the partition heals."""

    def first_try() -> None:
        with relayed.transaction() as session:
            add_account(session, "Contested Corp")
            session.flush()
            relay.freeze()
            session.execute(text("SELECT 1"))

    def second_try() -> None:
        other = Database(pg_url, limits=BATCH)
        try:
            with other.transaction() as session:
                add_account(session, "Contested Corp")
        finally:
            other.dispose()

    error, _ = timed_in_thread(first_try, relay)
    assert isinstance(error, Unavailable), error
    healed = 2 * BUDGET + 2
    error, took = timed_in_thread(second_try, relay, wait=healed)

    assert error is None
    # the server's idle-in-transaction timeout (twice the budget), with a loaded machine's slack
    # (2.6 s seen under the full suite); without it the second try waits for the heal and fails above
    assert took < 2 * BUDGET + 3 * MARGIN < healed
    assert account_names(pg_url) == ["Contested Corp"]


def test_postgres_a_pooled_connection_the_server_ended_is_replaced_before_the_next_transaction(
    pg_url: str,
) -> None:
    """The pool pings a connection that sat unused for `PING_AFTER_SECONDS` (a restart or an admin
    ended it meanwhile) and reconnects, so the next transaction succeeds."""
    db = Database(pg_url, limits=FAST, pool_size=1, max_overflow=0)

    def backend() -> int:
        with db.transaction(readonly=True) as session:
            return int(session.scalar(text("SELECT pg_backend_pid()")) or 0)

    try:
        first = backend()
        assert backend() == first  # the pool's one connection, reused
        admin = open_database(pg_url)
        try:
            with admin.transaction() as session:
                session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        finally:
            admin.dispose()
        time.sleep(PING_AFTER_SECONDS + 0.2)

        assert backend() != first
    finally:
        db.dispose()


def test_postgres_sessions_run_without_jit(pg_url: str) -> None:
    """The app's statements are short: compiling them cost `find` more than running them."""
    db = open_database(pg_url)
    try:
        with db.transaction(readonly=True) as session:
            assert session.scalar(text("SHOW jit")) == "off"
    finally:
        db.dispose()


def test_postgres_a_connection_cut_off_after_its_commit_is_not_handed_out_as_it_was(pg_url: str) -> None:
    """The watchdog may cut a connection between its COMMIT and its return to the pool (the
    deadline passed just then): the next transaction, a moment later, pings it and reconnects."""
    db = Database(pg_url, limits=FAST, pool_size=1, max_overflow=0)
    late: list[bool] = []

    @event.listens_for(db._sessions, "after_commit")
    def _late(_session: Session) -> None:
        if not late:
            late.append(True)
            time.sleep(BUDGET + MARGIN)  # committed; the watchdog cuts while it is still out

    try:
        with db.transaction() as session:
            add_account(session, "Late Corp")

        assert account_names_in(db) == ["Late Corp"]
    finally:
        db.dispose()


def account_names_in(db: Database) -> list[str]:
    with db.transaction(readonly=True) as session:
        return list(session.scalars(select(Account.name).order_by(Account.name)))
