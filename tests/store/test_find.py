"""`/reference find`: parsing the words and ranking accounts, on both databases."""

from __future__ import annotations

import datetime as dt

from store.db import Database
from store.find import find_accounts, parse_words
from store.models import EntryKind
from store.policy import Policy
from tests.support import store_seed as seed

TODAY = seed.NOW.date()


def test_the_longest_activity_name_in_the_words_is_the_activity(policy: Policy) -> None:
    terms, activity = parse_words(policy, "Fintech video case study in EMEA")
    assert activity is not None and activity.key == "video"
    assert terms == ("fintech", "emea")
    assert parse_words(policy, "fintech")[1] is None


def test_fitting_accounts_come_first_and_resting_paused_and_short_ones_last_with_why(
    db: Database, policy: Policy
) -> None:
    with db.transaction() as s:
        best = seed.account(s, "Acme", "Fintech", region="EMEA", products="Payments;Risk")
        seed.advocate(s, best, "Jane", "reference_call;case_study")
        seed.entry(s, best, EntryKind.ADJUSTMENT, 4, TODAY)
        plain = seed.account(s, "Globex", "Fintech", region="NA")
        seed.advocate(s, plain, "Gina", "logo")  # willing, but not for a case study
        resting = seed.account(s, "Hooli", "Fintech", region="EMEA")
        seed.advocate(s, resting, "Hank", "case_study")
        seed.entry(s, resting, EntryKind.ADJUSTMENT, 10, TODAY)
        seed.entry(s, resting, EntryKind.ASK, -1, TODAY - dt.timedelta(days=5), item="logo")
        paused = seed.account(s, "Umbrella", "Fintech", status="paused")
        seed.entry(s, paused, EntryKind.ADJUSTMENT, 10, TODAY)
        seed.account(s, "Initech", "Healthcare")

    result = find_accounts(db, policy, "fintech case study", TODAY)

    assert result.activity is not None and result.activity.key == "case_study"
    assert [f.name for f in result.fits] == ["Acme", "Globex", "Hooli", "Umbrella"]
    acme, globex, hooli, umbrella = result.fits
    assert (acme.balance, acme.balance_after, acme.willing_advocates, acme.unavailable) == (7, 2, 1, None)
    assert globex.unavailable == "over-asked: balance 3, the ask costs 5"
    assert hooli.unavailable == f"resting: asked on {(TODAY - dt.timedelta(days=5)).isoformat()}"
    assert umbrella.unavailable == "paused"


def test_more_matching_words_rank_higher_and_the_list_is_cut_at_ten(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        for n in range(12):
            seed.account(s, f"Bank {n:02d}", "Banking", region="NA")
        seed.account(s, "Zeta Bank", "Banking", region="EMEA")

    result = find_accounts(db, policy, "banking emea", TODAY)

    assert result.total == 13 and len(result.fits) == 10
    assert result.fits[0].name == "Zeta Bank" and result.fits[0].matched == ("banking", "emea")


def test_an_activity_alone_finds_the_accounts_with_someone_willing(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        seed.advocate(s, seed.account(s, "Acme", "Fintech"), "Jane", "webinar")
        seed.advocate(s, seed.account(s, "Globex", "Fintech"), "Gina", "webinar_host")
    result = find_accounts(db, policy, "webinar", TODAY)
    assert [f.name for f in result.fits] == ["Acme"]


def test_nothing_found_is_an_empty_answer(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        seed.account(s, "Acme", "Fintech")
    assert find_accounts(db, policy, "aerospace", TODAY).fits == []
    assert find_accounts(db, policy, "the of", TODAY).fits == []
