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
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, exc, text
from sqlalchemy.orm import Session, sessionmaker

from store.deadlines import INTERACTIVE, PROBE, Deadline, Limits, Watchdog, current
from store.engines import SQLITE_BATCH_LOCK_WAIT, SQLITE_BUSY, SQLITE_INTERRUPT, SQLITE_LOCKED, make_engine
from store.errors import Unavailable

MIGRATIONS = Path(__file__).with_name("migrations")
log = logging.getLogger(__name__)

#: the PostgreSQL advisory lock `refdesk db upgrade` holds while it migrates ("refdesk\0\0" as a
#: bigint), so replicas that start together migrate one after another, never at once
MIGRATION_LOCK = 0x7265666465736B00


class SchemaOutOfDate(Exception):
    """The database is behind the code: `refdesk db upgrade` must run first."""


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


#: `Turns`' holder between a release and the woken writer taking its turn (no thread's ident)
HANDED_OVER = -1

#: the lock this context's SQLite write transactions also hold (`Database.writing_beside`)
_beside: ContextVar[AbstractContextManager[object] | None] = ContextVar("writing_beside", default=None)


class Turns:
    """A lock taken first come, first served: the holder hands it to the writer that has waited
    longest (`threading.Lock` lets whoever is scheduled first take it, and a writer can be passed
    over until its time runs out). A thread that asks for a turn it already holds — a write
    transaction inside another, which SQLite would only make wait for itself — fails at once."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiting: deque[threading.Event] = deque()
        self._holder: int | None = None

    def acquire(self, timeout: float) -> bool:
        me = threading.get_ident()
        with self._mutex:
            if self._holder == me:
                raise RuntimeError("a write transaction inside another on the same thread")
            if self._holder is None:
                self._holder = me
                return True
            turn = threading.Event()
            self._waiting.append(turn)
        turn.wait(timeout)
        with self._mutex:
            if turn.is_set():  # handed over (perhaps just as the wait ran out)
                self._holder = me
                return True
            self._waiting.remove(turn)
            return False

    def release(self) -> None:
        with self._mutex:
            self._holder = None
            if self._waiting:
                self._waiting.popleft().set()
                self._holder = HANDED_OVER


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
        self._writers = Turns() if self.dialect == "sqlite" else None
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
        beside = None if readonly or self._writers is None else _beside.get()
        with (
            beside or nullcontext(),
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

    @contextmanager
    def writing_beside(self, lock: AbstractContextManager[object]) -> Iterator[None]:
        """Within the block (this context: this thread, and a task it hands on with its context),
        write transactions also hold `lock` (SQLite only), taken before anything else.

        A SQLite write holds the one write lock of every process on the database, and a writer
        that shares the interpreter with Python-heavy work holds it for as long as the interpreter
        takes to come back to it: a `worker`'s record of a post held it 4 ms at the median among
        sixteen sending threads (1.2 ms alone), and `serve`'s next submit waited behind it. The
        sender passes the lock its renders hold (reentrant: a render may write), so its writes and
        its renders take turns; what answers Slack never waits for it. PostgreSQL locks rows, not
        the database: nothing is held there.
        """
        token = _beside.set(lock)
        try:
            yield
        finally:
            _beside.reset(token)

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
        ten times as long behind other threads' equally short writes. Here they queue (`Turns`),
        and the holder hands the turn to the longest waiting the moment it has committed. Writers
        in other processes (a `worker`, a CLI) are met at `BEGIN IMMEDIATE`
        (`store.engines._begin_immediate`). The wait is bounded like the busy timeout, and by the
        transaction's deadline, the turn and `BEGIN` together (queued behind a writer that is
        itself waiting for another process's lock, a writer waited both in turn: 2 s, not 1.5);
        past it the caller gets `Unavailable`, as from a lock timeout.
        """
        if readonly or self._writers is None:
            yield
            return
        wait = self.limits.statement if self.limits.statement is not None else SQLITE_BATCH_LOCK_WAIT
        if deadline.at is not None:
            wait = min(wait, max(0.0, deadline.at - time.monotonic()))
        # one bound for the whole wait: a turn handed over late leaves BEGIN only what is left
        deadline.lock_by = time.monotonic() + wait
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
