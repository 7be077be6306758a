"""Migration 0013 builds exactly the evidence tables the models describe, on both databases
(Alembic's own comparison: columns, types, nullability, indexes, unique constraints), and rolls
back and forward; the advocates' public id its links carry is 0011's (`test_bench_migration`)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from store.db import Database, alembic_config
from store.models import Base
from tests.support.database import open_database

TABLES = ("evidence", "evidence_uses", "advocates")


def test_the_migration_builds_the_tables_the_models_describe(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    ours = [d for d in differences if any(f"'{table}'" in repr(d) for table in TABLES)]
    assert ours == []


def test_it_rolls_back_to_0012_and_forward_keeping_the_advocates_public_ids(db_url: str) -> None:
    database = open_database(db_url)
    try:
        database.upgrade()
        command.downgrade(alembic_config(database.engine), "0012")
        with database.engine.connect() as connection:
            inspector = sa.inspect(connection)
            assert not {"evidence", "evidence_uses"} & set(inspector.get_table_names())
            assert "public_id" in {c["name"] for c in inspector.get_columns("advocates")}, "0011's, not ours"
        database.upgrade()
        current, head = database.schema_revision()
        assert current == head
        with database.engine.connect() as connection:
            assert {"evidence", "evidence_uses"} <= set(sa.inspect(connection).get_table_names())
    finally:
        database.dispose()
