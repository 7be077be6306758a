"""Backing the database up to one file and restoring it (`refdesk db backup` / `db restore`).

SQLite: the online backup API (`sqlite3.Connection.backup`), a consistent copy taken while the app
keeps writing, into an SQLite file; a restore copies such a file back the same way, page by page.
PostgreSQL: `pg_dump --format=custom` (one consistent snapshot, taken without stopping the app)
and `pg_restore --clean --if-exists --single-transaction` (all or nothing), both bounded by a
timeout. The password is handed to them in the environment, never on a command line that any
user of the machine could read.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from store.db import Database

#: how long `pg_dump` or `pg_restore` may run before the backup is given up
DEFAULT_TIMEOUT = 3600.0
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or a restore that could not be made; the message is one line saying why."""


def backup(db: Database, path: Path, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Write a consistent copy of the whole database to `path`."""
    url = make_url(db.url)
    if db.dialect == "sqlite":
        with closing(_sqlite(url)) as source, closing(sqlite3.connect(path)) as target:
            source.backup(target)
        return
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={path}"], url, timeout)


def restore(db: Database, path: Path, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Replace the database's contents with the backup at `path` (stop every process first)."""
    try:
        head = path.read_bytes()[:16]
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror}") from None
    url = make_url(db.url)
    if db.dialect == "sqlite":
        if head != SQLITE_MAGIC:
            raise BackupError(f"{path} is not an SQLite backup (made by `refdesk db backup` on SQLite)")
        with (
            closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as source,
            closing(_sqlite(url)) as target,
        ):
            source.backup(target)
        return
    if not head.startswith(PG_DUMP_MAGIC):
        raise BackupError(f"{path} is not a PostgreSQL backup (made by `refdesk db backup` on PostgreSQL)")
    _run(
        [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction", str(path)],
        url,
        timeout,
        to_database=True,
    )


def _sqlite(url: URL) -> sqlite3.Connection:
    if url.database in (None, "", ":memory:"):
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return sqlite3.connect(url.database, timeout=30)


def _tool(name: str) -> str:
    """The PostgreSQL client program `name`: on the PATH, else from the server's own packages."""
    found = shutil.which(name)
    if found is None:
        packaged = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
        found = packaged[-1] if packaged else None
    if found is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client (postgresql-client)")
    return found


def _run(command: list[str], url: URL, timeout: float, *, to_database: bool = False) -> None:
    """Run a PostgreSQL client against `url`'s database, connection details in its environment."""
    environment = {
        **os.environ,
        "PGHOST": url.host or "",
        "PGPORT": str(url.port or 5432),
        "PGUSER": url.username or "",
        "PGPASSWORD": url.password or "",
        "PGDATABASE": url.database or "",
        "PGCONNECT_TIMEOUT": "10",
    }
    if to_database:
        command = [*command[:-1], f"--dbname={url.database}", command[-1]]
    try:
        done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BackupError(f"{Path(command[0]).name} took longer than {timeout:g} s: stopped") from None
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1][:300]
        raise BackupError(f"{Path(command[0]).name} failed ({reason})")
