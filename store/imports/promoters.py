"""`refdesk import promoters FILE.csv [--map ...]`: an NPS survey export (flow 17).

The importer's rules (`store.imports.importer`): the file is checked whole first, each bad row
reported as `line N: reason`, nothing written while any row is bad (unless skipping them is asked
for); a re-import updates each answer in place, keyed by the address and the day it was given.
An answer from someone removed from the program is skipped with a warning: it would hold their
address again.

A promoter (9–10) who is not an advocate becomes a suggestion to the account's owner
(`store.promoters`); a detractor (0–6) lately is a ⚠️ on asks to the account
(`store.rules.advocates`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from store.addresses import AddressKey
from store.db import Database
from store.imports.importer import ImportReport, skip_forgotten
from store.imports.rows import BadRow, _check_fits, _check_no_nul, address, records
from store.models import Account, NpsAnswer, normalize

PROMOTER_COLUMNS = ("email", "account", "score", "date")
#: read when present
OPTIONAL_COLUMNS = ("name", "comment")
COMMENT_MAX = 2000
#: addresses looked up per query (well under either database's limit of bound parameters)
LOOKUP_BATCH = 1000
Progress = Callable[[int], None]


@dataclass(frozen=True)
class PromoterRow:
    line: int
    email: str
    name: str
    #: the account's name or CRM id, as the survey tool exported it
    account: str
    score: int
    comment: str
    answered_on: dt.date


def known_columns() -> tuple[str, ...]:
    """What `--map` may name for this import."""
    return (*PROMOTER_COLUMNS, *OPTIONAL_COLUMNS)


def parse_promoter(line: int, raw: dict[str, str], today: dt.date) -> PromoterRow:
    """The row as it will be written (its account still to be found), or `BadRow` with why not."""
    _check_no_nul(raw, known_columns())
    email = address(raw, "email")
    if email is None:
        raise BadRow("email is empty")
    account = raw.get("account", "")
    if not account:
        raise BadRow("account is empty")
    score_text = raw.get("score", "")
    if not (score_text.isascii() and score_text.isdigit() and 0 <= int(score_text) <= 10):
        raise BadRow(f"score {score_text[:20]!r} is not a whole number from 0 to 10")
    day = raw.get("date", "")
    try:
        answered_on = dt.date.fromisoformat(day)
    except ValueError:
        raise BadRow(f"date {day[:40]!r} is not a date (YYYY-MM-DD)") from None
    if answered_on > today:
        raise BadRow(f"date {day} is in the future")
    comment = raw.get("comment", "")
    if len(comment) > COMMENT_MAX:
        raise BadRow(f"comment is longer than {COMMENT_MAX} characters")
    row = PromoterRow(
        line, email, " ".join(raw.get("name", "").split()), account, int(score_text), comment, answered_on
    )
    _check_fits(NpsAnswer.__table__.c.name, "name", row.name)
    return row


def import_promoters(
    db: Database,
    path: Path,
    *,
    now: dt.datetime,
    today: dt.date,
    key: AddressKey | None,
    rename: dict[str, str] | None = None,
    skip_bad_rows: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    report = ImportReport()
    parsed: list[PromoterRow] = []
    for line, raw in records(path, PROMOTER_COLUMNS, rename):
        try:
            parsed.append(parse_promoter(line, raw, today))
        except BadRow as exc:
            report.bad_rows.append(f"line {line}: {exc}")

    with db.transaction() as session:
        by_crm = {crm: id_ for id_, crm in session.execute(select(Account.id, Account.crm_id)) if crm}
        by_name = {key_: id_ for id_, key_ in session.execute(select(Account.id, Account.name_key))}
        resolved: list[tuple[PromoterRow, int]] = []
        seen: dict[tuple[str, dt.date], int] = {}
        for row in parsed:
            account_id = by_crm.get(row.account) or by_name.get(normalize(row.account))
            if account_id is None:
                report.bad_rows.append(f"line {row.line}: no account named or with crm_id {row.account!r}")
                continue
            if (row.email, row.answered_on) in seen:
                report.bad_rows.append(
                    f"line {row.line}: same address and date as line {seen[(row.email, row.answered_on)]}"
                )
                continue
            seen[(row.email, row.answered_on)] = row.line
            resolved.append((row, account_id))
        if report.stops(skip_bad_rows):
            return report
        resolved = skip_forgotten(session, key, resolved, report)

        addresses = sorted({row.email for row, _ in resolved})
        existing = {
            (answer.email, answer.answered_on): answer
            for start in range(0, len(addresses), LOOKUP_BATCH)
            for answer in session.scalars(
                select(NpsAnswer).where(NpsAnswer.email.in_(addresses[start : start + LOOKUP_BATCH]))
            )
        }
        for done, (row, account_id) in enumerate(resolved, start=1):
            answer = existing.get((row.email, row.answered_on))
            if answer is None:
                answer = NpsAnswer(email=row.email, answered_on=row.answered_on)
                session.add(answer)
                existing[(row.email, row.answered_on)] = answer
                report.created += 1
            else:
                report.updated += 1
            answer.account_id, answer.name, answer.score = account_id, row.name, row.score
            answer.comment, answer.imported_at = row.comment, now
            if progress is not None:
                progress(done)
    return report
