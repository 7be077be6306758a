"""The checklist's facts: read the same way for one request and for many accounts, on both databases."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import ledger
from store.db import Database
from store.models import (
    Account,
    Advocate,
    Blackout,
    Consent,
    ConsentAnswer,
    EntryKind,
    LedgerEntry,
    NpsAnswer,
    ReferenceRequest,
)
from store.requests import cards
from store.rules.checklist import DatesOff, NpsFact, PolicyFacts, Rule, Verdict, checklist, is_blocked
from store.rules.facts import checks_for_requests, facts_for, facts_for_accounts
from store.rules.policy import Policy
from tests.support import store_seed as seed

TODAY = seed.NOW.date()  # 2026-11-23: the quarter began on 1 October


def ask(
    session: Session, account_id: int, on: dt.date, item: str = "reference_call", advocate: int | None = None
) -> LedgerEntry:
    return ledger.post(
        session,
        account_id=account_id,
        advocate_id=advocate,
        kind=EntryKind.ASK,
        amount=-1,
        item=item,
        actor_id="U0OWNER01",
        now=seed.NOW,
        occurred_on=on,
    )


def test_one_request_s_facts_are_the_batch_s_facts_for_its_account(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        acme = seed.account(s, "Acme", "Fintech", renewal_date=dt.date(2027, 1, 10))
        jane = seed.advocate(s, acme, "Jane", "reference_call")
        sam = seed.advocate(s, acme, "Sam", "reference_call;case_study")
        ask(s, acme, dt.date(2026, 10, 1), advocate=jane)  # first day of the quarter: counted
        ask(s, acme, dt.date(2026, 9, 30))  # last quarter, and it names nobody
        withdrawn = ask(s, acme, dt.date(2026, 11, 20), advocate=jane)
        ledger.reverse(s, withdrawn, actor_id="U0OWNER01", now=seed.NOW, today=TODAY, reason="fell through")
        ask(s, acme, dt.date(2026, 11, 20), item="case_study", advocate=sam)
        seed.entry(s, acme, EntryKind.GIVE, 2, dt.date(2026, 10, 15), item="training")
        named = seed.request(s, acme)
        s.get_one(ReferenceRequest, named).advocate_id = jane
        unnamed = seed.request(s, acme)
        globex = seed.account(s, "Globex", "Fintech", status="paused")

    with db.transaction(readonly=True) as s:
        single_named = facts_for(s, policy, s.get_one(ReferenceRequest, named), TODAY)
        single_unnamed = facts_for(s, policy, s.get_one(ReferenceRequest, unnamed), TODAY)
        batch = facts_for_accounts(
            s,
            policy,
            [acme, globex],
            TODAY,
            activity="reference_call",
            cost=3,
            advocate_ids=[jane, sam],
            excluding_request=named,
        )

    assert batch[acme].advocates[jane] == single_named
    assert batch[acme].account == single_unnamed
    assert single_named == PolicyFacts(
        today=TODAY,
        activity="reference_call",
        cost=3,
        balance=3 - 3 + 2,  # the reversed ask gave its point back
        account_status="active",
        renewal_date=dt.date(2027, 1, 10),
        other_pending_requests=1,
        capped_asks_this_quarter=1,
        last_give_on=dt.date(2026, 10, 15),
        advocate_name="Jane",
        advocate_last_ask_on=dt.date(2026, 10, 1),
        advocate_asks_in_window=2,  # hers and the one that named nobody
        advocate_asks_this_quarter=1,  # the one of 30 September was last quarter
        advocate_activities=("reference_call",),
        account_name="Acme",
    )
    sams = batch[acme].advocates[sam]
    assert (sams.advocate_last_ask_on, sams.advocate_asks_in_window) == (dt.date(2026, 11, 20), 2)
    assert (sams.advocate_asks_this_quarter, sams.advocate_limit) == (1, None)
    assert (batch[globex].account.account_status, batch[globex].account.balance) == ("paused", 3)
    assert batch[globex].advocates == {}


def test_the_capped_activity_counted_is_the_policy_s(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        acme = seed.account(s, "Acme", "Fintech")
        ask(s, acme, dt.date(2026, 11, 2), item="case_study")
        ask(s, acme, dt.date(2026, 11, 3), item="reference_call")
    capped_case_studies = dataclasses.replace(
        policy, rules=dataclasses.replace(policy.rules, capped_activity="case_study")
    )

    with db.transaction(readonly=True) as s:
        facts = facts_for_accounts(s, capped_case_studies, [acme], TODAY, activity="case_study", cost=5)

    assert facts[acme].account.capped_asks_this_quarter == 1


def test_a_subquery_of_ids_gives_the_same_facts_as_a_list(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        acme = seed.account(s, "Acme", "Fintech")
        jane = seed.advocate(s, acme, "Jane", "reference_call")
        ask(s, acme, TODAY - dt.timedelta(days=3), advocate=jane)

    with db.transaction(readonly=True) as s:
        listed = facts_for_accounts(s, policy, [acme], TODAY, activity=None, cost=0, advocate_ids=[jane])
        queried = facts_for_accounts(
            s, policy, select(Account.id), TODAY, activity=None, cost=0, advocate_ids=select(Advocate.id)
        )

    assert listed == queried
    assert listed[acme].advocates[jane].advocate_last_ask_on == TODAY - dt.timedelta(days=3)


def test_an_advocate_s_own_limit_is_read_with_their_asks_this_quarter(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        acme = seed.account(s, "Acme", "Fintech")
        jane = seed.advocate(s, acme, "Jane", "reference_call")
        s.get_one(Advocate, jane).asks_per_quarter = 1
        ask(s, acme, dt.date(2026, 10, 2), advocate=jane)
    with db.transaction(readonly=True) as s:
        found = facts_for_accounts(
            s, policy, [acme], TODAY, activity="reference_call", cost=3, advocate_ids=[jane]
        )[acme].advocates[jane]

    assert (found.advocate_limit, found.advocate_asks_this_quarter) == (1, 1)
    assert is_blocked(checklist(policy, found))


def test_dates_off_are_read_soonest_first_and_as_of_the_ask_in_a_replay(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        acme = seed.account(s, "Acme", "Fintech")
        jane = seed.advocate(s, acme, "Jane", "reference_call;quote")
        for starts, ends, note, set_on in (
            (TODAY + dt.timedelta(days=30), TODAY + dt.timedelta(days=31), "", seed.NOW),
            (TODAY + dt.timedelta(days=7), TODAY + dt.timedelta(days=13), "year-end close", seed.NOW),
            (TODAY - dt.timedelta(days=9), TODAY - dt.timedelta(days=2), "over", seed.NOW),
        ):
            s.add(Blackout(advocate_id=jane, starts_on=starts, ends_on=ends, note=note, created_at=set_on))
        request_id = seed.request(s, acme)
        request = s.get_one(ReferenceRequest, request_id)
        request.advocate_id, request.needed_by = jane, TODAY + dt.timedelta(days=8)

    with db.transaction(readonly=True) as s:
        found = facts_for_accounts(s, policy, [acme], TODAY, activity="quote", cost=2, advocate_ids=[jane])[
            acme
        ].advocates[jane]
        before = facts_for_accounts(
            s,
            policy,
            [acme],
            TODAY,
            activity="quote",
            cost=2,
            advocate_ids=[jane],
            as_of=seed.NOW - dt.timedelta(hours=1),
        )[acme].advocates[jane]
        for_request = facts_for(s, policy, s.get_one(ReferenceRequest, request_id), TODAY)

    assert found.advocate_activities == ("reference_call", "quote")
    assert found.advocate_dates_off == (
        DatesOff(TODAY + dt.timedelta(days=7), TODAY + dt.timedelta(days=13), "year-end close"),
        DatesOff(TODAY + dt.timedelta(days=30), TODAY + dt.timedelta(days=31)),
    )
    assert before.advocate_dates_off == ()
    assert not is_blocked(checklist(policy, found)), "nothing covers today"
    blocked = {r.rule: r for r in checklist(policy, for_request)}[Rule.ADVOCATE_BLACKOUT]
    assert blocked.verdict is Verdict.BLOCKING and "2026-11-30 to 2026-12-06" in blocked.sentence


def test_the_nps_answer_that_matters_is_the_latest_detractor_s_in_the_window(
    db: Database, policy: Policy
) -> None:
    with db.transaction() as s:
        acme = seed.account(s, "Acme", "Fintech")
        globex = seed.account(s, "Globex", "Fintech")
        initech = seed.account(s, "Initech", "Fintech")
        for account_id, score, days_ago, comment in (
            (acme, 4, 100, "too old to count"),
            (acme, 5, 40, "slow support"),
            (acme, 10, 3, "better now"),
            (globex, 9, 10, ""),
            (globex, 8, 2, "fine"),
        ):
            s.add(
                NpsAnswer(
                    account_id=account_id,
                    email=f"{score}@x.example",
                    score=score,
                    comment=comment,
                    answered_on=TODAY - dt.timedelta(days=days_ago),
                    imported_at=seed.NOW,
                )
            )

    with db.transaction(readonly=True) as s:
        found = facts_for_accounts(s, policy, [acme, globex, initech], TODAY, activity=None, cost=0)
        earlier = facts_for_accounts(
            s, policy, [acme], TODAY, activity=None, cost=0, as_of=seed.NOW - dt.timedelta(days=1)
        )

    assert found[acme].account.nps == NpsFact(5, TODAY - dt.timedelta(days=40), "slow support")
    assert found[globex].account.nps == NpsFact(8, TODAY - dt.timedelta(days=2), "fine")
    assert found[initech].account.nps is None
    assert earlier[acme].account.nps is None, "imported after the moment replayed"
    warned = {r.rule: r.verdict for r in checklist(policy, found[acme].account)}
    assert warned[Rule.DETRACTOR] is Verdict.WARNING


def test_an_ask_naming_nobody_where_a_rule_protects_every_advocate_is_blocked_everywhere(
    db: Database, policy: Policy
) -> None:
    """Jane asked not to be asked again; Bo was asked last week: the decision DM's checklist (the
    card) and the lists (App Home, status) say nobody at Acme can be asked, and why. Once Cy joins,
    someone can."""
    with db.transaction() as s:
        acme = seed.account(s, "Acme", "Fintech", owner_slack_id="U0OWNER01")
        jane = seed.advocate(s, acme, "Jane Doe", "reference_call")
        bo = seed.advocate(s, acme, "Bo", "reference_call")
        said = seed.request(s, acme, status="declined")
        s.add(
            Consent(
                request_id=said,
                advocate_id=jane,
                mode="owner",
                answer=ConsentAnswer.NEVER,
                answered_at=seed.NOW,
                asked_at=seed.NOW,
            )
        )
        ask(s, acme, TODAY - dt.timedelta(days=7), advocate=bo)
        seed.entry(s, acme, EntryKind.GIVE, 10, TODAY)
        unnamed = seed.request(s, acme)

    card = cards.card(db, policy, unnamed, TODAY)
    with db.transaction(readonly=True) as s:
        listed = checks_for_requests(s, policy, [s.get_one(ReferenceRequest, unnamed)], TODAY)[unnamed]

    for checks in (card.checks, listed):
        [nobody] = [r for r in checks if r.rule is Rule.NOBODY_TO_ASK]
        assert nobody.verdict is Verdict.BLOCKING
        assert nobody.sentence == (
            "Nobody at Acme can be asked now: Bo (resting: asked on 2026-11-16), "
            "Jane Doe (do not contact: asked not to be asked again)."
        )
    with db.transaction() as s:
        seed.advocate(s, acme, "Cy", "reference_call")
    assert Rule.NOBODY_TO_ASK not in {r.rule for r in cards.card(db, policy, unnamed, TODAY).checks}


def test_each_day_s_facts_are_that_day_s_though_the_statements_are_built_once(
    db: Database, policy: Policy
) -> None:
    """Today's reads are built once and kept (`store.rules.prepared`): a date written into one
    would be the first call's for ever. Read on three days in one process, twice each, each day
    gets its own: the quarter, the advocates' window, the dates off and the NPS answers that count."""
    later = TODAY + dt.timedelta(days=120)  # next quarter: past the dates off and the NPS window
    much_later = TODAY + dt.timedelta(days=200)  # past the advocates' window too
    with db.transaction() as s:
        acme = seed.account(s, "Acme", "Fintech")
        jane = seed.advocate(s, acme, "Jane", "reference_call")
        ask(s, acme, TODAY - dt.timedelta(days=3), advocate=jane)
        s.add(
            Blackout(
                advocate_id=jane, starts_on=TODAY, ends_on=TODAY + dt.timedelta(days=5), created_at=seed.NOW
            )
        )
        s.add(
            NpsAnswer(
                account_id=acme,
                email="nps@x.example",
                score=3,
                comment="slow",
                answered_on=TODAY - dt.timedelta(days=1),
                imported_at=seed.NOW,
            )
        )

    def read(on: dt.date) -> PolicyFacts:
        with db.transaction(readonly=True) as s:
            return facts_for_accounts(
                s, policy, [acme], on, activity="reference_call", cost=1, advocate_ids=[jane]
            )[acme].advocates[jane]

    assert policy.rules.advocate_window_days < 203 < policy.rules.advocate_window_days + 120
    assert policy.rules.detractor_days < 121
    for _ in range(2):  # the second pass reads with the statements the first built
        today, then, last = read(TODAY), read(later), read(much_later)
        assert (today.advocate_asks_this_quarter, then.advocate_asks_this_quarter) == (1, 0)
        assert (today.capped_asks_this_quarter, then.capped_asks_this_quarter) == (1, 0)
        assert (
            today.advocate_asks_in_window,
            then.advocate_asks_in_window,
            last.advocate_asks_in_window,
        ) == (1, 1, 0)
        assert len(today.advocate_dates_off) == 1 and then.advocate_dates_off == ()
        assert today.nps == NpsFact(3, TODAY - dt.timedelta(days=1), "slow") and then.nps is None
