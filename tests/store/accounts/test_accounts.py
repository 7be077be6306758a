"""Accounts as the app lists and searches them, on both databases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy.orm import Session

from store import ledger
from store.accounts.lookup import AccountChoice, get_account, list_accounts, normalize, search_accounts
from store.db import Database
from store.models import Account, EntryKind, ReferenceRequest
from store.rules.policy import Policy

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)


def add_account(session: Session, name: str, industry: str = "", crm_id: str | None = None) -> int:
    account = Account(
        name=name,
        name_key=normalize(name),
        industry=industry,
        industry_key=normalize(industry),
        crm_id=crm_id,
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(account)
    session.flush()
    return account.id


def add_accounts(db: Database, *accounts: tuple[str, str, str | None]) -> dict[str, int]:
    with db.transaction() as session:
        return {name: add_account(session, name, industry, crm_id) for name, industry, crm_id in accounts}


def post_ask(session: Session, account_id: int, cost: int, on: dt.date) -> None:
    request = ReferenceRequest(
        account_id=account_id, requester_id="U0SELLER1", activity="quote", cost=cost, created_at=NOW
    )
    session.add(request)
    session.flush()
    ledger.post(
        session,
        account_id=account_id,
        kind=EntryKind.ASK,
        amount=-cost,
        item="quote",
        request_id=request.id,
        actor_id="U0OWNER01",
        now=NOW,
        occurred_on=on,
    )


def names(choices: Iterable[AccountChoice]) -> list[str]:
    return [choice.name for choice in choices]


def test_the_list_shows_each_account_s_balance_and_last_ask(db: Database, policy: Policy) -> None:
    ids = add_accounts(db, ("Globex", "Retail", None), ("acme", "Fintech", "CRM-1"))
    with db.transaction() as session:
        post_ask(session, ids["acme"], 2, dt.date(2026, 9, 1))
        post_ask(session, ids["acme"], 1, dt.date(2026, 11, 2))
        ledger.post(
            session,
            account_id=ids["acme"],
            kind=EntryKind.GIVE,
            amount=4,
            item="award",
            actor_id="U0OWNER01",
            now=NOW,
            occurred_on=dt.date(2026, 11, 20),
        )

    rows = list_accounts(db, policy)

    assert [(r.name, r.balance, r.last_ask_on) for r in rows] == [
        ("acme", 3 - 2 - 1 + 4, dt.date(2026, 11, 2)),
        ("Globex", policy.opening_balance, None),
    ]
    assert rows[0].crm_id == "CRM-1"
    assert get_account(db, policy, ids["Globex"]) == rows[1]
    assert get_account(db, policy, 999_999) is None


def test_the_list_of_an_empty_program_is_empty(db: Database, policy: Policy) -> None:
    assert list_accounts(db, policy) == []


def test_search_matches_name_industry_and_crm_id_whatever_the_case(db: Database) -> None:
    add_accounts(
        db,
        ("Acme Corp", "Fintech", "SF-0001"),
        ("Globex", "Banking", "SF-0002"),
        ("Initech", "Software", "HS-9999"),
    )

    assert names(search_accounts(db, "ACME")) == ["Acme Corp"]
    assert names(search_accounts(db, "fINtech")) == ["Acme Corp"]
    assert names(search_accounts(db, "sf-0002")) == ["Globex"]
    assert names(search_accounts(db, "  acme   CORP ")) == ["Acme Corp"]
    assert search_accounts(db, "umbrella") == []


def test_search_lists_names_that_start_with_the_text_first(db: Database) -> None:
    add_accounts(
        db,
        ("Bank of Acme", "Banking", None),
        ("Zeta", "Acme tooling", None),
        ("Acme Corp", "Fintech", None),
        ("acme labs", "Research", None),
    )

    assert names(search_accounts(db, "acme")) == ["Acme Corp", "acme labs", "Bank of Acme", "Zeta"]


def test_like_wildcards_in_the_text_are_taken_literally(db: Database) -> None:
    add_accounts(
        db,
        ("100% Organic", "Food", None),
        ("1000 Organic Farms", "Food", None),
        ("Foo_Bar", "Software", None),
        ("FooXBar", "Software", None),
        ("Back\\slash", "", None),
    )

    assert names(search_accounts(db, "100%")) == ["100% Organic"]
    assert names(search_accounts(db, "%")) == ["100% Organic"]
    assert names(search_accounts(db, "foo_")) == ["Foo_Bar"]
    assert names(search_accounts(db, "k\\s")) == ["Back\\slash"]


def test_search_honours_the_limit_and_an_empty_text_lists_by_name(db: Database) -> None:
    add_accounts(db, *[(f"Account {n:02d}", "Retail", None) for n in range(12)])

    assert names(search_accounts(db, "account", limit=5)) == [f"Account {n:02d}" for n in range(5)]
    assert names(search_accounts(db, "", limit=3)) == ["Account 00", "Account 01", "Account 02"]
    choice = search_accounts(db, "account 07")[0]
    assert (choice.name, choice.industry, choice.crm_id) == ("Account 07", "Retail", None)


def test_search_folds_case_beyond_ascii_in_names_industries_and_crm_ids(db: Database) -> None:
    add_accounts(
        db,
        ("MÜNCHENER RÜCK", "Versicherung", "DE-ÄÖÜ-1"),
        ("Straße AG", "GROẞHANDEL", None),
        ("Initech", "Software", "HS-9999"),
    )

    assert names(search_accounts(db, "münchener")) == ["MÜNCHENER RÜCK"]
    assert names(search_accounts(db, "de-äöü")) == ["MÜNCHENER RÜCK"]
    assert names(search_accounts(db, "STRASSE")) == ["Straße AG"]
    assert names(search_accounts(db, "großhandel")) == ["Straße AG"]


def test_a_changed_crm_id_is_searched_by_its_new_value(db: Database) -> None:
    ids = add_accounts(db, ("Acme", "Fintech", "ÄÄ-1"))
    with db.transaction() as session:
        account = session.get(Account, ids["Acme"])
        assert account is not None
        account.crm_id = "ÖÖ-2"

    assert names(search_accounts(db, "öö-2")) == ["Acme"]
    assert search_accounts(db, "ää-1") == []
