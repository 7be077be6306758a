"""Fixtures shared by every tier: databases on both backends, the policy, a fixed clock."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from store.db import Database
from store.rules.policy import Policy, load_policy
from tests.support.database import open_database
from tests.support.postgres import create_database, postgres_server

_db_counter = itertools.count()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'refdesk.db'}"
    server = request.getfixturevalue("postgres_url")
    return create_database(server, f"refdesk_test_{next(_db_counter)}")


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """A migrated, empty database, once per backend."""
    database = open_database(db_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy()


@pytest.fixture
def now() -> dt.datetime:
    return dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
