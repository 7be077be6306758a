"""Migration 0013 builds exactly the evidence tables (and the advocates' public id) the models
describe, on both databases (Alembic's own comparison: columns, types, nullability, indexes, unique
constraints); advocates written before it get an opaque id each, and it rolls back and forward."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from store.db import Database, alembic_config
from store.models import Base

TABLES = ("evidence", "evidence_uses", "advocates")
NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)


def test_the_migration_builds_the_tables_the_models_describe(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    ours = [d for d in differences if any(f"'{table}'" in repr(d) for table in TABLES)]
    assert ours == []


def test_advocates_before_it_get_an_opaque_id_and_it_rolls_back_and_forward(db_url: str) -> None:
    database = Database(db_url)
    try:
        command.upgrade(alembic_config(database.engine), "0010")
        with database.engine.begin() as connection:
            meta = sa.MetaData()
            accounts = sa.Table("accounts", meta, autoload_with=connection)
            advocates = sa.Table("advocates", meta, autoload_with=connection)
            connection.execute(
                sa.insert(accounts).values(
                    id=1,
                    name="Acme",
                    name_key="acme",
                    status="active",
                    created_at=NOW,
                    updated_at=NOW,
                    **dict.fromkeys(("industry", "industry_key", "segment", "region", "products"), ""),
                )
            )
            connection.execute(
                sa.insert(advocates),
                [
                    {"id": i, "account_id": 1, "name": n, "person_key": n, "title": "", "activities": ""}
                    for i, n in ((1, "jane"), (2, "sam"))
                ],
            )

        database.upgrade()

        with database.engine.connect() as connection:
            ids = connection.execute(sa.text("SELECT public_id FROM advocates ORDER BY id")).scalars().all()
        assert len(set(ids)) == 2 and all(len(i) == 22 and not i.isdigit() for i in ids)
        command.downgrade(alembic_config(database.engine), "0010")
        with database.engine.connect() as connection:
            assert "public_id" not in {c["name"] for c in sa.inspect(connection).get_columns("advocates")}
        database.upgrade()
        current, head = database.schema_revision()
        assert current == head
    finally:
        database.dispose()
