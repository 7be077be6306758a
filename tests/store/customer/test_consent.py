"""The customer's say on SQLite and PostgreSQL: approval names and asks the advocate, each of the
answers does what it says exactly once, answers change until the needed-by date, the owner
is reminded, and ratings feed the checklist."""

from __future__ import annotations

import datetime as dt
import threading
import zoneinfo
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from store import ledger, periods
from store.accounts import find
from store.act import Act
from store.customer import ask_view, consent, ratings
from store.customer.referrals import Colleague
from store.db import Database
from store.digest import weekly
from store.errors import AlreadySettled, Invalid, NotAllowed, TooSoon
from store.models import (
    Advocate,
    Consent,
    ConsentAnswer,
    Delivery,
    EntryKind,
    LedgerEntry,
    Rating,
    ReferenceRequest,
    RequestStatus,
)
from store.requests import asking, cards, deciding, followups
from store.requests.asking import Draft
from store.rules.checklist import Rule, Verdict
from store.rules.facts import checks_for
from store.rules.policy import Policy, load_policy
from tests.support import store_seed

OWNER, SELLER, STRANGER, ADMIN = "U0OWNER01", "U0SELLER1", "U0NOBODY1", "U0ADMIN01"
ADMINS = frozenset({ADMIN})
NEEDED_BY = dt.date(2026, 12, 10)
#: the pause between two changes of one answer (`REFDESK_ANSWER_CHANGE_MINUTES`)
EVERY = dt.timedelta(minutes=10)


def setup(db: Database, *, email: str | None = "jane@acme.example", balance: int = 0) -> tuple[int, int]:
    with db.transaction() as session:
        acme = store_seed.account(session, "Acme Corp", "Banking", owner_slack_id=OWNER)
        jane = store_seed.advocate(session, acme, "Jane Doe", "reference_call")
        session.get_one(Advocate, jane).email = email
        if balance:
            store_seed.entry(session, acme, EntryKind.ADJUSTMENT, balance, dt.date(2026, 11, 1))
    return acme, jane


def approved(
    db: Database,
    policy: Policy,
    now: dt.datetime,
    acme: int,
    *,
    advocate_id: int | None = None,
    pick: int | None = None,
    mode: str = consent.EMAIL,
    key: str = "view:1",
) -> tuple[int, tuple[str, ...]]:
    submitted = asking.submit(
        db,
        policy,
        Draft(account_id=acme, activity="reference_call", advocate_id=advocate_id, needed_by=NEEDED_BY),
        Act(SELLER, ADMINS, now, now.date()),
        source_key=key,
    )
    decided = deciding.decide(
        db,
        policy,
        submitted.request_id,
        Act(OWNER, ADMINS, now, now.date()),
        approve=True,
        advocate_id=pick,
        consent_mode=mode,
    )
    return submitted.request_id, decided.delivery_keys


WENDY = Colleague("Wendy Wong", "VP Finance", "wendy@acme.example")


def answer(
    db: Database, now: dt.datetime, rid: int, given: str, by: str = consent.ADVOCATE, **how: Any
) -> consent.Answered:
    return consent.answer(db, load_policy(), rid, given, Act(by, ADMINS, now, now.date()), pause=EVERY, **how)


def balance(db: Database, policy: Policy, account_id: int) -> int:
    with db.transaction() as session:
        return ledger.balance(session, policy.opening_balance, account_id)


def owed(db: Database) -> dict[str, tuple[str, str, dict[str, object]]]:
    with db.transaction() as session:
        return {d.key: (d.kind, d.recipient, dict(d.data)) for d in session.scalars(select(Delivery))}


def status(db: Database, rid: int) -> str:
    with db.transaction() as session:
        return session.get_one(ReferenceRequest, rid).status


def verdicts(db: Database, policy: Policy, acme: int, jane: int, today: dt.date) -> dict[Rule, Verdict]:
    """The checklist of a new ask of the advocate, as its owner would see it today."""
    with db.transaction() as session:
        probe = ReferenceRequest(
            account_id=acme, advocate_id=jane, requester_id=SELLER, activity="logo", cost=1, id=-1
        )
        return {r.rule: r.verdict for r in checks_for(session, policy, probe, today)}


# --- asking at approval ---------------------------------------------------------------------------


