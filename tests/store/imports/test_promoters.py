"""Importing an NPS survey export on both databases: the survey tool's own headers mapped, every
bad row by line number and nothing written, a re-import updating each answer in place (by
address and day), and the answers of people removed from the program skipped."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from store.addresses import AddressKey
from store.db import Database
from store.imports.importer import ImportFileError, ImportReport
from store.imports.promoters import import_promoters, known_columns
from store.imports.rows import parse_mapping
from store.models import ForgottenAddress, NpsAnswer
from tests.support import store_seed as seed

NOW = seed.NOW
TODAY = NOW.date()
KEY = AddressKey(b"test-erasure-key")
SURVEY = "Respondent Email,Respondent,Company,NPS,Verbatim,Submitted\n"
MAPPING = "Respondent Email=email,Respondent=name,Company=account,NPS=score,Verbatim=comment,Submitted=date"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "promoters.csv"
    path.write_text(text, encoding="utf-8")
    return path


def accounts(db: Database) -> None:
    with db.transaction() as session:
        seed.account(session, "Acme Corp", "Retail", crm_id="A-1")
        seed.account(session, "Globex", "Retail")


def answers(db: Database) -> dict[tuple[str | None, dt.date], tuple[int, str, str]]:
    with db.transaction(readonly=True) as session:
        return {
            (a.email, a.answered_on): (a.score, a.name, a.comment) for a in session.scalars(select(NpsAnswer))
        }


def load(db: Database, path: Path, *, skip_bad_rows: bool = False) -> ImportReport:
    return import_promoters(
        db,
        path,
        now=NOW,
        today=TODAY,
        key=KEY,
        rename=parse_mapping(MAPPING, known_columns()),
        skip_bad_rows=skip_bad_rows,
    )


def test_a_survey_export_is_imported_with_its_own_headers_and_again_in_place(
    db: Database, tmp_path: Path
) -> None:
    accounts(db)
    path = write(
        tmp_path,
        SURVEY
        + "Hank@Acme.example,Hank Hill,A-1,10,great support,2026-11-03\n"
        + 'dale@globex.example,,globex,3,"slow, and it broke",2026-11-10\n',
    )

    first = load(db, path)
    path.write_text(
        SURVEY + "hank@acme.example,Hank Hill,Acme Corp,9,still great,2026-11-03\n", encoding="utf-8"
    )
    again = load(db, path)

    assert (first.created, first.updated, first.bad_rows) == (2, 0, [])
    assert (again.created, again.updated) == (0, 1)
    assert answers(db) == {
        ("hank@acme.example", dt.date(2026, 11, 3)): (9, "Hank Hill", "still great"),
        ("dale@globex.example", dt.date(2026, 11, 10)): (3, "", "slow, and it broke"),
    }


def test_every_bad_row_is_named_by_its_line_and_nothing_is_written(db: Database, tmp_path: Path) -> None:
    accounts(db)
    path = write(
        tmp_path,
        SURVEY
        + "ok@acme.example,Ok,A-1,9,,2026-11-01\n"
        + "not-an-address,X,A-1,9,,2026-11-01\n"
        + "x@acme.example,X,A-1,11,,2026-11-01\n"
        + "y@acme.example,Y,A-1,nine,,2026-11-01\n"
        + "z@acme.example,Z,A-1,9,,01/11/2026\n"
        + "w@acme.example,W,Initech,9,,2026-11-01\n"
        + "ok@acme.example,Ok,A-1,10,,2026-11-01\n"
        + "v@acme.example,V,A-1,9,,2027-01-01\n"
        + ",V,A-1,9,,2026-11-01\n",
    )

    report = load(db, path)
    skipping = load(db, path, skip_bad_rows=True)

    assert report.aborted and report.bad_rows == [
        "line 3: email 'not-an-address' is not an e-mail address: An email address must have an @-sign.",
        "line 4: score '11' is not a whole number from 0 to 10",
        "line 5: score 'nine' is not a whole number from 0 to 10",
        "line 6: date '01/11/2026' is not a date (YYYY-MM-DD)",
        "line 7: no account named or with crm_id 'Initech'",
        "line 8: same address and date as line 2",
        "line 9: date 2027-01-01 is in the future",
        "line 10: email is empty",
    ]
    assert (skipping.created, skipping.skipped) == (1, 8)
    assert list(answers(db)) == [("ok@acme.example", dt.date(2026, 11, 1))]


def test_a_mapping_or_a_header_that_does_not_fit_is_refused_before_anything_is_read(
    db: Database, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="'stars' is not a column the import reads"):
        parse_mapping("NPS=stars", known_columns())
    with pytest.raises(ImportFileError, match="missing column"):
        import_promoters(db, write(tmp_path, "email,score\n"), now=NOW, today=TODAY, key=KEY)


def test_the_answer_of_someone_removed_is_skipped_with_a_warning(db: Database, tmp_path: Path) -> None:
    accounts(db)
    with db.transaction() as session:
        session.add(ForgottenAddress(fingerprint=KEY.fingerprint("hank@acme.example"), forgotten_at=NOW))
    path = write(tmp_path, SURVEY + "hank@acme.example,Hank Hill,A-1,10,great,2026-11-03\n")

    report = load(db, path)

    assert (report.created, report.skipped) == (0, 1)
    assert report.warnings == ["line 2: skipped: this person asked to be removed from the program"]
    assert answers(db) == {}
