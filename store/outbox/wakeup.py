"""Waking a sender the moment the outbox is owed something, on PostgreSQL.

An enqueue sends `NOTIFY refdesk_outbox` in the transaction that writes the delivery, so the
notification goes out when (and only if) the change commits; a `refdesk worker` holds a
connection that `LISTEN`s and starts sending at once, instead of finding the row at its next
periodic pass. SQLite has no such signal: its worker looks with a cheap read every fraction of a
second (`store.outbox.queue.anything_due`). Either way the notification only says "look now";
what is due is always read from the table, so a lost notification costs a delay, never a message.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from sqlalchemy import Connection, func, select, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from store.db import Database

log = logging.getLogger(__name__)

CHANNEL = "refdesk_outbox"


#: where a session remembers the transaction that has already asked for the wake-up
_NOTIFIED = "refdesk_outbox_notified"


def notify(session: Session) -> None:
    """Wake the listening senders once this transaction commits (PostgreSQL; nothing on SQLite).

    Asked once per transaction: PostgreSQL would fold a transaction's identical notifications into
    one anyway, and each ask is a round trip inside the transaction — a submit owes three or four
    messages, and under load each `pg_notify` took as long as the insert beside it.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    # a savepoint rolled back takes its notification with it: one asked inside a savepoint
    # counts for that savepoint only
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is not None and session.info.get(_NOTIFIED) is transaction:
        return
    session.execute(select(func.pg_notify(CHANNEL, "")))
    session.info[_NOTIFIED] = session.get_nested_transaction() or session.get_transaction()


class Listener:
    """A connection of its own that `LISTEN`s on the outbox's channel (PostgreSQL only).

    `wait` returns True when a notification came, False when `timeout` passed without one. A lost
    connection raises `ConnectionError`; the caller keeps its periodic passes and opens a new
    listener later.
    """

    def __init__(self, db: Database) -> None:
        self._connection: Connection | None = None
        connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            connection.execute(text(f"LISTEN {CHANNEL}"))
        except Exception:
            connection.close()
            raise
        self._connection = connection
        self._driver: Any = connection.connection.driver_connection

    def wait(self, timeout: float) -> bool:
        try:
            for _ in self._driver.notifies(timeout=timeout, stop_after=1):
                return True
        except Exception as error:  # psycopg's OperationalError: the server or the network went away
            raise ConnectionError(f"the LISTEN connection was lost ({error.__class__.__name__})") from None
        return False

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(sa_exc.SQLAlchemyError, OSError):
                self._connection.invalidate()
                self._connection.close()
            self._connection = None
