"""Migration 0002 on both databases: accounts imported before it are found by their folded keys."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import command

from store.accounts.find import find_accounts
from store.accounts.lookup import search_accounts
from store.db import alembic_config
from store.rules.policy import Policy
from tests.support.database import open_database

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)


def test_accounts_written_before_the_search_keys_are_backfilled(db_url: str, policy: Policy) -> None:
    database = open_database(db_url)
    try:
        command.upgrade(alembic_config(database.engine), "0001")
        with database.engine.begin() as connection:
            accounts = sa.Table("accounts", sa.MetaData(), autoload_with=connection)
            connection.execute(
                sa.insert(accounts),
                [
                    {
                        "name": name,
                        "name_key": name.casefold(),
                        "industry": "",
                        "industry_key": "",
                        "segment": segment,
                        "region": region,
                        "products": products,
                        "crm_id": crm_id,
                        "status": "active",
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for name, segment, region, products, crm_id in (
                        ("Acme", "Enterprise", "MÜNCHEN", "Payments", "DE-ÄÖÜ-1"),
                        ("Globex", "GROSSKUNDEN", "  Île   de France ", "ÉCLAIR;Risk", None),
                    )
                ],
            )

        database.upgrade()

        current, head = database.schema_revision()
        assert current == head
        assert [c.name for c in search_accounts(database, "de-äöü")] == ["Acme"]
        found = [f.name for f in find_accounts(database, policy, "münchen", NOW.date()).fits]
        assert found == ["Acme"]
        for words in ("île de", "éclair", "großkunden"):
            assert [f.name for f in find_accounts(database, policy, words, NOW.date()).fits] == ["Globex"]
    finally:
        database.dispose()


def test_the_search_keys_can_be_rolled_back_and_forward(db_url: str) -> None:
    database = open_database(db_url)
    try:
        database.upgrade()
        command.downgrade(alembic_config(database.engine), "0001")
        with database.engine.connect() as connection:
            columns = {c["name"] for c in sa.inspect(connection).get_columns("accounts")}
        assert "region_key" not in columns

        database.upgrade()

        current, head = database.schema_revision()
        assert current == head
    finally:
        database.dispose()
