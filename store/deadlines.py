"""How long the database may keep a caller waiting, and what stops it when it takes longer.

A server behind a network partition never sees our query, so its own statement timeout cannot
help and the driver waits forever for a reply. Each transaction with a deadline is therefore
watched: at the deadline the `Watchdog` cuts off the connection it holds, and the blocked call
fails at once. `store.db` arms it from the pool's checkout and disarms it at checkin.
"""

from __future__ import annotations

import contextlib
import contextvars
import heapq
import itertools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    """How long (seconds) the database may keep a caller waiting; the caller then gets `Unavailable`.

    The defaults fit an ack inside Slack's 3 s with room for Bolt and the answer: the statement
    timeout fires before the transaction's deadline (a clean error that keeps the connection),
    the deadline before Slack gives up. Long batch work uses `BATCH`.
    """

    #: opening a connection (PostgreSQL's connect_timeout: whole seconds, 2 at least)
    connect: float = 2.0
    #: one statement, waits for locks included (PostgreSQL: server-side; SQLite: the busy
    #: timeout); None: unbounded on PostgreSQL, `store.engines.SQLITE_BATCH_LOCK_WAIT` on SQLite
    statement: float | None = 1.5
    #: waiting for a free connection from the pool
    pool: float = 1.0
    #: a whole transaction, from pool checkout to COMMIT; None: no deadline
    transaction: float | None = 2.0


#: what the serving process runs under: every transaction answered inside Slack's 3 s
INTERACTIVE = Limits()
#: imports, migrations, scheduled jobs run by hand: bounded only where a hang is certain
BATCH = Limits(connect=10.0, statement=None, pool=30.0, transaction=None)
#: the health check: a short read on a connection of its own, so it never queues behind anyone
PROBE = Limits(connect=2.0, statement=0.5, pool=0.5, transaction=0.8)


@dataclass
class Deadline:
    """When the current transaction must be over, and the watchdog tickets guarding it."""

    budget: float | None
    at: float | None = field(init=False, default=None)
    tickets: list[int] = field(default_factory=list)
    #: when a SQLite writer stops waiting for the write lock: its turn among this process's
    #: writers and `BEGIN IMMEDIATE` share this one bound (set by `Database._write_turn`)
    lock_by: float | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.at = None if self.budget is None else time.monotonic() + self.budget

    def passed(self) -> bool:
        return self.at is not None and time.monotonic() >= self.at


#: the deadline of the transaction running on this thread, for the engine's events to read
current: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("deadline", default=None)

Callback = Callable[[], None]


def _cutoff(dbapi_connection: Any) -> tuple[Callback, Callback]:
    """How another thread stops a call blocked on this connection: (cut it off, forget it)."""
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:  # sqlite3: abort the running statement
        return dbapi_connection.interrupt, lambda: None
    # psycopg: shut the socket down under the blocked call, which then fails at once and the pool
    # discards the connection. The duplicate is taken now, so a cut can never reach a socket that
    # reused the number after this connection was closed.
    sock = socket.socket(fileno=os.dup(pgconn.socket))

    def cut() -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    return cut, sock.close


class Watchdog:
    """One thread that cuts off, at its deadline, each connection a late transaction still holds.

    It lingers `IDLE_SECONDS` after the last deadline, then exits; the next watch starts it again.
    """

    IDLE_SECONDS = 10.0

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._due: list[tuple[float, int]] = []
        self._armed: dict[int, tuple[Callback, Callback]] = {}
        self._tickets = itertools.count()
        self._running = False

    def watch(self, at: float, dbapi_connection: Any) -> int:
        cutoff = _cutoff(dbapi_connection)
        with self._changed:
            ticket = next(self._tickets)
            self._armed[ticket] = cutoff
            heapq.heappush(self._due, (at, ticket))
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name="db-watchdog", daemon=True).start()
            elif self._due[0][1] == ticket:
                # only a new earliest deadline changes how long the watchdog sleeps: waking it
                # for every transaction cost a thread switch each (seen in the burst's profile)
                self._changed.notify()
        return ticket

    def release(self, ticket: int) -> bool:
        """Stop watching; once this returns, the cut cannot happen. False when it already did (or
        the ticket was released before): the connection may be cut off."""
        with self._changed:
            cutoff = self._armed.pop(ticket, None)
        if cutoff is not None:
            cutoff[1]()
        return cutoff is not None

    def _run(self) -> None:
        with self._changed:
            while True:
                while self._due and self._due[0][1] not in self._armed:
                    heapq.heappop(self._due)  # released in time
                if not self._due:
                    if not self._changed.wait(self.IDLE_SECONDS) and not self._due:
                        self._running = False
                        return
                    continue
                at, ticket = self._due[0]
                if at > time.monotonic():
                    self._changed.wait(at - time.monotonic())
                    continue
                heapq.heappop(self._due)
                cut, _ = self._armed.pop(ticket)
                try:
                    cut()
                except Exception as error:  # already closed: nothing left to stop
                    log.debug("watchdog: %s", error.__class__.__name__)
