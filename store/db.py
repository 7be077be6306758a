"""Engine, sessions and the unit of work — and how long the database may keep anyone waiting.

Every store function runs in exactly one transaction opened by `Database.transaction()`; the
caller gets plain data back, never a live ORM object tied to a session.

A database that stops answering must neither stall the app (Slack waits 3 s for an ack) nor
record later what the person was told was not recorded. So the serving process runs under
`Limits`: connect, statement and pool checkout are bounded by the driver, the server and the
pool; each transaction has a deadline, at which a watchdog cuts off its connection (a server
behind a network partition never sees the query, so its own statement timeout cannot help); and
a transaction past its deadline never commits. All of it surfaces as `store.errors.Unavailable`.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from store.deadlines import INTERACTIVE, PROBE, Deadline, Limits, Watchdog, current
from store.errors import Unavailable

MIGRATIONS = Path(__file__).with_name("migrations")
log = logging.getLogger(__name__)

#: SQLite's busy timeout (seconds) when `Limits.statement` sets no bound: a batch writer waits
#: this long for the one write lock (the serving process never holds it for more than a budget)
SQLITE_BATCH_LOCK_WAIT = 30.0
#: SQLite result codes (primary, the low byte) that mean "not now" rather than "wrong SQL"
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_INTERRUPT = 5, 6, 9
#: the PostgreSQL advisory lock `refdesk db upgrade` holds while it migrates ("refdesk\0\0" as a
#: bigint), so replicas that start together migrate one after another, never at once
MIGRATION_LOCK = 0x7265666465736B00


class SchemaOutOfDate(Exception):
    """The database is behind the code: `refdesk db upgrade` must run first."""


def make_engine(url: str, limits: Limits, watchdog: Watchdog, **kwargs: Any) -> Engine:
    """An engine tuned per backend and bounded by `limits`.

    SQLite gets WAL (readers never wait for the writer), foreign keys, a busy timeout, and
    `BEGIN IMMEDIATE` so two writers queue instead of failing half-way with "database is locked".
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        busy = limits.statement if limits.statement is not None else SQLITE_BATCH_LOCK_WAIT
        in_memory = parsed.database in (None, "", ":memory:")
        if not in_memory:
            kwargs.setdefault("pool_timeout", limits.pool)
        engine = create_engine(url, connect_args={"timeout": busy, "check_same_thread": False}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # readers take no lock in WAL mode: only writers queue for the one write lock
            if connection.get_execution_options().get("readonly", False):
                connection.exec_driver_sql("BEGIN")
            else:
                _begin_immediate(connection, busy)

    else:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
        engine = create_engine(
            url, pool_timeout=limits.pool, connect_args=_postgres_session(parsed.query, limits), **kwargs
        )
        _ping_on_checkout(engine)

        @event.listens_for(engine, "do_connect")
        def _connect_in_time(_dialect: Any, _record: Any, _cargs: Any, _cparams: Any) -> None:
            # a reconnect after the deadline (a ping the watchdog cut) would only wait for nothing
            deadline = current.get()
            if deadline is not None and deadline.passed():
                raise exc.TimeoutError("the transaction's deadline passed before a connection was made")

    _watch_checkouts(engine, watchdog)
    return engine


#: how soon a SQLite writer looks again for the write lock another process holds: the first
#: pause, growing by half each time up to the longest
LOCK_LOOK_FIRST, LOCK_LOOK_LONGEST = 0.0002, 0.002


def _begin_immediate(connection: Any, busy: float) -> None:
    """`BEGIN IMMEDIATE` that looks again every fraction of a millisecond while another process
    (a `worker` beside `serve`) holds SQLite's write lock.

    SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25 ms… between looks, so a writer that
    found the lock taken by a worker's 1 ms write often slept ten times longer than it was held.
    Here the pauses start at 0.2 ms and never exceed 2 ms, within the busy timeout and the
    transaction's deadline; the last look is SQLite's own, so a lock held too long fails as a
    busy timeout always has (`Database._unavailable`: "the database is locked").
    """
    dbapi = connection.connection.dbapi_connection
    until = time.monotonic() + busy
    deadline = current.get()
    if deadline is not None and deadline.at is not None:
        until = min(until, deadline.at)
    pause = LOCK_LOOK_FIRST
    dbapi.execute("PRAGMA busy_timeout = 0")
    try:
        while time.monotonic() + pause < until:
            try:
                dbapi.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if getattr(error, "sqlite_errorcode", 0) & 0xFF != SQLITE_BUSY:
                    break  # not the lock: the look below reports it as SQLAlchemy does
            time.sleep(pause)
            pause = min(pause * 1.5, LOCK_LOOK_LONGEST)
        dbapi.execute(f"PRAGMA busy_timeout = {math.ceil(max(0.0, until - time.monotonic()) * 1000)}")
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        dbapi.execute(f"PRAGMA busy_timeout = {math.ceil(busy * 1000)}")


def _postgres_session(query: Any, limits: Limits) -> dict[str, Any]:
    """Connection parameters that bound connecting and let the server end what we gave up on.

    `idle_in_transaction_session_timeout` (twice the budget) frees the locks of a transaction
    whose client was cut off by a partition, so the request can be submitted again once it heals.
    """
    # JIT off first (the URL's own options may turn it back on): the app's statements are short,
    # and PostgreSQL compiled `find`'s one statement over every account for 170–200 ms of its
    # 380–540 ms at full size
    options = ["-c jit=off"]
    if "options" in query:
        options.append(str(query["options"]))
    if limits.statement is not None:
        options.append(f"-c statement_timeout={math.ceil(limits.statement * 1000)}")
    if limits.transaction is not None:
        options.append(f"-c idle_in_transaction_session_timeout={math.ceil(limits.transaction * 2000)}")
    return {"connect_timeout": max(2, math.ceil(limits.connect)), "options": " ".join(options)}


#: a connection back in the pool for less than this is handed out again without a ping. Under
#: load a connection is reused within milliseconds, and the ping was a round trip more for every
#: transaction (a PostgreSQL worker spent 6 % of its time pinging); a server that went away in
#: that second fails the transaction's first statement instead, which the pool then reconnects.
PING_AFTER_SECONDS = 1.0


def _ping_on_checkout(engine: Engine) -> None:
    """SQLAlchemy's pool_pre_ping, but run once `_watch_checkouts` armed the watchdog, so a ping
    to a partitioned server is cut at the deadline too; a failed ping makes the pool reconnect.
    A connection returned within `PING_AFTER_SECONDS` is not pinged, unless the watchdog cut it."""

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["returned"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.pop("returned", None)
        if not record.info.pop("cut", False) and (
            returned is None or time.monotonic() - returned < PING_AFTER_SECONDS
        ):
            return  # fresh from connecting, or back a moment ago and never cut off
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(f"ping failed: {error.__class__.__name__}") from error


def _watch_checkouts(engine: Engine, watchdog: Watchdog) -> None:
    """Each connection a transaction with a deadline checks out is watched until it is checked in."""

    @event.listens_for(engine, "checkout", insert=True)  # before the ping: it may hang too
    def _watch(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        deadline = current.get()
        if deadline is None or deadline.at is None:
            return
        ticket = watchdog.watch(deadline.at, dbapi_connection)
        deadline.tickets.append(ticket)
        record.info["ticket"] = ticket

    @event.listens_for(engine, "checkin")
    def _release(_dbapi_connection: Any, record: Any) -> None:
        # before the connection goes back to the pool: a late cut must never hit its next user
        ticket = record.info.pop("ticket", None)
        if ticket is not None and not watchdog.release(ticket):
            # cut off after its COMMIT, before it came back: its next user pings it first
            record.info["cut"] = True


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


class Database:
    """The one handle the rest of the program holds on persistence."""

    def __init__(self, url: str, *, limits: Limits = INTERACTIVE, **engine_kwargs: Any) -> None:
        self.url = url
        self.limits = limits
        self._watchdog = Watchdog()
        self.engine = make_engine(url, limits, self._watchdog, **engine_kwargs)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readers = sessionmaker(self.engine.execution_options(readonly=True), expire_on_commit=False)
        # the health check's own engine and connection: it never waits for the main pool
        self._probe_engine = make_engine(url, PROBE, self._watchdog, pool_size=1, max_overflow=0)
        self._counted = threading.Lock()
        #: this process's writers queue here for SQLite's one write lock (see `_write_turn`)
        self._writers = threading.Lock() if self.dialect == "sqlite" else None
        #: how often this handle found the database unavailable (`bot.metrics` exposes it)
        self.unavailable_count = 0

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self, *, readonly: bool = False) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any exception.

        `readonly=True` is for look-ups: on SQLite they then wait for no writer (and must not write).
        Raises `Unavailable` when the database did not answer within `self.limits`; a write that
        ran past its deadline is rolled back, never committed late.
        """
        sessions = self._readers if readonly else self._sessions
        with (
            self._deadline(self.limits.transaction) as deadline,
            self._write_turn(readonly, deadline),
            sessions() as session,
            session.begin(),
        ):
            yield session
            if not readonly:
                session.flush()
                if deadline.passed():
                    raise exc.TimeoutError("the transaction's deadline passed before COMMIT")

    def probe(self) -> None:
        """A short read on the health check's own connection; raises `Unavailable` if it fails.

        Read-only, so on SQLite (WAL) it never waits for a writer.
        """
        with self._deadline(PROBE.transaction), self._probe_engine.connect() as connection:
            connection.execution_options(readonly=True).execute(text("SELECT count(*) FROM alembic_version"))

    @contextmanager
    def _write_turn(self, readonly: bool, deadline: Deadline) -> Iterator[None]:
        """On SQLite, a write transaction waits its turn behind this process's other writers.

        SQLite has one write lock, and a writer that finds it taken sleeps in the busy handler in
        growing steps (1, 2, 5, 10 ms…) and looks again: under load a 5 ms submit waited up to
        ten times as long behind other threads' equally short writes. Here they queue on a lock
        that hands over the moment the holder commits. Writers in other processes (a `worker`,
        a CLI) are met at `BEGIN IMMEDIATE` (`_begin_immediate`). The wait is bounded like the
        busy timeout, and by the transaction's deadline; past it the caller gets `Unavailable`,
        as from a lock timeout.
        """
        if readonly or self._writers is None:
            yield
            return
        wait = self.limits.statement if self.limits.statement is not None else SQLITE_BATCH_LOCK_WAIT
        if deadline.at is not None:
            wait = min(wait, max(0.0, deadline.at - time.monotonic()))
        if not self._writers.acquire(timeout=wait):
            self._count_unavailable("the database is locked (this process's writers queued too long)")
            raise Unavailable("the database is locked")
        try:
            yield
        finally:
            self._writers.release()

    def _count_unavailable(self, reason: str) -> None:
        log.warning("database unavailable: %s", reason)
        with self._counted:
            self.unavailable_count += 1

    @contextmanager
    def _deadline(self, budget: float | None) -> Iterator[Deadline]:
        """Run the block under a deadline; a database that did not answer in time → `Unavailable`."""
        deadline = Deadline(budget)
        token = current.set(deadline)
        try:
            yield deadline
        except exc.SQLAlchemyError as error:
            reason = self._unavailable(error, deadline)
            if reason is None:
                raise
            self._count_unavailable(reason)
            raise Unavailable(reason) from error
        finally:
            current.reset(token)
            for ticket in deadline.tickets:
                self._watchdog.release(ticket)

    def _unavailable(self, error: exc.SQLAlchemyError, deadline: Deadline) -> str | None:
        """Why `error` means the database did not answer in time, or None if it is another failure."""
        if deadline.passed():
            return f"no answer within {deadline.budget} s"
        if isinstance(error, exc.TimeoutError):
            return "no free connection in the pool"
        if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
            return "the connection was lost"
        if not isinstance(error, exc.OperationalError):
            return None
        if self.dialect == "sqlite":
            code = getattr(error.orig, "sqlite_errorcode", 0) & 0xFF
            return (
                "the database is locked" if code in (SQLITE_BUSY, SQLITE_LOCKED, SQLITE_INTERRUPT) else None
            )
        # PostgreSQL's operational errors: cannot connect, statement or lock timeout, shutdown
        return f"the server did not answer ({error.orig.__class__.__name__})"

    def upgrade(self) -> tuple[str | None, str | None]:
        """Migrate to the code's head; (the revision before, the revision now).

        On PostgreSQL the migration runs under an advisory lock: a second `refdesk db upgrade`
        started meanwhile (replicas starting together) waits for it, then finds nothing to do.
        """
        # autocommit: the lock is the session's, and no transaction stays open while it is held
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as holder:
            if self.dialect == "postgresql":
                holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            try:
                before, _ = self.schema_revision()
                command.upgrade(alembic_config(self.engine), "head")
                return before, self.schema_revision()[0]
            finally:
                if self.dialect == "postgresql":
                    holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})

    def schema_revision(self) -> tuple[str | None, str | None]:
        """(the database's revision, the code's head revision)."""
        head = ScriptDirectory.from_config(alembic_config(self.engine)).get_current_head()
        with self.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
        return current, head

    def check_schema(self) -> None:
        current, head = self.schema_revision()
        if current != head:
            state = "empty" if current is None else f"at revision {current}"
            raise SchemaOutOfDate(f"the database is {state}, the code needs {head}: run `refdesk db upgrade`")

    def dispose(self) -> None:
        self.engine.dispose()
        self._probe_engine.dispose()
