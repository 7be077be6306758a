"""Waking a listening sender on PostgreSQL: one `pg_notify` per transaction that owes anything,
sent only when it commits, and every such transaction wakes the sender."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

import pytest
from sqlalchemy import event

from store.db import Database
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.outbox.wakeup import Listener
from tests.support.database import open_database
from tests.support.postgres import create_database

_names = itertools.count()


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Database]:
    database = open_database(create_database(postgres_url, f"refdesk_wakeup_{next(_names)}"))
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def notifies(pg: Database) -> list[str]:
    """Every `pg_notify` statement the app's engine runs."""
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "pg_notify" in statement:
            seen.append(statement)

    event.listen(pg.engine, "before_cursor_execute", record)
    return seen


def _owe(pg: Database, now: dt.datetime, *keys: str) -> None:
    with pg.transaction() as session:
        for key in keys:
            queue.enqueue(session, key=key, kind=DeliveryKind.FOLLOWUP, recipient="U1", now=now)


def test_a_transaction_owing_three_messages_asks_once_and_wakes_the_sender(
    pg: Database, notifies: list[str], now: dt.datetime
) -> None:
    listener = Listener(pg)
    try:
        _owe(pg, now, "followup:1", "followup:2", "followup:3")
        assert len(notifies) == 1
        assert listener.wait(5.0) is True
    finally:
        listener.close()


def test_each_transaction_that_owes_something_wakes_the_sender(
    pg: Database, notifies: list[str], now: dt.datetime
) -> None:
    listener = Listener(pg)
    try:
        _owe(pg, now, "followup:1")
        assert listener.wait(5.0) is True
        _owe(pg, now, "followup:2", "followup:3")
        assert listener.wait(5.0) is True
        assert len(notifies) == 2
    finally:
        listener.close()


def test_a_transaction_that_rolls_back_wakes_nobody(
    pg: Database, notifies: list[str], now: dt.datetime
) -> None:
    listener = Listener(pg)
    try:
        with pytest.raises(RuntimeError), pg.transaction() as session:
            queue.enqueue(session, key="followup:1", kind=DeliveryKind.FOLLOWUP, recipient="U1", now=now)
            raise RuntimeError("the change fails after its enqueue")
        assert notifies and listener.wait(0.5) is False
        _owe(pg, now, "followup:1")
        assert listener.wait(5.0) is True
    finally:
        listener.close()


def test_a_savepoint_rolled_back_with_its_notification_leaves_the_next_enqueue_to_ask_again(
    pg: Database, notifies: list[str], now: dt.datetime
) -> None:
    listener = Listener(pg)
    try:
        with pg.transaction() as session:
            with pytest.raises(RuntimeError), session.begin_nested():
                queue.enqueue(session, key="followup:1", kind=DeliveryKind.FOLLOWUP, recipient="U1", now=now)
                raise RuntimeError("the savepoint's change fails")
            queue.enqueue(session, key="followup:2", kind=DeliveryKind.FOLLOWUP, recipient="U1", now=now)
        assert len(notifies) == 2
        assert listener.wait(5.0) is True
    finally:
        listener.close()
