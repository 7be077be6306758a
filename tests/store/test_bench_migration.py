"""Migration 0011 on both databases: the schema it builds is the models' (nothing for autogenerate
to add), a cancelled delivery is refused before it and kept after, and it rolls back and forward."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from store.db import Database, alembic_config
from store.models import Base
from tests.support.database import open_database

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
    database = open_database(db_url)
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


def before_0011(database: Database) -> str:
    """The revision 0011 follows (the lead re-chains the branches' revisions when merging them)."""
    revision = ScriptDirectory.from_config(alembic_config(database.engine)).get_revision("0011")
    assert revision is not None and isinstance(revision.down_revision, str)
    return revision.down_revision


def test_a_cancelled_delivery_fits_after_0011_and_rolls_back_to_failed(db_url: str) -> None:
    database = open_database(db_url)
    try:
        command.upgrade(alembic_config(database.engine), before_0011(database))
        with database.engine.begin() as connection:
            deliveries = sa.Table("deliveries", sa.MetaData(), autoload_with=connection)
        with pytest.raises(sa.exc.IntegrityError), database.engine.begin() as connection:
            connection.execute(sa.insert(deliveries), [delivery("cancelled")])

        database.upgrade()
        with database.engine.begin() as connection:
            connection.execute(sa.insert(deliveries), [delivery("cancelled")])
        command.downgrade(alembic_config(database.engine), before_0011(database))
        with database.engine.connect() as connection:
            assert connection.execute(sa.select(deliveries.c.status)).scalars().all() == ["failed"]
            assert not BENCH_TABLES & set(sa.inspect(connection).get_table_names())

        database.upgrade()
        assert database.schema_revision()[0] == database.schema_revision()[1]
    finally:
        database.dispose()


def test_advocates_before_it_get_an_opaque_id_for_their_page(db_url: str) -> None:
    """Their page's link carries an opaque id, never the sequential one: 0011 gives every advocate
    kept before it one of their own."""
    database = open_database(db_url)
    try:
        command.upgrade(alembic_config(database.engine), before_0011(database))
        with database.engine.begin() as connection:
            meta = sa.MetaData()
            accounts = sa.Table("accounts", meta, autoload_with=connection)
            advocates = sa.Table("advocates", meta, autoload_with=connection)
            words = {
                key: "x" for key in ("name", "name_key", "industry", "industry_key", "segment", "region")
            }
            connection.execute(
                sa.insert(accounts),
                [
                    {
                        **words,
                        "id": 1,
                        "products": "",
                        "status": "active",
                        "created_at": NOW,
                        "updated_at": NOW,
                        "event_id": "e1",
                    }
                ],
            )
            connection.execute(
                sa.insert(advocates),
                [
                    {"account_id": 1, "name": name, "person_key": name, "title": "", "activities": ""}
                    for name in ("jane", "hank")
                ],
            )

        database.upgrade()
        with database.engine.connect() as connection:
            ids = connection.execute(sa.text("SELECT public_id FROM advocates")).scalars().all()
        assert len(set(ids)) == 2 and all(len(key) >= 20 for key in ids)
    finally:
        database.dispose()
