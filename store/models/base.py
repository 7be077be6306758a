"""What every table shares: the naming convention of constraints, the UTC datetime column type,
the declarative base, and `normalize`, the one folding of names the search keys store."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def normalize(text: str) -> str:
    """The comparable form of a name, an industry or a searched field: trimmed, single-spaced,
    case-folded.

    Folded here in Python, never by the database: SQLite's lower() folds ASCII only, and
    PostgreSQL's depends on the server's locale, so the keys below are what both compare.
    """
    return " ".join(text.split()).casefold()


def new_public_id() -> str:
    """The id a thing is known by outside the company (the advocate's links): random, so a link
    says nothing about how many there are, nor leads to another one."""
    return secrets.token_urlsafe(16)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
