"""`refdesk db backup` → `refdesk db restore` on both databases, every table's checksum equal; and
two `refdesk db upgrade` at once on PostgreSQL: both succeed, one migrates."""

from __future__ import annotations

import datetime as dt
import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import inspect, select, table, text

from tests.support.database import open_database
from tests.support.postgres import create_database
from tests.support.program import over_asked_accounts
from tests.support.server import run_cli


def checksums(url: str) -> dict[str, str]:
    """Each table's rows, in primary-key order, hashed."""
    db = open_database(url)
    try:
        with db.engine.connect() as connection:
            inspector = inspect(connection)
            sums = {}
            for name in inspector.get_table_names():
                keys = inspector.get_pk_constraint(name)["constrained_columns"] or [
                    c["name"] for c in inspector.get_columns(name)
                ]
                columns = [c["name"] for c in inspector.get_columns(name)]
                rows = connection.execute(
                    select(*[text(f'"{c}"') for c in columns])
                    .select_from(table(name))
                    .order_by(*[text(f'"{k}"') for k in keys])
                ).all()
                sums[name] = hashlib.sha256(repr([tuple(map(str, row)) for row in rows]).encode()).hexdigest()
            return sums
    finally:
        db.dispose()


def test_a_backup_restores_every_table_as_it_was(db_url: str, tmp_path: Path) -> None:
    env = {"DATABASE_URL": db_url}
    assert run_cli(env, "db", "upgrade").returncode == 0
    db = open_database(db_url)
    over_asked_accounts(db, ["U0OWNER1", "U0OWNER2"], dt.datetime(2026, 11, 23, tzinfo=dt.UTC))
    db.dispose()
    before = checksums(db_url)
    backup = tmp_path / "refdesk.backup"

    made = run_cli(env, "db", "backup", str(backup))
    assert made.returncode == 0, made.stderr
    later = open_database(db_url)
    with later.transaction() as session:  # what happens after the backup is undone by the restore
        session.execute(text("DELETE FROM ledger_entries"))
    later.dispose()
    assert checksums(db_url) != before
    restored = run_cli(env, "db", "restore", str(backup))

    assert restored.returncode == 0, restored.stderr
    assert checksums(db_url) == before
    assert {"accounts", "ledger_entries", "alembic_version"} <= set(before)


def test_a_restore_refuses_a_file_that_is_not_a_backup(db_url: str, tmp_path: Path) -> None:
    env = {"DATABASE_URL": db_url}
    assert run_cli(env, "db", "upgrade").returncode == 0
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")

    refused = run_cli(env, "db", "restore", str(junk))

    assert refused.returncode == 2
    assert (
        refused.stderr.startswith("refdesk: ") and "is not a" in refused.stderr and "backup" in refused.stderr
    )


def test_two_upgrades_at_once_both_succeed_and_one_migrates(postgres_url: str) -> None:
    env = {"DATABASE_URL": create_database(postgres_url, "refdesk_upgrade_race")}
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda _: run_cli(env, "db", "upgrade"), range(2)))

    assert [run.returncode for run in runs] == [0, 0], [run.stderr for run in runs]
    said = sorted(run.stdout for run in runs)
    assert sum("migrated from an empty database" in line for line in said) == 1, said
    assert sum("nothing to migrate" in line for line in said) == 1, said
