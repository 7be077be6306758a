"""Migration 0011 on both databases: the schema it builds is the models' (nothing for autogenerate
to add), a cancelled delivery is refused before it and kept after, and it rolls back and forward."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from store.db import Database, alembic_config
from store.models import Base

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
BENCH_TABLES = {"nominations", "nps_answers", "advocate_blackouts", "forgotten_addresses"}


def delivery(status: str) -> dict[str, object]:
    return {
        "key": f"k-{status}",
        "kind": "advocate_link",
        "recipient": "advocate:1",
        "data": {},
        "status": status,
        "attempts": 0,
        "next_attempt_at": NOW,
        "created_at": NOW,
    }


def test_the_migrated_schema_is_the_models_for_what_0011_adds(db_url: str) -> None:
    database = Database(db_url)
    try:
        database.upgrade()
        with database.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        touched = [
            d
            for d in differences
            if any(name in repr(d) for name in (*BENCH_TABLES, "'advocates'", "forgotten_at", "valued"))
        ]
        assert touched == []
    finally:
        database.dispose()


def test_a_cancelled_delivery_fits_after_0011_and_rolls_back_to_failed(db_url: str) -> None:
    database = Database(db_url)
    try:
        command.upgrade(alembic_config(database.engine), "0007")
        with database.engine.begin() as connection:
            deliveries = sa.Table("deliveries", sa.MetaData(), autoload_with=connection)
        with pytest.raises(sa.exc.IntegrityError), database.engine.begin() as connection:
            connection.execute(sa.insert(deliveries), [delivery("cancelled")])

        database.upgrade()
        with database.engine.begin() as connection:
            connection.execute(sa.insert(deliveries), [delivery("cancelled")])
        command.downgrade(alembic_config(database.engine), "0007")
        with database.engine.connect() as connection:
            assert connection.execute(sa.select(deliveries.c.status)).scalars().all() == ["failed"]
            assert not BENCH_TABLES & set(sa.inspect(connection).get_table_names())

        database.upgrade()
        assert database.schema_revision()[0] == database.schema_revision()[1]
    finally:
        database.dispose()
