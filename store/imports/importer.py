"""CSV import of a CRM export: accounts and advocates.

A file is checked whole before anything is written (`store.imports.rows` reads and checks it):
each bad row is reported as `line N: reason` and, unless the caller accepts skipping them, a file
with bad rows imports nothing. Re-importing updates rows in place (accounts keyed by CRM id, else
name; advocates by e-mail, else name).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.addresses import AddressKey
from store.db import Database
from store.forgotten import forgotten_among
from store.imports.rows import (
    ACCOUNT_COLUMNS,
    ADVOCATE_COLUMNS,
    AccountRow,
    AdvocateRow,
    BadRow,
    ImportFileError,
    count_rows,
    parse_account,
    parse_advocate,
    records,
)
from store.models import Account, Advocate, normalize
from store.requests import rerouting
from store.rules.policy import Policy

__all__ = [
    "ImportFileError",
    "ImportReport",
    "OwnerResolver",
    "count_rows",
    "import_accounts",
    "import_advocates",
]


class AddressRow(Protocol):
    @property
    def line(self) -> int: ...

    @property
    def email(self) -> str | None: ...


Row = TypeVar("Row", bound=AddressRow)


#: e-mail → Slack user id, or None when no Slack user has that e-mail
OwnerResolver = Callable[[str], str | None]
Progress = Callable[[int], None]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    bad_rows: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: True when bad rows stopped the import: nothing was written
    aborted: bool = False
    #: the messages owed to new owners about requests waiting for a decision (`rerouting.hand_over`)
    delivery_keys: list[str] = field(default_factory=list)

    def stops(self, skip_bad_rows: bool) -> bool:
        """Once the whole file is checked: the bad rows in line order, and whether they stop the
        import (nothing written) or are skipped."""
        self.bad_rows.sort(key=lambda text: int(text.split(":")[0].removeprefix("line ")))
        self.aborted = bool(self.bad_rows) and not skip_bad_rows
        self.skipped = 0 if self.aborted else len(self.bad_rows)
        return self.aborted


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
    rows: list[AccountRow] = []
    seen: dict[str, int] = {}
    for line, raw in records(path, ACCOUNT_COLUMNS):
        try:
            row = parse_account(line, raw)
            key = f"crm:{row.crm_id}" if row.crm_id else f"name:{normalize(row.name)}"
            if key in seen:
                raise BadRow(f"same {'crm_id' if row.crm_id else 'name'} as line {seen[key]}")
            seen[key] = line
            rows.append(row)
        except BadRow as exc:
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

    new_owners: list[tuple[int, str]] = []
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
            owner = owners.get(row.owner_email) if row.owner_email else None
            if account.id is not None and owner is not None and owner != account.owner_slack_id:
                new_owners.append((account.id, owner))
            account.owner_slack_id = owner
            account.renewal_date = row.renewal_date
            account.status = row.status
            account.updated_at = now
            by_name[account.name_key] = account
            if progress is not None:
                progress(done)
    for account_id, owner in new_owners:  # once the accounts are theirs: its requests waiting
        report.delivery_keys += rerouting.hand_over(db, account_id, owner, now)
    return report


def _name_clashes(session: Session, rows: list[AccountRow]) -> dict[int, str]:
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
    key: AddressKey | None = None,
    skip_bad_rows: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Create or update each advocate of the file. A row whose address was removed from the
    program at its owner's request is skipped, with a warning naming its line: a CRM export keeps
    listing people who asked to be forgotten, and they must not come back."""
    report = ImportReport()
    parsed: list[AdvocateRow] = []
    for line, raw in records(path, ADVOCATE_COLUMNS):
        try:
            parsed.append(parse_advocate(line, raw, policy))
        except BadRow as exc:
            report.bad_rows.append(f"line {line}: {exc}")

    with db.transaction() as session:
        by_crm = {a.crm_id: a.id for a in session.scalars(select(Account).where(Account.crm_id.is_not(None)))}
        by_name = {key: id_ for id_, key in session.execute(select(Account.id, Account.name_key))}
        resolved: list[tuple[AdvocateRow, int]] = []
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
        if report.stops(skip_bad_rows):
            return report
        resolved = skip_forgotten(session, key, resolved, report)

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


def skip_forgotten(
    session: Session, key: AddressKey | None, rows: list[tuple[Row, int]], report: ImportReport
) -> list[tuple[Row, int]]:
    """The rows whose address was not removed from the program; the others are skipped, each
    with a warning naming its line (never the address)."""
    gone = forgotten_among(session, key, {row.email for row, _ in rows if row.email})
    kept = []
    for row, account_id in rows:
        if row.email in gone:
            report.skipped += 1
            report.warnings.append(
                f"line {row.line}: skipped: this person asked to be removed from the program"
            )
        else:
            kept.append((row, account_id))
    return kept
