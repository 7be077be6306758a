"""`/reference find`: parsing the words and ranking accounts, on both databases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session

from store import ledger
from store.accounts.find import find_accounts, parse_words
from store.db import Database
from store.giveback import social_capital
from store.ledger import kept
from store.models import EntryKind, KeptBalance, ReferenceRequest, RequestStatus
from store.rules.checklist import is_blocked
from store.rules.facts import checks_for
from store.rules.policy import Policy, load_policy
from tests.support import store_seed as seed

TODAY = seed.NOW.date()  # 2026-11-23: the quarter began on 1 October


def asked(session: Session, account_id: int, advocate_id: int | None, days_ago: int, item: str) -> None:
    """An ask on the ledger, naming who was asked (or nobody); free, so balances stay as set up."""
    ledger.post(
        session,
        account_id=account_id,
        advocate_id=advocate_id,
        kind=EntryKind.ASK,
        amount=0,
        item=item,
        actor_id="U0OWNER01",
        now=seed.NOW,
        occurred_on=TODAY - dt.timedelta(days=days_ago),
    )


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
    assert globex.unavailable == "over-asked: balance 3 points, the ask costs 5 points"
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


def test_find_marks_unavailable_exactly_the_accounts_the_checklist_blocks(
    db: Database, policy: Policy
) -> None:
    with db.transaction() as s:
        accounts, advocates = {}, {}
        for name in ("Healthy", "Resting", "Capped", "Short", "Paused"):
            status = "paused" if name == "Paused" else "active"
            accounts[name] = seed.account(s, f"{name} Bank", "Banking", status=status)
            advocates[name] = seed.advocate(s, accounts[name], f"{name} Person", "reference_call")
            seed.entry(s, accounts[name], EntryKind.ADJUSTMENT, -1 if name == "Short" else 10, TODAY)
        asked(s, accounts["Resting"], advocates["Resting"], 5, "logo")
        for days_ago in (40, 80, 120):  # rested each time, but three asks in 180 days
            asked(s, accounts["Capped"], advocates["Capped"], days_ago, "logo")
        # the same ask as a request would make it, to read the approver's checklist for each account
        requests = {}
        for name, account_id in accounts.items():
            requests[name] = seed.request(s, account_id, status=RequestStatus.CANCELLED)
            s.get_one(ReferenceRequest, requests[name]).advocate_id = advocates[name]

    result = find_accounts(db, policy, "banking reference call", TODAY)

    with db.transaction(readonly=True) as s:
        blocked = {
            name
            for name, request_id in requests.items()
            if is_blocked(checks_for(s, policy, s.get_one(ReferenceRequest, request_id), TODAY))
        }
    assert blocked == {"Resting", "Capped", "Short", "Paused"}
    assert {f.name.removesuffix(" Bank") for f in result.fits if not f.available} == blocked
    # blocked last, from what a give-back mends to what only the customer can
    assert [(f.name, f.unavailable) for f in result.fits] == [
        ("Healthy Bank", None),
        ("Short Bank", "over-asked: balance 2 points, the ask costs 3 points"),
        ("Resting Bank", f"resting: asked on {(TODAY - dt.timedelta(days=5)).isoformat()}"),
        ("Capped Bank", "asked 3 times in 180 days"),
        ("Paused Bank", "paused"),
    ]


def test_an_account_stays_available_while_one_of_its_willing_advocates_may_be_asked(
    db: Database, policy: Policy
) -> None:
    with db.transaction() as s:
        acme = seed.account(s, "Acme", "Fintech")
        jane = seed.advocate(s, acme, "Jane", "reference_call")
        seed.advocate(s, acme, "Sam", "reference_call")
        seed.advocate(s, acme, "Lou", "logo")  # not willing: her rest is not the question
        asked(s, acme, jane, 5, "logo")
        globex = seed.account(s, "Globex", "Fintech")
        for advocate in ("Gina", "Gus"):
            asked(s, globex, seed.advocate(s, globex, advocate, "reference_call"), 5, "logo")

    acme_fit, globex_fit = find_accounts(db, policy, "fintech reference call", TODAY).fits

    assert (acme_fit.name, acme_fit.available, acme_fit.willing_advocates) == ("Acme", True, 2)
    assert (globex_fit.name, globex_fit.available) == ("Globex", False)
    assert globex_fit.unavailable is not None and globex_fit.unavailable.startswith("resting: asked on")


def test_an_ask_that_named_nobody_rests_every_advocate_of_the_account(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        acme = seed.account(s, "Acme", "Fintech")
        seed.advocate(s, acme, "Jane", "reference_call")
        seed.advocate(s, acme, "Sam", "reference_call")
        asked(s, acme, None, 5, "logo")

    (fit,) = find_accounts(db, policy, "fintech reference call", TODAY).fits

    assert fit.unavailable == f"resting: asked on {(TODAY - dt.timedelta(days=5)).isoformat()}"


def test_words_without_an_activity_judge_an_ask_that_names_no_advocate(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        acme = seed.account(s, "Acme", "Fintech")
        asked(s, acme, seed.advocate(s, acme, "Jane", "reference_call"), 5, "logo")

    (fit,) = find_accounts(db, policy, "fintech", TODAY).fits

    assert (fit.available, fit.balance_after, fit.willing_advocates) == (True, 3, 0)


def test_an_account_past_the_quarterly_guideline_is_askable_but_ranked_after_a_quiet_one(
    db: Database, policy: Policy
) -> None:
    with db.transaction() as s:
        busy = seed.account(s, "Busy Bank", "Banking")
        seed.entry(s, busy, EntryKind.ADJUSTMENT, 20, TODAY)
        for days_ago in (40, 50):  # this quarter, and long enough ago for the advocate to have rested
            asked(s, busy, None, days_ago, "reference_call")
        seed.account(s, "Quiet Bank", "Banking")

    quiet_fit, busy_fit = find_accounts(db, policy, "banking reference call", TODAY).fits

    assert (quiet_fit.name, busy_fit.name) == ("Quiet Bank", "Busy Bank")
    assert busy_fit.available and busy_fit.balance_after > quiet_fit.balance_after
    assert busy_fit.warnings == ("already 2 this quarter (guideline: 2)", "nothing given back in 90 days")
    assert quiet_fit.warnings == ()  # never asked: nothing owed back yet


def test_a_policy_that_caps_case_studies_caps_them_in_find(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('[rules]\ncapped_activity = "case_study"\ncapped_activity_per_quarter = 1\n')
    capped_case_studies = load_policy(path)
    with db.transaction() as s:
        busy = seed.account(s, "Busy Bank", "Banking")
        seed.entry(s, busy, EntryKind.ADJUSTMENT, 20, TODAY)
        asked(s, busy, None, 40, "case_study")
        for days_ago in (45, 50, 55):  # reference calls are no longer capped
            asked(s, busy, None, days_ago, "reference_call")

    def warnings(policy: Policy, words: str) -> tuple[str, ...]:
        (fit,) = find_accounts(db, policy, words, TODAY).fits
        return fit.warnings

    assert "already 1 this quarter (guideline: 1)" in warnings(capped_case_studies, "banking case study")
    assert not any("this quarter" in w for w in warnings(capped_case_studies, "banking reference call"))
    assert not any("this quarter" in w for w in warnings(load_policy(), "banking case study"))


def test_a_pasted_paragraph_is_searched_by_its_first_twenty_words(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        seed.account(s, "Acme", "Fintech", region="EMEA")
        seed.account(s, "Globex", "Retail", region="NA")
    words = [f"word{n}" for n in range(200)]

    terms, _ = parse_words(policy, " ".join(["fintech", *words, "retail"]))
    result = find_accounts(db, policy, " ".join(["fintech", *words, "retail"]), TODAY)

    assert terms == ("fintech", *words[:19])
    assert [f.name for f in result.fits] == ["Acme"]


def test_words_match_regions_products_and_segments_whatever_their_case_in_any_script(
    db: Database, policy: Policy
) -> None:
    with db.transaction() as s:
        seed.account(s, "Acme", "Fintech", region="MÜNCHEN")
        seed.account(s, "Globex", "Retail", region="İstanbul", segment="Großkunden")
        seed.account(s, "Hooli", "Software", products="ÉCLAIR;Payments")
        seed.account(s, "Initech", "Software", region="Berlin")

    def found(text: str) -> list[str]:
        return [f.name for f in find_accounts(db, policy, text, TODAY).fits]

    assert found("münchen") == ["Acme"]
    assert found("İSTANBUL") == ["Globex"]
    assert found("GROSSKUNDEN") == ["Globex"]
    assert found("éclair") == ["Hooli"]


def test_reading_the_most_hopeful_first_answers_as_reading_every_account(
    db: Database, policy: Policy
) -> None:
    """find reads the checklist of the accounts that could rank best, in rounds, and stops when
    none left could beat its tenth: the same ten, in the same order, as ranking all of them. The
    richest accounts here are the ones held back (paused, resting, a pending request), so the
    rounds must go past them."""
    with db.transaction() as s:
        for n in range(70):
            account = seed.account(s, f"Bank {n:02d}", "Banking", status="paused" if n % 7 == 0 else "active")
            if n % 3:
                seed.advocate(s, account, f"Person {n}", "case_study")
            seed.entry(s, account, EntryKind.ADJUSTMENT, 100 - n, TODAY)
            if n % 5 == 1:
                seed.entry(s, account, EntryKind.ASK, 0, TODAY - dt.timedelta(days=3), item="logo")
            if n % 4 == 2:
                seed.request(s, account)
            if n % 6 == 3:  # asked months ago: ranks after the equally fitting never asked
                seed.entry(s, account, EntryKind.ASK, -2, TODAY - dt.timedelta(days=120), item="logo")

    for words in ("banking case study", "banking", "case study"):
        everything = find_accounts(db, policy, words, TODAY, limit=100)
        ten = find_accounts(db, policy, words, TODAY)

        assert ten.total == everything.total
        assert ten.fits == everything.fits[:10], words
        most_hopeful = max(everything.fits, key=lambda fit: (min(fit.willing_advocates, 1), fit.balance))
        assert most_hopeful.unavailable and most_hopeful not in ten.fits


def test_the_asks_kept_beside_the_balance_rank_as_the_asks_summed_from_the_ledger(
    db: Database, policy: Policy
) -> None:
    """find reads an account's asks of the last 12 months from its kept row once the
    `asks-window` job has counted them from today's window, and sums them from the ledger until
    then: the same fits in the same order either way, and an ask posted after the count adds
    itself to it."""
    with db.transaction() as s:
        banks = [seed.account(s, f"Bank {n:02d}", "Banking") for n in range(12)]
        for n, bank in enumerate(banks):
            seed.advocate(s, bank, f"Person {n}", "case_study")
            seed.entry(s, bank, EntryKind.ADJUSTMENT, 40, TODAY)
            if n % 4:  # asked in the window: ranks after the equally fitting asked less
                seed.entry(s, bank, EntryKind.ASK, -(n % 4), TODAY - dt.timedelta(days=200), item="logo")
            if n % 2:  # asked before the window: does not count
                seed.entry(s, bank, EntryKind.ASK, -5, TODAY - dt.timedelta(days=400), item="logo")

    def ranked() -> list[tuple[str, int, int]]:
        fits = find_accounts(db, policy, "banking", TODAY, limit=100).fits
        return [(fit.name, fit.balance, fit.asked) for fit in fits]

    summed = ranked()
    assert kept.roll(db, social_capital.since(TODAY)) == 12
    assert ranked() == summed
    assert summed[0] == ("Bank 00", 43, 0)
    with db.transaction() as s:  # the first bank is asked for 3 points: behind all asked less
        seed.entry(s, banks[0], EntryKind.ASK, -3, TODAY, item="logo")
    counted = ranked()
    assert counted[8] == ("Bank 00", 40, 3) and counted[7][2] == 2
    kept.rebuild(db)  # the counts forgotten: summed from the ledger again
    assert ranked() == counted
    assert kept.verify(db).differences == []


def test_find_reads_a_kept_count_of_asks_only_when_it_counts_from_todays_window(
    db: Database, policy: Policy
) -> None:
    with db.transaction() as s:
        banks = [seed.account(s, f"Bank {n:02d}", "Banking") for n in range(3)]
        for n, bank in enumerate(banks):
            seed.advocate(s, bank, f"Person {n}", "case_study")
            seed.entry(s, bank, EntryKind.ADJUSTMENT, 40, TODAY)

    def first() -> str:
        return find_accounts(db, policy, "banking", TODAY).fits[0].name

    def count_bank_00_from(since: dt.date) -> None:
        kept.roll(db, since)
        with db.engine.begin() as connection:  # a count that is not the ledger's: find believes it
            connection.execute(update(KeptBalance).where(KeptBalance.account_id == banks[0]).values(asked=9))

    assert first() == "Bank 00"
    count_bank_00_from(social_capital.since(TODAY) - dt.timedelta(days=1))  # yesterday's window
    assert first() == "Bank 00"
    count_bank_00_from(social_capital.since(TODAY))
    assert first() == "Bank 01"
