"""Reading a CRM export: its rows by line number, and what is wrong with the file or with a row.

Everything a database would refuse is found here, before anything is written, so that SQLite and
PostgreSQL answer alike: PostgreSQL rejects a value longer than its column and any NUL byte, which
SQLite would store without a word. The limits are read from the models, so a column that grows
needs no change here.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, String

from store.addresses import BadAddress, clean_address
from store.models import Account, AccountStatus, Advocate, normalize
from store.rules.policy import Policy

ACCOUNT_COLUMNS = (
    "name",
    "industry",
    "segment",
    "region",
    "products",
    "owner_email",
    "crm_id",
    "renewal_date",
    "status",
)
ADVOCATE_COLUMNS = ("account", "name", "title", "email", "activities")
#: what `surrogateescape` makes of a byte that is not UTF-8
_NOT_UTF8 = re.compile("[\udc80-\udcff]")

#: the csv module's words for a broken quote, in words a CRM admin can act on
_QUOTE_ERRORS = {
    "unexpected end of data": "unterminated quote",
    "',' expected after '\"'": 'text after a closing quote (write a quote inside a quoted field as "")',
}


class ImportFileError(Exception):
    """The file as a whole cannot be read (missing, wrong columns, broken quoting, not UTF-8)."""


class BadRow(Exception):
    """One row cannot be imported; the message says why, without the line number."""


@dataclass(frozen=True)
class AccountRow:
    line: int
    name: str
    industry: str
    segment: str
    region: str
    products: str
    owner_email: str | None
    crm_id: str | None
    renewal_date: dt.date | None
    status: str


@dataclass(frozen=True)
class AdvocateRow:
    line: int
    account: str
    name: str
    title: str
    email: str | None
    activities: str


def count_rows(path: Path) -> int:
    """Data rows in the file, for a progress bar's total."""
    return sum(1 for _ in records(path, ())) if path.is_file() else 0


def records(
    path: Path, required: tuple[str, ...], rename: dict[str, str] | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number where the row starts, its cells by lower-cased column name), blank rows skipped.

    `rename` maps a file's own headers (lower-cased) to the columns the import reads, for exports
    whose tool names them its own way ("Opportunity Name" → name).

    A plain `csv.reader` yields blank lines as empty rows, so the line count stays exact even
    across blank lines and quoted fields that span several lines. Strict mode makes a quote that
    never closes an error instead of a field holding the rest of the file.
    """
    try:
        # bytes that are not UTF-8 are kept as lone surrogates and found row by row below: a
        # decoder error would name the line where its buffer began, not the line at fault
        handle = path.open(newline="", encoding="utf-8-sig", errors="surrogateescape")
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot open ({exc.strerror})") from None
    with handle:
        reader = csv.reader(handle, strict=True)
        line = 0
        try:
            header = [name.strip().lower() for name in _utf8(path, 1, next(reader, []))]
            header = _renamed(path, header, rename or {})
            _check_header(path, header, required)
            line = reader.line_num
            for cells in reader:
                cells = _utf8(path, line + 1, cells)
                values = {name: cell.strip() for name, cell in zip(header, cells, strict=False)}
                if any(values.values()):
                    yield line + 1, values
                line = reader.line_num
        except csv.Error as exc:
            reason = _QUOTE_ERRORS.get(str(exc), str(exc))
            raise ImportFileError(f"{path}: line {line + 1}: {reason}") from None


def _utf8(path: Path, line: int, cells: list[str]) -> list[str]:
    """`cells` when they were UTF-8 text in the file (no byte kept as a lone surrogate)."""
    if any(_NOT_UTF8.search(cell) for cell in cells):
        raise ImportFileError(f"{path}: line {line}: not UTF-8 text")
    return cells


def _renamed(path: Path, header: list[str], rename: dict[str, str]) -> list[str]:
    """The header with `rename` applied; a mapped header the file lacks is an error, not a no-op,
    so a typo in a mapping does not read as a missing column further on."""
    absent = [name for name in rename if name not in header]
    if absent:
        raise ImportFileError(f"{path}: line 1: the mapping names column {absent[0]!r}, which the file lacks")
    return [rename.get(name, name) for name in header]


def _check_header(path: Path, header: list[str], required: tuple[str, ...]) -> None:
    """Every column the import reads is there, once (a second one would silently win)."""
    missing = [column for column in required if column not in header]
    if missing:
        raise ImportFileError(f"{path}: line 1: missing column(s) {', '.join(missing)}")
    twice = [column for column in required if header.count(column) > 1]
    if twice:
        raise ImportFileError(f'{path}: line 1: column "{twice[0]}" appears twice')


def _check_no_nul(raw: dict[str, str], columns: tuple[str, ...]) -> None:
    """No NUL byte in a column the import reads (PostgreSQL refuses one in any text)."""
    for column in columns:
        if "\x00" in raw.get(column, ""):
            raise BadRow(f"{column} contains a NUL byte")


def address(raw: dict[str, str], column: str) -> str | None:
    """The row's address in `column`, cleaned (`store.addresses.clean_address`), or None if empty."""
    typed = raw.get(column) or ""
    if not typed:
        return None
    try:
        return clean_address(typed)
    except BadAddress as bad:
        raise BadRow(f"{column} {bad}") from None


