"""Importing a CRM export on both databases: create, update in place, and bad rows reported by
line number with nothing written unless the caller accepts skipping them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from store.accounts.lookup import AccountRow, list_accounts
from store.act import Act
from store.db import Database
from store.errors import NotAllowed
from store.imports.importer import ImportFileError, ImportReport, import_accounts, import_advocates
from store.models import Advocate, ReferenceRequest
from store.requests import asking, deciding
from store.requests.asking import Draft
from store.rules.policy import Policy

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
HEADER = "name,industry,segment,region,products,owner_email,crm_id,renewal_date,status\n"
ADVOCATE_HEADER = "account,name,title,email,activities\n"
SLACK_USERS = {"olivia@example.com": "U0OLIVIA1", "oscar@example.com": "U0OSCAR01"}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def accounts_by_name(db: Database, policy: Policy) -> dict[str, AccountRow]:
    return {row.name: row for row in list_accounts(db, policy)}


def import_file(db: Database, path: Path, **kwargs: Any) -> ImportReport:
    kwargs.setdefault("resolve_owner", SLACK_USERS.get)
    return import_accounts(db, path, now=NOW, **kwargs)


def advocates(db: Database) -> list[tuple[int, str, str, str | None, str]]:
    with db.transaction() as session:
        return [
            (a.account_id, a.name, a.title, a.email, a.activities)
            for a in session.scalars(select(Advocate).order_by(Advocate.id))
        ]


def test_accounts_are_created_from_a_crm_export(db: Database, policy: Policy, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "accounts.csv",
        HEADER
        + "Acme Corp,Fintech,Enterprise,EMEA,Payments; Fraud ,Olivia@Example.com,CRM-1,2027-03-31,active\n"
        + "Globex,Retail,Mid-market,NA,Payments,oscar@example.com,CRM-2,,Paused\n"
        + "Initech,Software,SMB,APAC,,,,,do not contact\n",
    )

    report = import_file(db, path)

    assert (report.created, report.updated, report.skipped, report.bad_rows) == (3, 0, 0, [])
    rows = accounts_by_name(db, policy)
    acme = rows["Acme Corp"]
    assert (acme.industry, acme.segment, acme.region, acme.products) == (
        "Fintech",
        "Enterprise",
        "EMEA",
        "Payments;Fraud",
    )
    assert (acme.owner_email, acme.owner_slack_id, acme.crm_id) == (
        "olivia@example.com",
        "U0OLIVIA1",
        "CRM-1",
    )
    assert acme.renewal_date == dt.date(2027, 3, 31)
    assert acme.balance == policy.opening_balance
    assert (rows["Globex"].status, rows["Globex"].renewal_date) == ("paused", None)
    assert (rows["Initech"].status, rows["Initech"].owner_email, rows["Initech"].crm_id) == (
        "do_not_contact",
        None,
        None,
    )


def test_reimporting_updates_in_place_keyed_by_crm_id(db: Database, policy: Policy, tmp_path: Path) -> None:
    import_file(db, write(tmp_path, "a.csv", HEADER + "Acme,Fintech,,,,,CRM-1,,active\n"))
    before = accounts_by_name(db, policy)["Acme"]

    report = import_file(
        db, write(tmp_path, "b.csv", HEADER + "Acme Corporation,Banking,,,,,CRM-1,,paused\n")
    )

    assert (report.created, report.updated) == (0, 1)
    rows = accounts_by_name(db, policy)
    assert list(rows) == ["Acme Corporation"]
    after = rows["Acme Corporation"]
    assert after.id == before.id
    assert (after.industry, after.status) == ("Banking", "paused")


def test_reimporting_without_crm_id_matches_the_name_whatever_its_case(
    db: Database, policy: Policy, tmp_path: Path
) -> None:
    import_file(db, write(tmp_path, "a.csv", HEADER + "Acme Corp,Fintech,,,,,,,\n"))
    before = accounts_by_name(db, policy)["Acme Corp"]

    report = import_file(db, write(tmp_path, "b.csv", HEADER + "  ACME   corp ,Retail,,,,,,,\n"))

    assert (report.created, report.updated) == (0, 1)
    rows = list_accounts(db, policy)
    assert [(r.id, r.name, r.industry) for r in rows] == [(before.id, "ACME corp", "Retail")]


def test_a_row_that_would_rename_an_account_onto_another_s_name_is_a_bad_row(
    db: Database, policy: Policy, tmp_path: Path
) -> None:
    import_file(db, write(tmp_path, "a.csv", HEADER + "Acme,,,,,,CRM-1,,\nGlobex,,,,,,CRM-2,,\n"))

    report = import_file(db, write(tmp_path, "b.csv", HEADER + "Globex,,,,,,CRM-1,,\n"))

    assert report.aborted
    assert [line.split(":")[0] for line in report.bad_rows] == ["line 2"]
    assert sorted(accounts_by_name(db, policy)) == ["Acme", "Globex"]


def test_a_bad_row_is_reported_by_its_line_number_even_after_a_multi_line_field(
    db: Database, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "accounts.csv",
        HEADER
        + 'Acme,"Fintech\nand payments",,,,,CRM-1,,active\n'  # lines 2 and 3
        + "Globex,Retail,,,,,CRM-2,next spring,active\n"  # line 4
        + ",Retail,,,,,CRM-3,,active\n"  # line 5
        + "Initech,,,,,not-an-email,CRM-4,,active\n"  # line 6
        + "Hooli,,,,,,CRM-5,,closed\n"  # line 7
        + "Acme Again,,,,,,CRM-1,,active\n",  # line 8
    )

    report = import_file(db, path)

    assert report.bad_rows == [
        "line 4: renewal_date 'next spring' is not a date (YYYY-MM-DD)",
        "line 5: name is empty",
        "line 6: owner_email 'not-an-email' is not an e-mail address: An email address must have an @-sign.",
        "line 7: status 'closed' is not one of active, paused, do_not_contact",
        "line 8: same crm_id as line 2",
    ]


def test_a_bad_row_after_a_blank_line_is_reported_by_its_own_line_number(
    db: Database, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "accounts.csv",
        HEADER + "Acme,,,,,,CRM-1,,active\n" + "\n" + "Globex,,,,,,CRM-2,next spring,active\n",
    )

    report = import_file(db, path)

    assert report.bad_rows == ["line 4: renewal_date 'next spring' is not a date (YYYY-MM-DD)"]


def test_a_file_with_a_bad_row_imports_nothing(db: Database, policy: Policy, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "accounts.csv",
        HEADER + "Acme,,,,,,CRM-1,,active\nGlobex,,,,,,CRM-2,2027-02-30,active\nInitech,,,,,,,,\n",
    )

    report = import_file(db, path)

    assert report.aborted
    assert report.bad_rows == ["line 3: renewal_date '2027-02-30' is not a date (YYYY-MM-DD)"]
    assert report.created == 0
    assert list_accounts(db, policy) == []


def test_skipping_bad_rows_imports_the_rest(db: Database, policy: Policy, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "accounts.csv",
        HEADER + "Acme,,,,,,CRM-1,,active\nGlobex,,,,,,CRM-2,2027-02-30,active\nInitech,,,,,,,,\n",
    )

    report = import_file(db, path, skip_bad_rows=True)

    assert not report.aborted
    assert (report.created, report.skipped) == (2, 1)
    assert report.bad_rows == ["line 3: renewal_date '2027-02-30' is not a date (YYYY-MM-DD)"]
    assert sorted(accounts_by_name(db, policy)) == ["Acme", "Initech"]


def test_a_file_without_the_expected_columns_is_refused_at_line_1(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, "accounts.csv", "name,industry,owner\nAcme,Fintech,olivia@example.com\n")

    with pytest.raises(ImportFileError) as raised:
        import_file(db, path)

    message = str(raised.value)
    assert "line 1: missing column(s)" in message
    assert "crm_id" in message and "renewal_date" in message
    assert str(path) in message


def test_column_names_are_matched_whatever_their_case_and_order(
    db: Database, policy: Policy, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "accounts.csv",
        "\ufeffStatus,CRM_ID,Name,Industry,Segment,Region,Products,Owner_Email,Renewal_Date\n"
        "active,CRM-1,Acme,Fintech,,,,,\n",
    )

    report = import_file(db, path)

    assert report.created == 1
    assert accounts_by_name(db, policy)["Acme"].crm_id == "CRM-1"


def test_a_file_that_is_not_there_is_refused(db: Database, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="cannot open"):
        import_file(db, tmp_path / "missing.csv")


def test_owners_are_resolved_once_per_e_mail_and_unknown_ones_are_a_warning(
    db: Database, policy: Policy, tmp_path: Path
) -> None:
    asked: list[str] = []

    def resolve(email: str) -> str | None:
        asked.append(email)
        return SLACK_USERS.get(email)

    path = write(
        tmp_path,
        "accounts.csv",
        HEADER
        + "Acme,,,,,olivia@example.com,,,\n"
        + "Globex,,,,,OLIVIA@example.com,,,\n"
        + "Initech,,,,,ghost@example.com,,,\n",
    )

    report = import_file(db, path, resolve_owner=resolve)

    assert asked == ["olivia@example.com", "ghost@example.com"]
    assert report.warnings == [
        "line 4: no Slack user has the e-mail ghost@example.com: "
        "the account's requests will go to the program admins"
    ]
    rows = accounts_by_name(db, policy)
    assert rows["Acme"].owner_slack_id == rows["Globex"].owner_slack_id == "U0OLIVIA1"
    assert (rows["Initech"].owner_email, rows["Initech"].owner_slack_id) == ("ghost@example.com", None)


def test_a_new_owner_is_handed_the_requests_waiting_for_a_decision(
    db: Database, policy: Policy, tmp_path: Path
) -> None:
    """Olivia owned Acme when Sam asked; the CRM now says Oscar owns it: Oscar decides, and is
    owed the decision DM (Olivia's buttons refuse, naming him)."""
    import_file(
        db,
        write(tmp_path, "a.csv", HEADER + "Acme,,,,,olivia@example.com,CRM-1,,\n"),
        resolve_owner=SLACK_USERS.get,
    )
    acme = accounts_by_name(db, policy)["Acme"].id
    waiting = asking.submit(
        db,
        policy,
        Draft(account_id=acme, activity="reference_call"),
        Act("U0SAM0001", frozenset(), NOW, NOW.date()),
        source_key="view:1",
    )
    assert waiting.deciders == ("U0OLIVIA1",)
    admins_ask = asking.submit(  # Oscar, an admin, was owed an override DM about this one
        db,
        policy,
        Draft(account_id=acme, activity="quote"),
        Act("U0SAM0001", frozenset({"U0OSCAR01"}), NOW, NOW.date()),
        source_key="view:2",
    )

    report = import_file(
        db,
        write(tmp_path, "b.csv", HEADER + "Acme,,,,,oscar@example.com,CRM-1,,\n"),
        resolve_owner=SLACK_USERS.get,
    )
    again = import_file(
        db,
        write(tmp_path, "c.csv", HEADER + "Acme,,,,,oscar@example.com,CRM-1,,\n"),
        resolve_owner=SLACK_USERS.get,
    )

    rid = waiting.request_id
    other = admins_ask.request_id
    assert report.delivery_keys == [
        f"decide:{rid}:U0OSCAR01",
        f"refresh:{rid}:owner:U0OSCAR01",
        f"override:{other}:U0OSCAR01",  # that DM, not a second one with buttons
        f"refresh:{other}:owner:U0OSCAR01",
    ]
    assert again.delivery_keys == [], "handed over once"
    with db.transaction(readonly=True) as session:
        assert session.get_one(ReferenceRequest, rid).decider_id == "U0OSCAR01"
    with pytest.raises(NotAllowed) as refused:
        deciding.decide(db, policy, rid, Act("U0OLIVIA1", frozenset(), NOW, NOW.date()), approve=False)
    assert refused.value.people == ("U0OSCAR01",)


def test_without_a_resolver_owners_are_kept_by_e_mail_only(
    db: Database, policy: Policy, tmp_path: Path
) -> None:
    path = write(tmp_path, "accounts.csv", HEADER + "Acme,,,,,olivia@example.com,,,\n")

    report = import_file(db, path, resolve_owner=None)

    assert report.warnings == []
    acme = accounts_by_name(db, policy)["Acme"]
    assert (acme.owner_email, acme.owner_slack_id) == ("olivia@example.com", None)


# --- advocates ---------------------------------------------------------------------------------


@pytest.fixture
def two_accounts(db: Database, policy: Policy, tmp_path: Path) -> dict[str, int]:
    import_file(db, write(tmp_path, "accounts.csv", HEADER + "Acme,,,,,,CRM-1,,\nGlobex,,,,,,,,\n"))
    return {name: row.id for name, row in accounts_by_name(db, policy).items()}


def test_advocates_attach_to_accounts_by_crm_id_or_name(
    db: Database, policy: Policy, tmp_path: Path, two_accounts: dict[str, int]
) -> None:
    path = write(
        tmp_path,
        "advocates.csv",
        ADVOCATE_HEADER
        + "CRM-1,Dana Scully,VP Finance,Dana@Acme.example,reference_call; quote\n"
        + "globex,Hank Scorpio,CEO,,speaker\n",
    )

    report = import_advocates(db, path, policy)

    assert (report.created, report.updated, report.bad_rows) == (2, 0, [])
    assert advocates(db) == [
        (two_accounts["Acme"], "Dana Scully", "VP Finance", "dana@acme.example", "reference_call;quote"),
        (two_accounts["Globex"], "Hank Scorpio", "CEO", None, "speaker"),
    ]


def test_reimporting_advocates_updates_them_in_place(
    db: Database, policy: Policy, tmp_path: Path, two_accounts: dict[str, int]
) -> None:
    first = (
        ADVOCATE_HEADER + "Acme,Dana Scully,VP Finance,dana@acme.example,quote\nGlobex,Hank Scorpio,CEO,,\n"
    )
    import_advocates(db, write(tmp_path, "a.csv", first), policy)

    second = (
        ADVOCATE_HEADER
        + "Acme,Dana K. Scully,CFO,DANA@acme.example,quote;webinar\nGlobex,hank scorpio,Founder,,logo\n"
    )
    report = import_advocates(db, write(tmp_path, "b.csv", second), policy)

    assert (report.created, report.updated) == (0, 2)
    assert advocates(db) == [
        (two_accounts["Acme"], "Dana K. Scully", "CFO", "dana@acme.example", "quote;webinar"),
        (two_accounts["Globex"], "hank scorpio", "Founder", None, "logo"),
    ]


def test_unknown_activities_and_accounts_are_bad_rows_and_nothing_is_imported(
    db: Database, policy: Policy, tmp_path: Path, two_accounts: dict[str, int]
) -> None:
    path = write(
        tmp_path,
        "advocates.csv",
        ADVOCATE_HEADER
        + "Acme,Dana Scully,VP Finance,dana@acme.example,quote\n"
        + "Acme,Fox Mulder,,,podcast\n"
        + "Umbrella,Alice Abernathy,,,logo\n"
        + "Acme,,,,logo\n",
    )

    report = import_advocates(db, path, policy)

    assert report.aborted
    assert len(report.bad_rows) == 3
    assert report.bad_rows[0].startswith("line 3: unknown activity 'podcast' (known: logo, ")
    assert report.bad_rows[1:] == [
        "line 4: no account named or with crm_id 'Umbrella'",
        "line 5: name is empty",
    ]
    assert advocates(db) == []


def test_addresses_no_e_mail_can_carry_are_bad_rows_by_the_rule_the_sender_uses(
    db: Database, policy: Policy, tmp_path: Path, two_accounts: dict[str, int]
) -> None:
    """What got past a looser check once and then sat in the outbox forever: a comma, a stray
    angle bracket, a non-ASCII local part; and an owner's address with a comma (two Reply-Tos)."""
    path = write(
        tmp_path,
        "advocates.csv",
        ADVOCATE_HEADER
        + '"Acme","Ann Comma",,"a,b@odd.example",quote\n'
        + "Acme,Ben Angle,,jane@angle.example>,quote\n"
        + "Acme,Jöe Umlaut,,jöe@acme.example,quote\n"
        + "Acme,Dana Scully,,Dana@ACME.example,quote\n",
    )
    owners = write(
        tmp_path, "accounts.csv", HEADER + 'Initech,,,,,"olivia@example.com,x@evil.example",I-1,,\n'
    )

    report = import_advocates(db, path, policy)
    account_report = import_file(db, owners)

    assert report.bad_rows == [
        "line 2: email 'a,b@odd.example' is not an e-mail address: "
        "The email address contains invalid characters before the @-sign: ','.",
        "line 3: email 'jane@angle.example>' is not an e-mail address: "
        "The part after the @-sign contains invalid characters: '>'.",
        "line 4: email 'jöe@acme.example' is not an e-mail address: "
        "Internationalized characters before the @-sign are not supported: 'ö'.",
    ]
    assert account_report.bad_rows == [
        "line 2: owner_email 'olivia@example.com,x@evil.example' is not an e-mail address: "
        "The part after the @-sign contains invalid characters: ',', '@'.",
    ]
    assert advocates(db) == []
    good = write(tmp_path, "good.csv", ADVOCATE_HEADER + "Acme,Dana Scully,,Dana@ACME.example,quote\n")
    assert import_advocates(db, good, policy).created == 1
    assert [email for *_, email, _ in advocates(db)] == ["dana@acme.example"]


def test_skipping_bad_advocate_rows_imports_the_rest(
    db: Database, policy: Policy, tmp_path: Path, two_accounts: dict[str, int]
) -> None:
    path = write(
        tmp_path,
        "advocates.csv",
        ADVOCATE_HEADER + "Umbrella,Alice Abernathy,,,logo\nAcme,Dana Scully,,,quote\n",
    )

    report = import_advocates(db, path, policy, skip_bad_rows=True)

    assert (report.created, report.skipped) == (1, 1)
    assert [name for _, name, *_ in advocates(db)] == ["Dana Scully"]


def test_an_advocates_file_without_the_expected_columns_is_refused_at_line_1(
    db: Database, policy: Policy, tmp_path: Path
) -> None:
    path = write(tmp_path, "advocates.csv", "account,name\nAcme,Dana\n")

    with pytest.raises(ImportFileError, match=r"line 1: missing column\(s\) title, email, activities"):
        import_advocates(db, path, policy)


# --- what a database would refuse, reported the same on both --------------------------------


def test_a_field_longer_than_its_column_or_with_a_nul_byte_is_a_bad_row(
    db: Database, policy: Policy, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "accounts.csv",
        HEADER
        + "Acme,Fintech,,,,,CRM-1,,active\n"  # line 2: fine, but nothing may be written
        + "N" * 201
        + ",,,,,,,,\n"  # line 3
        + "Globex,"
        + "i" * 101
        + ",,,,,,,\n"  # line 4
        + "Hooli,,,,"
        + "p" * 5000
        + ",,CRM-"
        + "9" * 97
        + ",,\n"  # line 5: products are text
        + "Initech,,,EMEA\x00,,,,,\n"  # line 6
        + "ß" * 150
        + ",,,,,,,,\n"  # line 7: 150 characters, 300 once case-folded
        + "Umbrella,,,,,olivia@"
        + "e" * 320
        + ".com,,,\n",  # line 8
    )

    report = import_file(db, path)

    assert report.aborted
    assert report.bad_rows == [
        "line 3: name is longer than 200 characters",
        "line 4: industry is longer than 100 characters",
        "line 5: crm_id is longer than 100 characters",
        "line 6: region contains a NUL byte",
        "line 7: name is longer than 200 characters once case-folded",
        f"line 8: owner_email 'olivia@{'e' * 320}.com' is not an e-mail address: "
        "The email address is too long after the @-sign (71 characters too many).",
    ]
    assert list_accounts(db, policy) == []


def test_fields_exactly_as_long_as_their_columns_are_imported(
    db: Database, policy: Policy, tmp_path: Path
) -> None:
    path = write(tmp_path, "accounts.csv", HEADER + "N" * 200 + "," + "i" * 100 + ",,MÜNCHEN,,,,,\n")

    report = import_file(db, path)

    assert (report.created, report.bad_rows) == (1, [])
    assert accounts_by_name(db, policy)["N" * 200].industry == "i" * 100


def test_an_advocate_field_longer_than_its_column_or_with_a_nul_byte_is_a_bad_row(
    db: Database, policy: Policy, tmp_path: Path, two_accounts: dict[str, int]
) -> None:
    path = write(
        tmp_path,
        "advocates.csv",
        ADVOCATE_HEADER
        + "Acme,Dana Scully,"
        + "t" * 201
        + ",,quote\n"
        + "Acme,Fox\x00Mulder,,,quote\n"
        + "Globex,Hank Scorpio,CEO,,logo\n",
    )

    report = import_advocates(db, path, policy)

    assert report.aborted
    assert report.bad_rows == [
        "line 2: title is longer than 200 characters",
        "line 3: name contains a NUL byte",
    ]
    assert advocates(db) == []


def test_a_column_named_twice_is_refused_at_line_1(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, "accounts.csv", HEADER.rstrip("\n") + ",Name\nAcme,,,,,,,,,Globex\n")

    with pytest.raises(ImportFileError, match='line 1: column "name" appears twice'):
        import_file(db, path)


def test_two_columns_the_import_does_not_read_may_share_a_name(
    db: Database, policy: Policy, tmp_path: Path
) -> None:
    path = write(tmp_path, "accounts.csv", HEADER.rstrip("\n") + ",notes,notes\nAcme,,,,,,,,,a,b\n")

    assert import_file(db, path).created == 1


def test_an_unterminated_quote_is_refused_at_the_line_where_it_opens(
    db: Database, policy: Policy, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "accounts.csv",
        HEADER
        + 'Acme,"Fintech\nand payments",,,,,CRM-1,,active\n'  # lines 2 and 3: a legitimate field
        + '"Globex,Retail,,,,,CRM-2,,active\n'  # line 4: the quote never closes
        + "Initech,Software,,,,,CRM-3,,active\n",
    )

    with pytest.raises(ImportFileError) as raised:
        import_file(db, path)

    assert str(raised.value) == f"{path}: line 4: unterminated quote"
    assert list_accounts(db, policy) == []


def test_text_after_a_closing_quote_is_refused_at_its_line(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, "accounts.csv", HEADER + "Acme,,,,,,,,\n" + '"Globex" Inc,,,,,,,,\n')

    with pytest.raises(ImportFileError, match=r"line 3: text after a closing quote"):
        import_file(db, path)


def test_bytes_that_are_not_utf_8_are_refused_at_their_own_line(db: Database, tmp_path: Path) -> None:
    """A decoder reads ahead: its error names where its buffer began, not the line at fault."""
    path = tmp_path / "accounts.csv"
    path.write_bytes(
        HEADER.encode() + b"Acme,Fintech,,,,,CRM-1,,active\n" * 2 + b"Caf\xe9,Retail,,,,,CRM-3,,active\n"
    )

    with pytest.raises(ImportFileError) as refused:
        import_file(db, path)

    assert str(refused.value) == f"{path}: line 4: not UTF-8 text"
