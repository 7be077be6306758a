"""Demand on SQLite and PostgreSQL: every request records what it needed, as it was, and ends in
one of coverage's outcomes; searches that find nothing askable, and **Nothing fits**, are unmet
demand, once each."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from store.accounts.find import find_accounts
from store.act import Act
from store.coverage import demand
from store.coverage.outcomes import Outcome, outcome_of, request_outcomes
from store.customer import consent
from store.db import Database
from store.errors import Invalid
from store.models import Account, Delivery, Demand, DemandSource, EntryKind, Opportunity
from store.requests import asking, deciding, followups, withdrawing
from store.requests.asking import Draft
from store.rules.policy import Policy
from tests.support import store_seed as seed

OWNER, SELLER, ADMIN, ADMIN2 = "U0OWNER01", "U0SELLER1", "U0ADMIN01", "U0ADMIN02"
ADMINS = frozenset({ADMIN, ADMIN2})
NOW = seed.NOW  # Monday 23 November 2026
TODAY = NOW.date()
NEEDED_BY = dt.date(2026, 12, 10)


def act(user: str, now: dt.datetime = NOW) -> Act:
    return Act(user, ADMINS, now, now.date())


def program(db: Database) -> tuple[int, int]:
    """Acme (healthcare, enterprise, EMEA, owned) with Jane, willing to take a reference call."""
    with db.transaction() as s:
        acme = seed.account(
            s,
            "Acme",
            "Healthcare",
            segment="Enterprise",
            region="EMEA",
            products="Records;Billing",
            owner_slack_id=OWNER,
        )
        jane = seed.advocate(s, acme, "Jane", "reference_call")
        seed.entry(s, acme, EntryKind.ADJUSTMENT, 30, TODAY - dt.timedelta(days=1))
    return acme, jane


def submit(db: Database, policy: Policy, acme: int, key: str, **fields: object) -> int:
    draft = Draft(account_id=acme, activity="reference_call", needed_by=NEEDED_BY, **fields)  # type: ignore[arg-type]
    return asking.submit(db, policy, draft, act(SELLER), source_key=key).request_id


def test_a_request_records_what_it_needed_as_the_account_and_deal_were_then(
    db: Database, policy: Policy
) -> None:
    acme, _ = program(db)
    with db.transaction() as s:
        s.add(
            Opportunity(
                crm_id="OPP-1",
                link="https://crm.example/opp/1",
                stage="Negotiation",
                currency="USD",
                imported_at=NOW,
            )
        )
    request_id = submit(
        db,
        policy,
        acme,
        "view:1",
        prospect_industry="Hospitals",
        amount=Decimal("120000"),
        crm_link="https://crm.example/opp/1",
    )
    with db.transaction() as s:
        s.get_one(Account, acme).segment = "Mid-market"  # re-segmented after the ask
    with db.transaction() as s:
        need = s.scalars(select(Demand)).one()
        assert (need.source, need.request_id, need.requester_id) == (DemandSource.REQUEST, request_id, SELLER)
        assert (need.activity, need.industry, need.segment, need.region) == (
            "reference_call",
            "Healthcare",
            "Enterprise",
            "EMEA",
        )
        assert (need.products, need.prospect_industry, need.deal_stage, need.amount) == (
            "Records;Billing",
            "Hospitals",
            "Negotiation",
            Decimal("120000"),
        )


def test_each_way_a_request_ends_is_one_outcome(db: Database, policy: Policy) -> None:
    acme, _ = program(db)
    owner = act(OWNER)

    def approve(key: str) -> int:
        """Each approval asks someone new: the rest period would block a second ask of one person."""
        with db.transaction() as s:
            person = seed.advocate(s, acme, f"Advocate {key}", "reference_call")
        request_id = submit(db, policy, acme, key, advocate_id=person)
        deciding.decide(db, policy, request_id, owner, approve=True, consent_mode=consent.OWNER)
        return request_id

    yes = approve("yes")
    consent.answer(db, policy, yes, "yes", act(OWNER, NOW + dt.timedelta(hours=30)))
    no = approve("no")
    consent.answer(db, policy, no, "not_this_time", owner)
    done = approve("done")
    followups.mark_done(db, done, act(SELLER), deal_moved=True)
    fell = approve("fell")
    followups.mark_fell_through(db, fell, act(SELLER), reason="the prospect went quiet")
    waiting = approve("waiting")
    withdrawn = approve("withdrawn")
    withdrawing.withdraw(db, withdrawn, act(SELLER))
    declined = submit(db, policy, acme, "declined")
    deciding.decide(db, policy, declined, owner, approve=False, reason="renewal talks")
    cancelled = submit(db, policy, acme, "cancelled")
    deciding.cancel(db, cancelled, act(SELLER))
    pending = submit(db, policy, acme, "pending")

    with db.transaction(readonly=True) as s:
        now = request_outcomes(
            s, [yes, no, done, fell, waiting, withdrawn, declined, cancelled, pending], TODAY
        )
        later = request_outcomes(s, [waiting, pending], NEEDED_BY + dt.timedelta(days=1))
    assert {request_id: ended.outcome for request_id, ended in now.items()} == {
        yes: Outcome.FILLED,
        no: Outcome.DECLINED_BY_CUSTOMER,
        done: Outcome.FILLED,
        fell: Outcome.EXPIRED,
        waiting: Outcome.OPEN,
        withdrawn: Outcome.WITHDRAWN,
        declined: Outcome.DECLINED_BY_OWNER,
        cancelled: Outcome.WITHDRAWN,
        pending: Outcome.OPEN,
    }
    assert now[yes].time_to_yes == dt.timedelta(hours=30) and now[yes].said_yes and now[yes].asked
    assert now[no].asked and not now[no].said_yes and now[no].time_to_yes is None
    assert not now[declined].asked
    assert {ended.outcome for ended in later.values()} == {Outcome.EXPIRED}
    with db.transaction(readonly=True) as s:
        assert len(s.scalars(select(Demand)).all()) == 9


def test_filled_by_evidence_is_a_filled_outcome_of_a_request_withdrawn_for_words() -> None:
    assert Outcome.FILLED_BY_EVIDENCE.filled and Outcome.FILLED.filled
    assert outcome_of("cancelled", None, None, None, TODAY, by_evidence=True) is Outcome.FILLED_BY_EVIDENCE
    assert outcome_of("cancelled", None, None, None, TODAY) is Outcome.WITHDRAWN
    assert not any(o.filled for o in Outcome if o not in (Outcome.FILLED, Outcome.FILLED_BY_EVIDENCE))
    assert outcome_of("fell_through", None, "yes", None, TODAY) is Outcome.FILLED


def test_a_find_whose_only_fitting_account_is_blocked_is_unmet_demand_once_a_day(
    db: Database, policy: Policy
) -> None:
    with db.transaction() as s:
        umbrella = seed.account(s, "Umbrella", "Healthcare", segment="Enterprise", status="paused")
        seed.advocate(s, umbrella, "Uma", "reference_call")
        seed.account(s, "Acme", "Fintech", segment="SMB")

    found = find_accounts(db, policy, "healthcare reference call", TODAY)

    assert [fit.name for fit in found.fits] == ["Umbrella"] and found.unmet is not None
    need = found.unmet
    assert (need.activity, need.industry, need.segment, need.blocked_by) == (
        "reference_call",
        "Healthcare",
        "Enterprise",
        ("account_status",),
    )
    assert demand.record_search(db, need, act(SELLER)) is True
    assert demand.record_search(db, need, act(SELLER, NOW + dt.timedelta(hours=2))) is False
    assert demand.record_search(db, need, act(SELLER, NOW + dt.timedelta(days=1))) is True
    with db.transaction() as s:
        rows = s.scalars(select(Demand)).all()
    assert [(r.source, r.words, r.blocked_by) for r in rows] == [
        (DemandSource.SEARCH, "healthcare reference call", "account_status")
    ] * 2


def test_a_find_that_fits_nothing_is_unmet_demand_named_by_its_words(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        seed.account(s, "Acme", "Fintech")
    found = find_accounts(db, policy, "aerospace case study", TODAY)
    assert found.fits == [] and found.unmet is not None
    assert (found.unmet.industry, found.unmet.activity, found.unmet.blocked_by) == (
        "aerospace",
        "case_study",
        (),
    )


def test_a_find_with_an_askable_account_records_nothing(db: Database, policy: Policy) -> None:
    program(db)
    assert find_accounts(db, policy, "healthcare reference call", TODAY).unmet is None
    assert find_accounts(db, policy, "healthcare", TODAY).unmet is None
    # an account that fits but has nobody willing to do what is asked does not serve it
    assert find_accounts(db, policy, "healthcare webinar", TODAY).unmet is not None


def test_nothing_fits_stores_the_need_and_owes_each_admin_one_dm_a_day(db: Database, policy: Policy) -> None:
    tell_at = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    said = demand.NothingFitsDraft("A hospital CIO in the Nordics", "reference_call", "Healthcare")
    first = demand.nothing_fits(db, policy, said, act(SELLER), source_key="V1", tell_at=tell_at)
    again = demand.nothing_fits(db, policy, said, act(SELLER), source_key="V1", tell_at=tell_at)
    second = demand.nothing_fits(
        db, policy, demand.NothingFitsDraft("  a  bank  "), act("U0SELLER2"), source_key="V2", tell_at=tell_at
    )
    tomorrow = demand.nothing_fits(
        db, policy, said, act(SELLER, NOW + dt.timedelta(days=1)), source_key="V3", tell_at=tell_at
    )

    assert first == (f"nothing_fits:{ADMIN}:2026-11-23", f"nothing_fits:{ADMIN2}:2026-11-23")
    assert again == () and second == ()
    assert tomorrow == (f"nothing_fits:{ADMIN}:2026-11-24", f"nothing_fits:{ADMIN2}:2026-11-24")
    with db.transaction() as s:
        due = {d.key: d.next_attempt_at for d in s.scalars(select(Delivery))}
    assert due[first[0]] == tell_at
    told = demand.nothing_fits_on(db, TODAY)
    assert [(n.requester_id, n.words, n.activity, n.industry) for n in told] == [
        (SELLER, "A hospital CIO in the Nordics", "reference_call", "Healthcare"),
        ("U0SELLER2", "a bank", None, ""),
    ]


@pytest.mark.parametrize(
    ("draft", "field"),
    [
        (demand.NothingFitsDraft("   "), "words"),
        (demand.NothingFitsDraft("x" * 1001), "words"),
        (demand.NothingFitsDraft("a bank", "juggling"), "activity"),
        (demand.NothingFitsDraft("a bank", None, "x" * 101), "industry"),
    ],
)
def test_nothing_fits_refuses_what_cannot_be_stored(
    db: Database, policy: Policy, draft: demand.NothingFitsDraft, field: str
) -> None:
    with pytest.raises(Invalid) as refused:
        demand.nothing_fits(db, policy, draft, act(SELLER), source_key="V9", tell_at=NOW)
    assert list(refused.value.errors) == [field]


def test_the_deal_stage_is_that_of_the_opportunity_the_link_names_by_its_crm_id(
    db: Database, policy: Policy
) -> None:
    acme, _ = program(db)
    with db.transaction() as s:
        s.add(Opportunity(crm_id="006ABC", stage="Proposal", currency="USD", imported_at=NOW))
    submit(
        db,
        policy,
        acme,
        "view:1",
        crm_link="https://acme.lightning.force.com/lightning/r/Opportunity/006ABC/view",
    )
    submit(db, policy, acme, "view:2", crm_link="https://crm.example/opp/unknown")
    with db.transaction() as s:
        assert [n.deal_stage for n in s.scalars(select(Demand).order_by(Demand.id))] == ["Proposal", ""]