def parse_mapping(text: str, known: tuple[str, ...]) -> dict[str, str]:
    """`--map 'Opportunity Name=name,Amount (converted)=amount'` → {"opportunity name": "name", …}.

    Raises ValueError naming what is wrong: a pair without "=", or a target the import does not
    read (`known`).
    """
    mapping: dict[str, str] = {}
    for pair in filter(None, (part.strip() for part in text.split(","))):
        header, sep, column = (item.strip() for item in pair.partition("="))
        if not sep or not header or not column:
            raise ValueError(f"{pair!r} is not HEADER=column")
        if column.lower() not in known:
            raise ValueError(f"{column!r} is not a column the import reads ({', '.join(known)})")
        mapping[header.lower()] = column.lower()
    return mapping


def _check_fits(column: ColumnElement[Any], field: str, value: str | None, how: str = "") -> None:
    """`value` fits `column` (PostgreSQL refuses a longer one; SQLite would keep it)."""
    limit = column.type.length if isinstance(column.type, String) else None
    if value is not None and limit is not None and len(value) > limit:
        raise BadRow(f"{field} is longer than {limit} characters{how}")


def parse_account(line: int, raw: dict[str, str]) -> AccountRow:
    """The row as it will be written, or `BadRow` with the first reason it cannot be."""
    _check_no_nul(raw, ACCOUNT_COLUMNS)
    name = " ".join(raw.get("name", "").split())
    if not name:
        raise BadRow("name is empty")
    email = address(raw, "owner_email")
    renewal = raw.get("renewal_date") or None
    renewal_date = None
    if renewal:
        try:
            renewal_date = dt.date.fromisoformat(renewal)
        except ValueError:
            raise BadRow(f"renewal_date {renewal!r} is not a date (YYYY-MM-DD)") from None
    status = (raw.get("status") or AccountStatus.ACTIVE).lower().replace(" ", "_")
    if status not in {s.value for s in AccountStatus}:
        raise BadRow(f"status {raw.get('status')!r} is not one of active, paused, do_not_contact")
    row = AccountRow(
        line=line,
        name=name,
        industry=raw.get("industry", ""),
        segment=raw.get("segment", ""),
        region=raw.get("region", ""),
        products=";".join(p.strip() for p in raw.get("products", "").split(";") if p.strip()),
        owner_email=email,
        crm_id=raw.get("crm_id") or None,
        renewal_date=renewal_date,
        status=status,
    )
    columns = Account.__table__.c
    for field in ("name", "industry", "segment", "region", "owner_email", "crm_id"):
        _check_fits(columns[field], field, getattr(row, field))
    # case folding may lengthen text ("ß" → "ss"), and the keys are columns too
    _check_fits(columns.name_key, "name", normalize(row.name), " once case-folded")
    _check_fits(columns.industry_key, "industry", normalize(row.industry), " once case-folded")
    return row


def parse_advocate(line: int, raw: dict[str, str], policy: Policy) -> AdvocateRow:
    """The row as it will be written (its account still to be found), or `BadRow` with why not."""
    _check_no_nul(raw, ADVOCATE_COLUMNS)
    account = raw.get("account", "")
    if not account:
        raise BadRow("account is empty")
    name = " ".join(raw.get("name", "").split())
    if not name:
        raise BadRow("name is empty")
    email = address(raw, "email")
    activities = [a.strip() for a in raw.get("activities", "").split(";") if a.strip()]
    unknown = [a for a in activities if a not in policy.activities]
    if unknown:
        raise BadRow(f"unknown activity {unknown[0]!r} (known: {', '.join(policy.activities)})")
    row = AdvocateRow(line, account, name, raw.get("title", ""), email, ";".join(activities))
    columns = Advocate.__table__.c
    for field in ("name", "title", "email"):
        _check_fits(columns[field], field, getattr(row, field))
    if row.email is None:  # the name, folded, is the advocate's key
        _check_fits(columns.person_key, "name", normalize(row.name), " once case-folded")
    return row
