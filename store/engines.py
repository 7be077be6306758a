"""How each backend's engine is tuned and bounded: SQLite's write lock, PostgreSQL's session
settings, the pool's ping and the watchdog armed at checkout.

`store.db.Database` builds its engines here; nothing else needs them.
"""

from __future__ import annotations

import math
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url

from store.deadlines import Limits, Watchdog, current

#: SQLite's busy timeout (seconds) when `Limits.statement` sets no bound: a batch writer waits
#: this long for the one write lock (the serving process never holds it for more than a budget)
SQLITE_BATCH_LOCK_WAIT = 30.0
#: SQLite result codes (primary, the low byte) that mean "not now" rather than "wrong SQL"
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_INTERRUPT = 5, 6, 9


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
    Here the pauses start at 0.2 ms and never exceed 2 ms, within the busy timeout, the
    transaction's deadline and what is left of the writer's wait for its turn; the last look is
    SQLite's own, so a lock held too long fails as a busy timeout always has
    (`Database._unavailable`: "the database is locked").
    """
    dbapi = connection.connection.dbapi_connection
    until = time.monotonic() + busy
    deadline = current.get()
    if deadline is not None:
        for bound in (deadline.at, deadline.lock_by):
            if bound is not None:
                until = min(until, bound)
    pause = LOCK_LOOK_FIRST
    began = False
    try:
        _busy_timeout(connection, 0.0)
        while not began and time.monotonic() + pause < until:
            try:
                dbapi.execute("BEGIN IMMEDIATE")
                began = True
            except connection.dialect.loaded_dbapi.Error as error:
                if getattr(error, "sqlite_errorcode", 0) & 0xFF != SQLITE_BUSY:
                    break  # not the lock: the look below reports it as SQLAlchemy does
                time.sleep(pause)
                pause = min(pause * 1.5, LOCK_LOOK_LONGEST)
        if not began:
            _busy_timeout(connection, max(0.0, until - time.monotonic()))
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        # the connection goes back to the pool with its own busy timeout, or not at all
        try:
            _busy_timeout(connection, busy)
        except Exception:
            connection.invalidate()
        raise
    _busy_timeout(connection, busy)


def _busy_timeout(connection: Any, seconds: float) -> None:
    """SQLite's busy timeout of this connection (whole milliseconds, as `sqlite3.connect` sets it)."""
    connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(seconds * 1000)}")


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
