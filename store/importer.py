"""CSV import of a CRM export: accounts and advocates.

A file is checked whole before anything is written: each bad row is reported as `line N: reason`
and, unless the caller accepts skipping them, a file with bad rows imports nothing. Re-importing
updates rows in place (accounts keyed by CRM id, else name; advocates by e-mail, else name).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.accounts import normalize
from store.db import Database
from store.models import Account, AccountStatus, Advocate
from store.policy import Policy

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
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

#: e-mail → Slack user id, or None when no Slack user has that e-mail
OwnerResolver = Callable[[str], str | None]
Progress = Callable[[int], None]


class ImportFileError(Exception):
    """The file as a whole cannot be read (missing, wrong columns, not UTF-8)."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    bad_rows: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: True when bad rows stopped the import: nothing was written
    aborted: bool = False


@dataclass(frozen=True)
class _AccountRow:
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
class _AdvocateRow:
    line: int
    account: str
    name: str
    title: str
    email: str | None
    activities: str


class _BadRow(Exception):
    pass


def count_rows(path: Path) -> int:
    """Data rows in the file, for a progress bar's total."""
    return sum(1 for _ in _records(path, ())) if path.is_file() else 0


def _records(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number where the row starts, its cells by lower-cased column name), blank rows skipped.

    A plain `csv.reader` yields blank lines as empty rows, so the line count stays exact even
    across blank lines and quoted fields that span several lines.
    """
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot open ({exc.strerror})") from None
    with handle:
        reader = csv.reader(handle)
        line = 0
        try:
            header = [name.strip().lower() for name in next(reader, [])]
            missing = [column for column in required if column not in header]
            if missing:
                raise ImportFileError(f"{path}: line 1: missing column(s) {', '.join(missing)}")
            line = reader.line_num
            for cells in reader:
                values = {name: cell.strip() for name, cell in zip(header, cells, strict=False)}
                if any(values.values()):
                    yield line + 1, values
                line = reader.line_num
        except UnicodeDecodeError:
            raise ImportFileError(f"{path}: line {line + 1}: not UTF-8 text") from None
        except csv.Error as exc:
            raise ImportFileError(f"{path}: line {reader.line_num}: {exc}") from None


def _parse_account(line: int, raw: dict[str, str]) -> _AccountRow:
    name = raw.get("name", "")
    if not name:
        raise _BadRow("name is empty")
    if len(name) > 200:
        raise _BadRow("name is longer than 200 characters")
    email = raw.get("owner_email") or None
    if email and not EMAIL.match(email):
        raise _BadRow(f"owner_email {email!r} is not an e-mail address")
    renewal = raw.get("renewal_date") or None
    renewal_date = None
    if renewal:
        try:
            renewal_date = dt.date.fromisoformat(renewal)
        except ValueError:
            raise _BadRow(f"renewal_date {renewal!r} is not a date (YYYY-MM-DD)") from None
    status = (raw.get("status") or AccountStatus.ACTIVE).lower().replace(" ", "_")
    if status not in {s.value for s in AccountStatus}:
        raise _BadRow(f"status {raw.get('status')!r} is not one of active, paused, do_not_contact")
    return _AccountRow(
        line=line,
        name=" ".join(name.split()),
        industry=raw.get("industry", ""),
        segment=raw.get("segment", ""),
        region=raw.get("region", ""),
        products=";".join(p.strip() for p in raw.get("products", "").split(";") if p.strip()),
        owner_email=email.lower() if email else None,
        crm_id=raw.get("crm_id") or None,
        renewal_date=renewal_date,
        status=status,
    )


def _parse_advocate(line: int, raw: dict[str, str], policy: Policy) -> _AdvocateRow:
    account = raw.get("account", "")
    if not account:
        raise _BadRow("account is empty")
    name = raw.get("name", "")
    if not name:
        raise _BadRow("name is empty")
    email = raw.get("email") or None
    if email and not EMAIL.match(email):
        raise _BadRow(f"email {email!r} is not an e-mail address")
    activities = [a.strip() for a in raw.get("activities", "").split(";") if a.strip()]
    unknown = [a for a in activities if a not in policy.activities]
    if unknown:
        raise _BadRow(f"unknown activity {unknown[0]!r} (known: {', '.join(policy.activities)})")
    return _AdvocateRow(
        line,
        account,
        " ".join(name.split()),
        raw.get("title", ""),
        email.lower() if email else None,
        ";".join(activities),
    )


def import_accounts(
    db: Database,
    path: Path,
    *,
    now: dt.datetime,
    resolve_owner: OwnerResolver | None,
    skip_bad_rows: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    report = ImportReport()
    rows: list[_AccountRow] = []
    seen: dict[str, int] = {}
    for line, raw in _records(path, ACCOUNT_COLUMNS):
        try:
            row = _parse_account(line, raw)
            key = f"crm:{row.crm_id}" if row.crm_id else f"name:{normalize(row.name)}"
            if key in seen:
                raise _BadRow(f"same {'crm_id' if row.crm_id else 'name'} as line {seen[key]}")
            seen[key] = line
            rows.append(row)
        except _BadRow as exc:
            report.bad_rows.append(f"line {line}: {exc}")
    with db.transaction() as session:
        clashes = _name_clashes(session, rows)
    if clashes:
        rows = [row for row in rows if row.line not in clashes]
        report.bad_rows.extend(f"line {line}: {reason}" for line, reason in clashes.items())
        report.bad_rows.sort(key=lambda text: int(text.split(":")[0].removeprefix("line ")))
    if report.bad_rows and not skip_bad_rows:
        report.aborted = True
        return report
    report.skipped = len(report.bad_rows)

    owners: dict[str, str | None] = {}
    for row in rows:
        email = row.owner_email
        if email and email not in owners:
            owners[email] = resolve_owner(email) if resolve_owner else None
            if owners[email] is None and resolve_owner is not None:
                report.warnings.append(
                    f"line {row.line}: no Slack user has the e-mail {email}: "
                    "the account's requests will go to the program admins"
                )

    with db.transaction() as session:
        by_crm = {a.crm_id: a for a in session.scalars(select(Account).where(Account.crm_id.is_not(None)))}
        by_name = {a.name_key: a for a in session.scalars(select(Account))}
        for done, row in enumerate(rows, start=1):
            account = by_crm.get(row.crm_id) if row.crm_id else None
            account = account or by_name.get(normalize(row.name))
            if account is None:
                account = Account(created_at=now)
                session.add(account)
                report.created += 1
            else:
                report.updated += 1
            account.name = row.name
            account.name_key = normalize(row.name)
            account.industry = row.industry
            account.industry_key = normalize(row.industry)
            account.segment = row.segment
            account.region = row.region
            account.products = row.products
            account.crm_id = row.crm_id
            account.owner_email = row.owner_email
            account.owner_slack_id = owners.get(row.owner_email) if row.owner_email else None
            account.renewal_date = row.renewal_date
            account.status = row.status
            account.updated_at = now
            by_name[account.name_key] = account
            if progress is not None:
                progress(done)
    return report


def _name_clashes(session: Session, rows: list[_AccountRow]) -> dict[int, str]:
    """Rows that would give an account a name another account keeps (names are unique).

    Plays the import forward on the names alone: a row updates the account with its CRM id (else
    its name) or creates one; renaming frees the old name for a later row.
    """
    by_crm: dict[str, int | str] = {}
    holder: dict[str, int | str] = {}
    for account_id, name_key, crm_id in session.execute(select(Account.id, Account.name_key, Account.crm_id)):
        holder[name_key] = account_id
        if crm_id:
            by_crm[crm_id] = account_id
    name_of = {account: key for key, account in holder.items()}
    crm_of = {account: crm for crm, account in by_crm.items()}
    clashes: dict[int, str] = {}
    for row in rows:
        key = normalize(row.name)
        target = (by_crm.get(row.crm_id) if row.crm_id else None) or holder.get(key) or f"line {row.line}"
        other_crm = crm_of.get(target)
        if holder.get(key, target) != target or (row.crm_id and other_crm and other_crm != row.crm_id):
            clashes[row.line] = f"name {row.name!r} is already another account's (a different crm_id)"
            continue
        holder.pop(name_of.get(target, ""), None)
        holder[key] = target
        name_of[target] = key
        if row.crm_id:
            by_crm[row.crm_id] = target
            crm_of[target] = row.crm_id
    return clashes


def import_advocates(
    db: Database,
    path: Path,
    policy: Policy,
    *,
    skip_bad_rows: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    report = ImportReport()
    parsed: list[_AdvocateRow] = []
    for line, raw in _records(path, ADVOCATE_COLUMNS):
        try:
            parsed.append(_parse_advocate(line, raw, policy))
        except _BadRow as exc:
            report.bad_rows.append(f"line {line}: {exc}")

    with db.transaction() as session:
        by_crm = {a.crm_id: a.id for a in session.scalars(select(Account).where(Account.crm_id.is_not(None)))}
        by_name = {key: id_ for id_, key in session.execute(select(Account.id, Account.name_key))}
        resolved: list[tuple[_AdvocateRow, int]] = []
        seen: dict[tuple[int, str], int] = {}
        for row in parsed:
            account_id = by_crm.get(row.account) or by_name.get(normalize(row.account))
            if account_id is None:
                report.bad_rows.append(f"line {row.line}: no account named or with crm_id {row.account!r}")
                continue
            person = row.email or normalize(row.name)
            if (account_id, person) in seen:
                report.bad_rows.append(f"line {row.line}: same advocate as line {seen[(account_id, person)]}")
                continue
            seen[(account_id, person)] = row.line
            resolved.append((row, account_id))
        report.bad_rows.sort(key=lambda text: int(text.split(":")[0].removeprefix("line ")))
        if report.bad_rows and not skip_bad_rows:
            report.aborted = True
            return report
        report.skipped = len(report.bad_rows)

        existing = {(a.account_id, a.person_key): a for a in session.scalars(select(Advocate))}
        for done, (row, account_id) in enumerate(resolved, start=1):
            person = row.email or normalize(row.name)
            advocate = existing.get((account_id, person))
            if advocate is None:
                advocate = Advocate(account_id=account_id, person_key=person)
                session.add(advocate)
                existing[(account_id, person)] = advocate
                report.created += 1
            else:
                report.updated += 1
            advocate.name = row.name
            advocate.title = row.title
            advocate.email = row.email
            advocate.activities = row.activities
            if progress is not None:
                progress(done)
    return report