def test_no_approval_without_a_named_advocate(db: Database, policy: Policy, now: dt.datetime) -> None:
    acme, _ = setup(db)
    with pytest.raises(Invalid) as refused:
        approved(db, policy, now, acme)
    assert "advocate" in refused.value.errors
    with db.transaction() as session:
        assert session.scalar(select(ReferenceRequest.status)) == RequestStatus.PENDING
        assert session.scalar(select(LedgerEntry.id)) is None


def test_an_advocate_of_another_account_cannot_be_picked(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme, _ = setup(db)
    with db.transaction() as session:
        other = store_seed.account(session, "Globex")
        stranger = store_seed.advocate(session, other, "Gina", "")
    with pytest.raises(Invalid):
        approved(db, policy, now, acme, pick=stranger)


def test_the_owner_picks_the_advocate_and_they_are_e_mailed(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme, jane = setup(db)
    rid, keys = approved(db, policy, now, acme, pick=jane)
    assert f"consent-mail:{rid}" in keys
    assert owed(db)[f"consent-mail:{rid}"][:2] == ("consent_email", f"advocate:{jane}")
    with db.transaction() as session:
        assert session.get_one(ReferenceRequest, rid).advocate_id == jane
        assert session.get_one(LedgerEntry, 1).advocate_id == jane
        row = session.get_one(Consent, rid)
        assert (row.mode, row.answer, row.advocate_id) == ("email", None, jane)


def test_owner_led_programs_and_advocates_without_e_mail_get_the_owner_s_buttons(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme, jane = setup(db, email=None)
    rid, keys = approved(db, policy, now, acme, advocate_id=jane, mode=consent.EMAIL)
    assert f"consent-ask:{rid}" in keys
    assert owed(db)[f"consent-ask:{rid}"] == ("consent_ask", OWNER, {"reminder": False, "overdue": False})


@pytest.mark.parametrize("shared", [True, False])
def test_the_advocate_sees_the_prospect_company_only_when_the_requester_ticked_it(
    db: Database, policy: Policy, now: dt.datetime, shared: bool
) -> None:
    acme, jane = setup(db)
    submitted = asking.submit(
        db,
        policy,
        Draft(
            account_id=acme,
            activity="reference_call",
            advocate_id=jane,
            opportunity_name="Globex core banking",
            prospect_company="Globex",
            prospect_industry="Retail",
            prospect_name_shared=shared,
        ),
        Act(SELLER, ADMINS, now, now.date()),
        source_key="view:1",
    )
    deciding.decide(db, policy, submitted.request_id, Act(OWNER, ADMINS, now, now.date()), approve=True)
    view = ask_view.view(db, policy, submitted.request_id, now.date())
    with db.transaction() as session:
        assert session.get_one(ReferenceRequest, submitted.request_id).prospect_name_shared is shared
    # the opportunity's name is the CRM's: it never reaches the customer, ticked or not
    assert (view.prospect_company, view.prospect_industry) == ("Globex" if shared else "", "Retail")
    assert "Globex core banking" not in repr(view)


# --- the answers ---------------------------------------------------------------------------------


def test_yes_confirms_and_tells_the_requester_and_the_owner(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme, jane = setup(db)
    rid, _ = approved(db, policy, now, acme, advocate_id=jane)
    done = answer(db, now, rid, "yes", note="Happy to", times="Tue mornings")
    assert done.changed and done.delivery_keys == (
        f"consent-answer:{rid}:1:requester",
        f"consent-answer:{rid}:1:owner",
        f"refresh:{rid}:answer:1",
    )
    assert owed(db)[f"consent-answer:{rid}:1:requester"] == (
        "consent_answered",
        SELLER,
        {"answer": "yes", "answered_by": "advocate"},
    )
    assert status(db, rid) == RequestStatus.APPROVED
    assert balance(db, policy, acme) == 0
    view = ask_view.view(db, policy, rid, now.date())
    assert (view.answer, view.note, view.times, view.open) == ("yes", "Happy to", "Tue mornings", True)


def test_not_this_time_declines_and_reverses_the_debit_once(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme, jane = setup(db)
    rid, _ = approved(db, policy, now, acme, advocate_id=jane)
    assert balance(db, policy, acme) == 0
    first = answer(db, now, rid, "not_this_time")
    again = answer(db, now, rid, "not_this_time")
    assert first.changed and not again.changed and again.delivery_keys == ()
    # the customer's no is a state of its own: never the owner's decline
    assert status(db, rid) == RequestStatus.CUSTOMER_DECLINED
    assert balance(db, policy, acme) == 3
    with db.transaction() as session:
        reversals = session.scalars(select(LedgerEntry).where(LedgerEntry.kind == EntryKind.REVERSAL)).all()
        assert [(r.amount, r.reason) for r in reversals] == [(3, consent.DECLINED_BY_CUSTOMER)]
        request = session.get_one(ReferenceRequest, rid)
        assert (request.decision_reason, request.decided_by) == (None, OWNER)
    assert verdicts(db, policy, acme, jane, now.date())[Rule.ADVOCATE_SAY] is Verdict.OK


def test_not_for_3_months_rests_the_advocate_90_days(db: Database, policy: Policy, now: dt.datetime) -> None:
    acme, jane = setup(db, balance=20)
    rid, _ = approved(db, policy, now, acme, advocate_id=jane)
    answer(db, now, rid, "not_for_3_months")
    assert status(db, rid) == RequestStatus.CUSTOMER_DECLINED
    rest = now.date() + dt.timedelta(days=90)
    assert ask_view.view(db, policy, rid, now.date()).rest_until == rest == dt.date(2027, 2, 21)
    assert verdicts(db, policy, acme, jane, rest)[Rule.ADVOCATE_SAY] is Verdict.BLOCKING
    assert verdicts(db, policy, acme, jane, rest + dt.timedelta(days=1))[Rule.ADVOCATE_SAY] is Verdict.OK


def test_please_don_t_ask_me_again_makes_the_advocate_do_not_contact(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme, jane = setup(db, balance=20)
    rid, _ = approved(db, policy, now, acme, advocate_id=jane)
    answer(db, now, rid, "never")
    assert verdicts(db, policy, acme, jane, dt.date(2028, 1, 1))[Rule.ADVOCATE_SAY] is Verdict.BLOCKING
    # a new ask of her is blocked for the owner
    submitted = asking.submit(
        db,
        policy,
        Draft(account_id=acme, activity="reference_call", advocate_id=jane),
        Act(SELLER, ADMINS, now, now.date()),
        source_key="view:2",
    )
    with pytest.raises(NotAllowed):
        deciding.decide(db, policy, submitted.request_id, Act(OWNER, ADMINS, now, now.date()), approve=True)


def test_an_answer_changes_until_the_needed_by_date(db: Database, policy: Policy, now: dt.datetime) -> None:
    acme, jane = setup(db, balance=20)
    rid, _ = approved(db, policy, now, acme, advocate_id=jane)
    answer(db, now, rid, "yes")
    changed = answer(db, now + EVERY, rid, "never")
    assert changed.delivery_keys == (
        f"consent-answer:{rid}:2:requester",
        f"consent-answer:{rid}:2:owner",
        f"refresh:{rid}:answer:2",
    )
    assert balance(db, policy, acme) == 23
    answer(db, now + 2 * EVERY, rid, "not_for_3_months")  # a gentler no lifts the do-not-contact
    assert verdicts(db, policy, acme, jane, dt.date(2027, 2, 22))[Rule.ADVOCATE_SAY] is Verdict.OK
    assert verdicts(db, policy, acme, jane, now.date())[Rule.ADVOCATE_SAY] is Verdict.BLOCKING
    assert balance(db, policy, acme) == 23
    yes = answer(db, now + 3 * EVERY, rid, "yes")  # and a yes after all lifts the rest
    assert yes.changed and yes.delivery_keys == (
        f"consent-answer:{rid}:4:requester",
        f"consent-answer:{rid}:4:owner",
        f"refresh:{rid}:answer:4",
    )
    assert owed(db)[f"consent-answer:{rid}:4:owner"] == (
        "consent_answered",
        OWNER,
        {"answer": "yes", "answered_by": "advocate", "before": "not_for_3_months"},
    )
    assert verdicts(db, policy, acme, jane, now.date())[Rule.ADVOCATE_SAY] is Verdict.OK
    assert (status(db, rid), balance(db, policy, acme)) == (RequestStatus.APPROVED, 20)
    with db.transaction() as session:
        request = session.get_one(ReferenceRequest, rid)
        assert (request.decision_reason, request.closed_at) == (None, None)
    late = now + dt.timedelta(days=30)
    with pytest.raises(AlreadySettled):
        consent.answer(db, policy, rid, "never", Act(consent.ADVOCATE, frozenset(), late, late.date()))
    assert not ask_view.view(db, policy, rid, late.date()).open


def test_an_answer_changes_at_most_once_every_ten_minutes(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    """Thirty changes in half a second owed sixty DMs: a change waits out the last one's pause
    (the same answer again is no change, and is never refused)."""
    acme, jane = setup(db, balance=20)
    rid, _ = approved(db, policy, now, acme, advocate_id=jane)
    answer(db, now, rid, "yes")
    soon = now + dt.timedelta(minutes=3, seconds=30)

    with pytest.raises(TooSoon) as refused:
        answer(db, soon, rid, "not_this_time")
    assert not answer(db, soon, rid, "yes").changed

    assert refused.value.minutes == 7
    assert (status(db, rid), balance(db, policy, acme)) == (RequestStatus.APPROVED, 20)
    assert answer(db, now + EVERY, rid, "not_this_time").changed
    assert len([key for key in owed(db) if key.startswith(f"consent-answer:{rid}:")]) == 4


def test_changing_an_answer_lifts_only_the_do_not_contact_it_set(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme, jane = setup(db, balance=20)
    first, _ = approved(db, policy, now, acme, advocate_id=jane)
    answer(db, now, first, "never")
    second = asking.submit(
        db,
        policy,
        Draft(account_id=acme, activity="reference_call", advocate_id=jane, needed_by=NEEDED_BY),
        Act(SELLER, ADMINS, now, now.date()),
        source_key="view:2",
    ).request_id
    deciding.decide(
        db,
        policy,
        second,
        Act(ADMIN, ADMINS, now, now.date()),
        approve=True,
        override_reason="She told me on the phone she would do this one",
        consent_mode=consent.EMAIL,
    )
    answer(db, now, second, "never")
    answer(db, now + EVERY, second, "yes")  # this answer's do-not-contact goes; the first one's stays
    assert verdicts(db, policy, acme, jane, dt.date(2028, 1, 1))[Rule.ADVOCATE_SAY] is Verdict.BLOCKING
    answer(db, now + EVERY, first, "not_this_time")
    assert verdicts(db, policy, acme, jane, dt.date(2028, 1, 1))[Rule.ADVOCATE_SAY] is Verdict.OK


@pytest.mark.parametrize("no", ["not_this_time", "not_for_3_months", "less_often", "never", "someone_else"])
def test_yes_and_no_in_turn_keep_the_balance_right_each_change_once(
    db: Database, policy: Policy, now: dt.datetime, no: str
) -> None:
    acme, jane = setup(db, balance=20)
    rid, _ = approved(db, policy, now, acme, advocate_id=jane)
    steps = [("yes", 20, RequestStatus.APPROVED), (no, 23, RequestStatus.CUSTOMER_DECLINED)] * 2 + [
        ("yes", 20, RequestStatus.APPROVED)
    ]
    for step, (given, expected, expected_status) in enumerate(steps):
        first = answer(db, now + step * EVERY, rid, given, colleague=WENDY)
        again = answer(db, now + step * EVERY, rid, given, colleague=WENDY)  # the link clicked twice
        assert first.changed and not again.changed
        assert (balance(db, policy, acme), status(db, rid)) == (expected, expected_status), given
    with db.transaction() as session:
        chain = session.scalars(
            select(LedgerEntry).where(LedgerEntry.request_id == rid).order_by(LedgerEntry.id)
        ).all()
        # the ask, then each reversal undoing the entry before it: nothing updated or deleted
        assert [(e.kind, e.amount) for e in chain] == [("ask", -3)] + [("reversal", 3), ("reversal", -3)] * 2
        assert [e.reverses_id for e in chain] == [None] + [e.id for e in chain[:-1]]
        assert ledger.asked_since(session, [acme], now.date()) == {acme: 3}
    told = [key for key in owed(db) if key.startswith(f"consent-answer:{rid}:") and key.endswith("requester")]
    assert len(told) == len(steps)
    # a yes after all, then the activity fell through: the ask is reversed once more, and only once
    followups.mark_fell_through(
        db, rid, Act(SELLER, ADMINS, now, now.date()), reason="The prospect went quiet"
    )
    assert balance(db, policy, acme) == 23


def test_twin_yeses_after_a_no_debit_once(db: Database, policy: Policy, now: dt.datetime) -> None:
    acme, jane = setup(db, balance=20)
    rid, _ = approved(db, policy, now, acme, advocate_id=jane)
    answer(db, now, rid, "not_this_time")
    results: list[object] = []

    def click() -> None:
        try:
            results.append(answer(db, now + EVERY, rid, "yes").changed)
        except Exception as exc:  # a lock timeout would show here
            results.append(exc)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(results, key=str) == [False, True]
    assert (balance(db, policy, acme), status(db, rid)) == (20, RequestStatus.APPROVED)


def test_a_request_s_reversals_chain_but_its_ask_stays_one(db: Database, policy: Policy) -> None:
    """The schema: one ask per request, reversals only by chaining (each entry reversed once)."""
    with db.transaction() as session:
        acme = store_seed.account(session, "Acme Corp", "Banking", owner_slack_id=OWNER)
    at = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
    rid, _ = approved(db, policy, at, acme, advocate_id=store_seed_advocate(db, acme))
    with db.transaction() as session:
        assert (
            ledger.set_ask_standing(session, rid, True, actor_id=OWNER, now=at, today=at.date(), reason="x")
            is None
        )
        first = ledger.set_ask_standing(
            session, rid, False, actor_id=OWNER, now=at, today=at.date(), reason="x"
        )
        assert first is not None and first.amount == 3
    with pytest.raises(IntegrityError), db.transaction() as session:
        ask_entry = session.scalars(select(LedgerEntry).where(LedgerEntry.kind == EntryKind.ASK)).one()
        ledger.reverse(session, ask_entry, actor_id=OWNER, now=at, today=at.date(), reason="twice")
    with pytest.raises(IntegrityError), db.transaction() as session:
        ask_entry = session.scalars(select(LedgerEntry).where(LedgerEntry.kind == EntryKind.ASK)).one()
        ledger.post(
            session,
            account_id=acme,
            kind=EntryKind.ASK,
            amount=-3,
            actor_id=OWNER,
            now=at,
            occurred_on=at.date(),
            request_id=rid,
        )


def store_seed_advocate(db: Database, acme: int) -> int:
    with db.transaction() as session:
        jane = store_seed.advocate(session, acme, "Jane Doe", "reference_call")
        session.get_one(Advocate, jane).email = "jane@acme.example"
    return jane


def test_only_the_owner_or_an_admin_records_an_answer_heard_in_person(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme, jane = setup(db, email=None)
    rid, _ = approved(db, policy, now, acme, advocate_id=jane, mode=consent.OWNER)
    with pytest.raises(NotAllowed):
        answer(db, now, rid, "yes", by=STRANGER)
    done = answer(db, now, rid, "yes", by=OWNER)
    # the owner recorded it: only the requester is told (and the messages rewritten)
    assert done.delivery_keys == (f"consent-answer:{rid}:1:requester", f"refresh:{rid}:answer:1")
    with pytest.raises(Invalid):
        answer(db, now, rid, "maybe", by=OWNER)


def test_twin_answers_at_once_record_one(db: Database, policy: Policy, now: dt.datetime) -> None:
    acme, jane = setup(db)
    rid, _ = approved(db, policy, now, acme, advocate_id=jane)
    results: list[object] = []

    def click() -> None:
        try:
            results.append(answer(db, now, rid, "not_this_time").changed)
        except Exception as exc:  # a lock timeout would show here
            results.append(exc)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(results, key=str) == [False, True]
    assert balance(db, policy, acme) == 3


def test_an_unanswered_e_mail_reminds_the_owner_once_after_the_wait(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme, jane = setup(db)
    rid, _ = approved(db, policy, now, acme, advocate_id=jane)
    wait = dt.timedelta(days=5)
    assert consent.owe_reminders(db, now=now + dt.timedelta(days=4), after=wait) == []
    assert consent.owe_reminders(db, now=now + wait, after=wait) == [f"consent-remind:{rid}"]
    assert consent.owe_reminders(db, now=now + wait, after=wait) == []
    assert owed(db)[f"consent-remind:{rid}"] == ("consent_ask", OWNER, {"reminder": True, "overdue": False})
    answer(db, now, rid, "yes", by=OWNER)
    assert status(db, rid) == RequestStatus.APPROVED


# --- what the advocate reads ----------------------------------------------------------------------


def test_the_page_shows_words_and_dates_of_this_account_only(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme, jane = setup(db)
    with db.transaction() as session:
        store_seed.entry(session, acme, EntryKind.GIVE, 3, dt.date(2026, 10, 1), item="early_access")
        store_seed.entry(session, acme, EntryKind.GIVE, 3, dt.date(2025, 1, 1), item="training")
        other = store_seed.account(session, "Globex")
        store_seed.entry(session, other, EntryKind.GIVE, 5, dt.date(2026, 10, 2), item="award")
    rid, _ = approved(db, policy, now, acme, advocate_id=jane)
    with db.transaction() as session:
        store_seed.entry(session, acme, EntryKind.ASK, -2, dt.date(2026, 6, 5), item="quote")
    view = ask_view.view(db, policy, rid, now.date())
    # gives first, by what was done; the ask being made is not history yet
    assert [(line.on, line.what) for line in view.given] == [(dt.date(2026, 10, 1), "Early access / beta")]
    assert [(line.on, line.what) for line in view.asked] == [
        (dt.date(2026, 6, 5), "Written quote / testimonial")
    ]
    assert (view.advocate_name, view.account_name, view.needed_by) == ("Jane Doe", "Acme Corp", NEEDED_BY)


# --- ratings --------------------------------------------------------------------------------------


def test_done_records_the_requester_s_rating_and_e_mails_the_advocate_once(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme, jane = setup(db)
    rid, _ = approved(db, policy, now, acme, advocate_id=jane)
    answer(db, now, rid, "yes")
    closed = followups.mark_done(db, rid, Act(SELLER, ADMINS, now, now.date()), deal_moved=True, rating=4)
    assert f"rating-mail:{rid}" in closed.delivery_keys
    assert owed(db)[f"rating-mail:{rid}"][:2] == ("rating_email", f"advocate:{jane}")
    assert ratings.rate_by_advocate(db, rid, 2, "Too long a call", now)
    assert not ratings.rate_by_advocate(db, rid, 5, "changed my mind", now)
    with db.transaction() as session:
        rows = {r.rater: (r.score, r.deal_moved, r.comment) for r in session.scalars(select(Rating))}
        assert rows == {"requester": (4, True, ""), "advocate": (2, None, "Too long a call")}
        assert ratings.summaries(session, [acme])[acme].words() == "rated 3.0/5 (2)"
    facts = verdicts(db, policy, acme, jane, now.date())
    assert facts[Rule.ADVOCATE_RATING] is Verdict.WARNING
    with pytest.raises(Invalid):
        ratings.rate_by_advocate(db, rid, 6, "", now)


def test_an_advocate_cannot_rate_before_the_activity_is_done(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme, jane = setup(db)
    rid, _ = approved(db, policy, now, acme, advocate_id=jane)
    with pytest.raises(AlreadySettled):
        ratings.rate_by_advocate(db, rid, 5, "", now)
    assert ConsentAnswer.YES in consent.ANSWER_WORDS


def test_ratings_show_in_find_the_decision_card_and_the_digest(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme, jane = setup(db, balance=20)
    rid, _ = approved(db, policy, now, acme, advocate_id=jane)
    answer(db, now, rid, "yes")
    followups.mark_done(db, rid, Act(SELLER, ADMINS, now, now.date()), rating=5)
    ratings.rate_by_advocate(db, rid, 4, "", now)
    assert cards.card(db, policy, rid, now.date()).ratings == "rated 4.5/5 (2)"  # type: ignore[union-attr]
    [fit] = find.find_accounts(db, policy, "banking", now.date()).fits
    assert fit.ratings == "rated 4.5/5 (2)"
    week = periods.Period.last_complete_week(now + dt.timedelta(days=7), zoneinfo.ZoneInfo("UTC"))
    built = weekly.build_digest(db, policy, week, now + dt.timedelta(days=7), dt.timedelta(hours=24))
    assert built.ratings == "rated 4.5/5 (2)"
