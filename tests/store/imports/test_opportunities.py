"""Importing CRM opportunities on both databases: mapped headers, currencies, links to requests
(and the unknown ones reported), bad rows by line number, re-import in place."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from store.db import Database
from store.imports.importer import ImportFileError
from store.imports.opportunities import import_opportunities, known_columns
from store.imports.rows import parse_mapping
from store.models import Opportunity, OpportunityLink, ReferenceRequest
from store.rules.policy import Policy
from tests.support import store_seed as seed

NOW = seed.NOW
SALESFORCE = "Opportunity ID,Opportunity Name,Link,Stage,Amount (converted),Currency,Close Date,Outcome\n"
MAPPING = "Opportunity ID=crm_id, Opportunity Name=name, Amount (converted)=amount, Close Date=close_date"
SF = "https://acme.lightning.force.com/lightning/r/Opportunity"


def write(tmp_path: Path, text: str, name: str = "opportunities.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def request_with_link(db: Database, link: str | None) -> int:
    with db.transaction() as s:
        account = s.scalar(select(seed.Account.id).limit(1)) or seed.account(s, "Acme", "Fintech")
        request_id = seed.request(s, account, status="approved")
        s.get(ReferenceRequest, request_id).crm_link = link  # type: ignore[union-attr]
    return request_id


def opportunities(db: Database) -> dict[str, tuple[str, Decimal | None, str, str, dt.date | None]]:
    with db.transaction() as s:
        return {
            o.crm_id: (o.name, o.amount, o.currency, o.outcome, o.close_date)
            for o in s.scalars(select(Opportunity))
        }


def links(db: Database) -> dict[int, str]:
    with db.transaction() as s:
        return dict(
            s.execute(
                select(OpportunityLink.request_id, Opportunity.crm_id).join(
                    Opportunity, Opportunity.id == OpportunityLink.opportunity_id
                )
            ).all()
        )


def test_a_salesforce_export_with_its_own_headers_is_imported_and_linked(
    db: Database, policy: Policy, tmp_path: Path
) -> None:
    by_link = request_with_link(db, f"{SF}/006A/view")
    by_id = request_with_link(db, "https://crm.example.com/deals/006B?tab=history")
    hubspot = request_with_link(db, "https://app.hubspot.com/contacts/4242/deal/98765/")
    unknown = request_with_link(db, f"{SF}/006Z/view")
    request_with_link(db, None)  # no link: neither linked nor reported
    path = write(
        tmp_path,
        SALESFORCE
        + f'006A,Acme — rollout,{SF}/006A/view,Negotiation,"1,234.50",eur,,open\n'
        + "006B,Globex renewal,,Closed Won,500,,2026-10-01,Won\n"
        + "98765,Hooli expansion,,Closed Lost,,GBP,2026-09-15,LOST\n"
        + "4242,Portal id that must not win,,Prospecting,10,,,open\n",
    )

    report = import_opportunities(db, path, policy, now=NOW, rename=parse_mapping(MAPPING, known_columns()))

    assert (report.created, report.updated, report.skipped, report.bad_rows) == (4, 0, 0, [])
    assert opportunities(db) == {
        "006A": ("Acme — rollout", Decimal("1234.50"), "EUR", "open", None),
        "006B": ("Globex renewal", Decimal("500.00"), "USD", "won", dt.date(2026, 10, 1)),
        "98765": ("Hooli expansion", None, "GBP", "lost", dt.date(2026, 9, 15)),
        "4242": ("Portal id that must not win", Decimal("10.00"), "USD", "open", None),
    }
    assert links(db) == {by_link: "006A", by_id: "006B", hubspot: "98765"}
    assert report.warnings == [
        f"request {unknown} (Acme): its CRM link matches no opportunity: {SF}/006Z/view"
    ]


def test_a_re_import_updates_in_place_and_relinks(db: Database, policy: Policy, tmp_path: Path) -> None:
    request = request_with_link(db, f"{SF}/006A/view/")
    header = "crm_id,name,link,stage,amount,currency,close_date,outcome\n"
    import_opportunities(
        db, write(tmp_path, header + f"006A,Rollout,{SF}/006A/view,Open,100,USD,,open\n"), policy, now=NOW
    )
    with db.transaction() as s:
        first_id = s.scalar(select(Opportunity.id))

    again = write(
        tmp_path,
        header + "006A,Rollout,,Closed Won,150,USD,2026-11-20,won\n006C,New,,Open,,,,open\n",
        "again.csv",
    )
    report = import_opportunities(db, again, policy, now=NOW)

    assert (report.created, report.updated) == (1, 1)
    assert opportunities(db)["006A"] == ("Rollout", Decimal("150.00"), "USD", "won", dt.date(2026, 11, 20))
    with db.transaction() as s:
        assert s.scalar(select(Opportunity.id).where(Opportunity.crm_id == "006A")) == first_id
    # the link no longer matches exactly, but the link still carries the CRM id
    assert links(db) == {request: "006A"}


def test_bad_rows_are_reported_by_line_and_nothing_is_written(
    db: Database, policy: Policy, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "crm_id,name,link,stage,amount,currency,close_date,outcome\n"
        "O-1,Fine,,Open,10,USD,,open\n"
        "\n"
        "O-2,Maybe,,Open,10,USD,,maybe\n"
        "O-3,Won but when,,Won,10,USD,,won\n"
        "O-4,Euro,,Open,10,EURO,,open\n"
        "O-8,Made up,,Open,10,ABC,,open\n"
        "O-1,Twice,,Open,10,USD,,open\n"
        "O-5,Money,,Open,12abc,USD,,open\n"
        "O-6,Script,javascript:alert(1),Open,10,USD,,open\n"
        "O-7,Date,,Lost,10,USD,01/02/2026,lost\n"
        ",No id,,Open,10,USD,,open\n",
    )

    report = import_opportunities(db, path, policy, now=NOW)

    assert report.aborted
    assert report.bad_rows == [
        "line 4: outcome 'maybe' is not one of open, won, lost",
        "line 5: close_date is needed for a won opportunity",
        "line 6: currency 'EURO' is not a current ISO 4217 currency code such as USD",
        "line 7: currency 'ABC' is not a current ISO 4217 currency code such as USD",
        "line 8: same crm_id as line 2",
        "line 9: amount '12abc' is not an amount (digits, optionally 1,234.50)",
        "line 10: link 'javascript:alert(1)' is not a full https:// link",
        "line 11: close_date '01/02/2026' is not a date (YYYY-MM-DD)",
        "line 12: crm_id is empty",
    ]
    assert opportunities(db) == {}

    skipped = import_opportunities(db, path, policy, now=NOW, skip_bad_rows=True)
    assert (skipped.created, skipped.skipped) == (1, 9)


def test_a_mapping_must_name_columns_that_exist(db: Database, policy: Policy, tmp_path: Path) -> None:
    path = write(tmp_path, SALESFORCE)
    with pytest.raises(
        ImportFileError, match="line 1: the mapping names column 'deal id', which the file lacks"
    ):
        import_opportunities(db, path, policy, now=NOW, rename={"deal id": "crm_id"})
    with pytest.raises(
        ImportFileError, match=r"line 1: missing column\(s\) crm_id, name, amount, close_date"
    ):
        import_opportunities(db, path, policy, now=NOW)
    with pytest.raises(ValueError, match="'money' is not a column the import reads"):
        parse_mapping("Amount=money", known_columns())
    with pytest.raises(ValueError, match="'Amount' is not HEADER=column"):
        parse_mapping("Amount", known_columns())


def test_the_prospects_industry_is_read_when_the_export_has_it(
    db: Database, policy: Policy, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "crm_id,name,link,stage,amount,currency,close_date,outcome,industry\n"
        "O1,Mercy rollout,,Proposal,1000,USD,2027-02-01,open,  Health   care \n"
        "O2,Bank deal,,Proposal,1000,USD,2027-02-01,open,\n",
    )
    report = import_opportunities(db, path, policy, now=NOW)
    assert (report.created, report.bad_rows) == (2, [])
    with db.transaction() as s:
        assert dict(s.execute(select(Opportunity.crm_id, Opportunity.industry)).all()) == {
            "O1": "Health care",
            "O2": "",
        }
