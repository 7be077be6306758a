"""Slack event ids already handled: Slack re-sends an event it believes we missed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from store.db import Database
from store.models import SeenEvent

#: Slack stops retrying an event after about an hour; a day of memory is plenty
REMEMBER = dt.timedelta(days=1)


def first_time(db: Database, event_id: str, now: dt.datetime) -> bool:
    """Record `event_id`; True only for the first delivery of that event, on any replica."""
    with db.transaction() as session:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table = SeenEvent.__table__
        added = session.execute(
            insert(table)
            .values(event_id=event_id, seen_at=now)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(table.c.event_id)
        ).first()
        session.execute(delete(SeenEvent).where(SeenEvent.seen_at < now - REMEMBER))
        return added is not None
