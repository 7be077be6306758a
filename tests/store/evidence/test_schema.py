"""Migration 0013 builds exactly the evidence tables the models describe, on both databases
(Alembic's own comparison: columns, types, nullability, indexes, unique constraints)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from store.db import Database
from store.models import Base

TABLES = ("evidence", "evidence_uses")


def test_the_migration_builds_the_tables_the_models_describe(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    ours = [d for d in differences if any(f"'{table}'" in repr(d) for table in TABLES)]
    assert ours == []
