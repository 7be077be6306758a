"""Earning the customer's yes (issue 19), on SQLite and PostgreSQL: each new state and transition
once — the owner's line, another advocate, asking in person; Withdraw (the debit reversed once, the
advocate told once, a yes after it refused); the new answers (Not for 3 months, Ask me less often,
Someone else would be better); opaque ids; follow-ups only once confirmed, an unanswered ask past
its date to the owner; ratings only after a yes; the funnel and the thanks counted from the
customer's own answers."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from sqlalchemy import select

from store import ledger
from store.act import Act
from store.customer import ask_view, consent, ratings
from store.customer.referrals import Colleague
from store.db import Database
from store.digest import fairness, funnel, weekly
from store.errors import AlreadySettled, Gone, Invalid, NotAllowed
from store.models import (
    Advocate,
    Consent,
    Delivery,
    EntryKind,
    LedgerEntry,
    ReferenceRequest,
    Referral,
    RequestStatus,
)
from store.periods import Period
from store.requests import asking, deciding, followups, withdrawing
from store.requests.asking import Draft
from store.rules.checklist import Rule, Verdict
from store.rules.facts import checks_for
from store.rules.policy import Policy
from tests.support import store_seed

OWNER, SELLER, STRANGER, ADMIN = "U0OWNER01", "U0SELLER1", "U0NOBODY1", "U0ADMIN01"
ADMINS = frozenset({ADMIN})
NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
NEEDED_BY = dt.date(2026, 12, 10)
WENDY = Colleague("Wendy Wong", "VP Finance", "wendy@acme.example")


def act(user: str, at: dt.datetime = NOW) -> Act:
    return Act(user, ADMINS, at, at.date())


def setup(db: Database) -> tuple[int, int, int]:
    """Acme (owned, 20 points to spend) with Jane and Sam, both reachable by e-mail."""
    with db.transaction() as session:
        acme = store_seed.account(session, "Acme Corp", "Banking", owner_slack_id=OWNER, products="Payments")
        jane = store_seed.advocate(session, acme, "Jane Doe", "reference_call")
        sam = store_seed.advocate(session, acme, "Sam Roe", "reference_call")
        for advocate, address in ((jane, "jane@acme.example"), (sam, "sam@acme.example")):
            session.get_one(Advocate, advocate).email = address
        store_seed.entry(session, acme, EntryKind.ADJUSTMENT, 20, dt.date(2026, 11, 1))
    return acme, jane, sam


def request(db: Database, policy: Policy, acme: int, jane: int | None, key: str = "view:1") -> int:
    draft = Draft(account_id=acme, activity="reference_call", advocate_id=jane, needed_by=NEEDED_BY)
    return asking.submit(db, policy, draft, act(SELLER), source_key=key).request_id


def approve(db: Database, policy: Policy, rid: int, **how: object) -> tuple[str, ...]:
    return deciding.decide(
        db,
        policy,
        rid,
        act(OWNER),
        approve=True,
        consent_mode=consent.EMAIL,
        **how,  # type: ignore[arg-type]
    ).delivery_keys


def answer(db: Database, policy: Policy, rid: int, given: str, **how: object) -> consent.Answered:
    return consent.answer(db, policy, rid, given, act(consent.ADVOCATE), **how)  # type: ignore[arg-type]


def owed(db: Database) -> dict[str, tuple[str, str]]:
    with db.transaction() as session:
        return {d.key: (d.kind, d.recipient) for d in session.scalars(select(Delivery))}


def balance(db: Database, policy: Policy, acme: int) -> int:
    with db.transaction() as session:
        return ledger.balance(session, policy.opening_balance, acme)


def the_request(db: Database, rid: int) -> ReferenceRequest:
    with db.transaction() as session:
        row = session.get_one(ReferenceRequest, rid)
        session.expunge(row)
        return row


# --- the owner's choices at approval --------------------------------------------------------------


def test_the_owner_s_line_opens_the_e_mail_and_another_advocate_may_be_named(
    db: Database, policy: Policy
) -> None:
    acme, jane, sam = setup(db)
    rid = request(db, policy, acme, jane)
    with pytest.raises(Invalid) as too_long:
        approve(db, policy, rid, advocate_id=sam, line="x" * 501)
    assert "line" in too_long.value.errors and the_request(db, rid).status == RequestStatus.PENDING

    keys = approve(db, policy, rid, advocate_id=sam, line="  Sam, it would  mean a lot. ")

    assert f"consent-mail:{rid}" in keys and owed(db)[f"consent-mail:{rid}"] == (
        "consent_email",
        f"advocate:{sam}",
    )
    view = ask_view.view(db, policy, rid, NOW.date())
    assert (view.advocate_name, view.owner_line) == ("Sam Roe", "Sam, it would mean a lot.")
    with db.transaction() as session:
        assert session.scalars(
            select(LedgerEntry.advocate_id).where(LedgerEntry.kind == EntryKind.ASK)
        ).all() == [sam]


def test_i_ll_ask_them_myself_gives_the_owner_the_answer_buttons_and_mails_nobody(
    db: Database, policy: Policy
) -> None:
    acme, jane, _ = setup(db)
    rid = request(db, policy, acme, jane)
    keys = deciding.decide(
        db, policy, rid, act(OWNER), approve=True, consent_mode=consent.OWNER
    ).delivery_keys
    assert f"consent-ask:{rid}" in keys and f"consent-mail:{rid}" not in owed(db)
    with db.transaction() as session:
        assert session.get_one(Consent, rid).mode == consent.OWNER


def test_the_preview_reads_the_ask_as_the_advocate_would_and_writes_nothing(
    db: Database, policy: Policy
) -> None:
    acme, _, sam = setup(db)
    rid = request(db, policy, acme, None)
    seen = ask_view.preview(db, policy, rid, sam, "Hi Sam", NOW, NOW.date())
    assert (seen.advocate_name, seen.owner_line, seen.answer, seen.open) == ("Sam Roe", "Hi Sam", None, True)
    assert seen.invitation == "30 minutes with a peer?"
    with db.transaction() as session:
        assert session.scalar(select(Consent.request_id)) is None
        assert session.get_one(ReferenceRequest, rid).status == RequestStatus.PENDING
    with db.transaction() as session:
        other = store_seed.account(session, "Globex")
        stranger = store_seed.advocate(session, other, "Gina", "")
    with pytest.raises(Gone):
        ask_view.preview(db, policy, rid, stranger, "", NOW, NOW.date())


def test_links_find_an_ask_by_its_opaque_id_only(db: Database, policy: Policy) -> None:
    acme, jane, _ = setup(db)
    rid = request(db, policy, acme, jane)
    approve(db, policy, rid)
    public_id = the_request(db, rid).public_id
    assert len(public_id) == 22 and public_id != str(rid)
    assert ask_view.view_by_public_id(db, policy, public_id, NOW.date()).request_id == rid
    for guess in (str(rid), public_id[:-1] + ("A" if public_id[-1] != "A" else "B"), ""):
        with pytest.raises(Gone):
            ask_view.view_by_public_id(db, policy, guess, NOW.date())


# --- withdraw -------------------------------------------------------------------------------------


def test_withdraw_reverses_the_debit_once_tells_the_advocate_once_and_refuses_a_later_yes(
    db: Database, policy: Policy
) -> None:
    acme, jane, _ = setup(db)
    rid = request(db, policy, acme, jane)
    approve(db, policy, rid)
    answer(db, policy, rid, "yes")
    assert balance(db, policy, acme) == 20
    with pytest.raises(NotAllowed):
        withdrawing.withdraw(db, rid, act(STRANGER))

    closed = withdrawing.withdraw(db, rid, act(SELLER))

    assert closed.status == RequestStatus.WITHDRAWN
    assert (
        f"withdrawn-mail:{rid}" in closed.delivery_keys and f"withdrawn:{rid}:owner" in closed.delivery_keys
    )
    assert owed(db)[f"withdrawn-mail:{rid}"] == ("withdrawn_email", f"advocate:{jane}")
    assert owed(db)[f"withdrawn:{rid}:owner"] == ("withdrawn_notice", OWNER)
    with pytest.raises(AlreadySettled) as twice:
        withdrawing.withdraw(db, rid, act(SELLER))
    assert twice.value.status == RequestStatus.WITHDRAWN
    with pytest.raises(AlreadySettled):
        answer(db, policy, rid, "not_this_time")
    with pytest.raises(AlreadySettled):
        followups.mark_done(db, rid, act(SELLER))
    assert balance(db, policy, acme) == 23, "the debit went back once"
    with db.transaction() as session:
        reversals = session.scalars(select(LedgerEntry).where(LedgerEntry.kind == EntryKind.REVERSAL)).all()
        assert [(r.amount, r.reason) for r in reversals] == [(3, withdrawing.WITHDRAWN)]
    view = ask_view.view(db, policy, rid, NOW.date())
    assert (view.status, view.open) == (RequestStatus.WITHDRAWN, False)


def test_an_ask_the_customer_refused_cannot_be_withdrawn(db: Database, policy: Policy) -> None:
    acme, jane, _ = setup(db)
    rid = request(db, policy, acme, jane)
    approve(db, policy, rid)
    answer(db, policy, rid, "not_this_time")
    with pytest.raises(AlreadySettled) as refused:
        withdrawing.withdraw(db, rid, act(SELLER))
    assert refused.value.status == RequestStatus.CUSTOMER_DECLINED
    assert balance(db, policy, acme) == 23


def test_withdrawing_an_ask_the_owner_asks_in_person_tells_the_owner_and_mails_nobody(
    db: Database, policy: Policy
) -> None:
    acme, jane, _ = setup(db)
    rid = request(db, policy, acme, jane)
    deciding.decide(db, policy, rid, act(OWNER), approve=True, consent_mode=consent.OWNER)
    closed = withdrawing.withdraw(db, rid, act(SELLER))
    assert f"withdrawn:{rid}:owner" in closed.delivery_keys
    assert f"withdrawn-mail:{rid}" not in owed(db)


# --- the new answers ------------------------------------------------------------------------------


def test_someone_else_would_be_better_names_a_colleague_to_the_owner_once(
    db: Database, policy: Policy
) -> None:
    acme, jane, _ = setup(db)
    rid = request(db, policy, acme, jane)
    approve(db, policy, rid)
    with pytest.raises(Invalid) as bad:
        answer(db, policy, rid, "someone_else", colleague=Colleague("Wendy", "", "wendy at acme"))
    assert "colleague_email" in bad.value.errors
    with pytest.raises(Invalid):
        answer(db, policy, rid, "someone_else")
    assert the_request(db, rid).status == RequestStatus.APPROVED, "nothing changed"

    done = answer(db, policy, rid, "someone_else", colleague=WENDY)
    again = answer(db, policy, rid, "someone_else", colleague=WENDY)

    assert f"referral:{rid}" in done.delivery_keys and not again.changed
    assert owed(db)[f"referral:{rid}"] == ("referral", OWNER)
    # the owner hears it from the referral; the requester is told the customer's no
    assert f"consent-answer:{rid}:1:owner" not in owed(db) and f"consent-answer:{rid}:1:requester" in owed(db)
    with db.transaction() as session:
        [kept] = session.scalars(select(Referral)).all()
        assert (kept.name, kept.title, kept.email, kept.advocate_id) == (
            "Wendy Wong",
            "VP Finance",
            WENDY.email,
            jane,
        )
    assert the_request(db, rid).status == RequestStatus.CUSTOMER_DECLINED
    assert balance(db, policy, acme) == 23


def test_ask_me_less_often_halves_their_own_limit_at_least_one(db: Database, policy: Policy) -> None:
    acme, jane, sam = setup(db)
    with db.transaction() as session:
        session.get_one(Advocate, sam).asks_per_quarter = 5
    first = request(db, policy, acme, jane)
    approve(db, policy, first)
    answer(db, policy, first, "less_often")
    second = request(db, policy, acme, sam, key="view:2")
    approve(db, policy, second)
    answer(db, policy, second, "less_often")
    with db.transaction() as session:
        # Jane had no limit: half what the policy's cap comes to a quarter (3 in 180 days: 2), so 1
        assert policy.rules.asks_per_quarter == 2
        assert session.get_one(Advocate, jane).asks_per_quarter == 1
        assert session.get_one(Advocate, sam).asks_per_quarter == 2
    answer(db, policy, first, "yes")  # a yes after all keeps the limit they asked for
    with db.transaction() as session:
        assert session.get_one(Advocate, jane).asks_per_quarter == 1
        probe = ReferenceRequest(
            account_id=acme, advocate_id=jane, requester_id=SELLER, activity="logo", cost=1, id=-1
        )
        found = {r.rule: r.verdict for r in checks_for(session, policy, probe, NOW.date())}
    assert found[Rule.ADVOCATE_LIMIT] is Verdict.BLOCKING, "one ask this quarter: their limit is reached"


def test_not_for_3_months_rests_90_days_from_the_answer(db: Database, policy: Policy) -> None:
    acme, jane, _ = setup(db)
    rid = request(db, policy, acme, jane)
    approve(db, policy, rid)
    later = NOW + dt.timedelta(days=3)
    consent.answer(db, policy, rid, "not_for_3_months", Act(consent.ADVOCATE, ADMINS, later, later.date()))
    assert ask_view.view(db, policy, rid, later.date()).rest_until == dt.date(2027, 2, 24)


# --- after the approval ---------------------------------------------------------------------------


def test_how_did_it_go_only_for_confirmed_asks_an_unanswered_one_goes_to_the_owner(
    db: Database, policy: Policy
) -> None:
    acme, jane, sam = setup(db)
    waiting = request(db, policy, acme, jane)
    approve(db, policy, waiting)
    confirmed = request(db, policy, acme, sam, key="view:2")
    approve(db, policy, confirmed)
    answer(db, policy, confirmed, "yes")
    after = NEEDED_BY + dt.timedelta(days=1)
    at = dt.datetime.combine(after, dt.time(10), dt.UTC)

    claimed = followups.owe_followups(db, now=at, today=after)

    assert sorted(claimed) == sorted([f"consent-late:{waiting}", f"followup:{confirmed}"])
    assert owed(db)[f"consent-late:{waiting}"] == ("consent_ask", OWNER)
    assert f"followup:{waiting}" not in owed(db)
    assert followups.owe_followups(db, now=at, today=after) == [], "each once"


def test_the_rating_e_mail_goes_only_to_an_advocate_who_said_yes(db: Database, policy: Policy) -> None:
    acme, jane, sam = setup(db)
    said_yes = request(db, policy, acme, jane)
    approve(db, policy, said_yes)
    answer(db, policy, said_yes, "yes")
    never_answered = request(db, policy, acme, sam, key="view:2")
    approve(db, policy, never_answered)
    yes_done = followups.mark_done(db, said_yes, act(SELLER), deal_moved=True, note="Deal closed.")
    silent_done = followups.mark_done(db, never_answered, act(SELLER))
    assert f"rating-mail:{said_yes}" in yes_done.delivery_keys
    assert not any(key.startswith("rating-mail") for key in silent_done.delivery_keys)
    view = ask_view.view(db, policy, said_yes, NOW.date())
    assert (view.deal_moved, view.deal_closed) == (True, True), "the thank-you says the deal closed"
    assert ratings.rate_by_advocate(db, said_yes, 5, "Worth it", NOW)


# --- what the program reports ---------------------------------------------------------------------


def test_the_funnel_and_the_thanks_count_the_customer_s_own_answers(db: Database, policy: Policy) -> None:
    acme, jane, sam = setup(db)
    with db.transaction() as session:
        pat = store_seed.advocate(session, acme, "Pat Silent", "reference_call")
        session.get_one(Advocate, pat).email = "pat@acme.example"
    yes, no, silent = (request(db, policy, acme, who, key=f"view:{who}") for who in (jane, sam, pat))
    for rid in (yes, no, silent):
        approve(db, policy, rid)
    two_hours = NOW + dt.timedelta(hours=2)
    consent.answer(db, policy, yes, "yes", Act(consent.ADVOCATE, ADMINS, two_hours, two_hours.date()))
    answer(db, policy, no, "not_this_time")
    declined_by_owner = request(db, policy, acme, None, key="view:owner-no")
    deciding.decide(db, policy, declined_by_owner, act(OWNER), approve=False, reason="Not now")
    week = Period(dt.date(2026, 11, 23), zoneinfo.ZoneInfo("UTC"))
    six_days = NOW + dt.timedelta(days=6)

    with db.transaction() as session:
        seen = funnel.funnel(session, week.starts_at, week.ends_at, six_days)
    assert (seen.asked, seen.answered, seen.yes, seen.done) == (3, 2, 1, 0)
    assert seen.time_to_yes == dt.timedelta(hours=2)
    assert seen.answers == {"yes": 1, "not_this_time": 1}
    assert seen.unanswered == 1, "Pat has not answered in 5 days"
    assert funnel.report(db, None, six_days, dt.UTC) == seen

    built = weekly.build_digest(db, policy, week, six_days, dt.timedelta(hours=24))
    assert (built.approved, built.declined) == (3, 1), "the customer's no is not the owner's decline"
    assert built.funnel == seen
    helped = fairness.fairness(db, policy, week.start, zoneinfo.ZoneInfo("UTC")).helpers
    assert [(h.advocate_name, h.account_name) for h in helped] == [("Jane Doe", "Acme Corp")]
