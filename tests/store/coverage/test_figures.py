"""Coverage figures for a seeded history, worked out by hand, on SQLite and PostgreSQL; and the
weekly gap job's one DM per owner per week."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import ledger
from store.coverage import demand, gaps
from store.coverage.figures import Cell, coverage
from store.coverage.outcomes import Outcome
from store.db import Database
from store.models import (
    Account,
    Consent,
    Delivery,
    Demand,
    DemandSource,
    EntryKind,
    ReferenceRequest,
    RequestStatus,
)
from store.outbox.payloads import GapAsksPayload
from store.rules.policy import Policy
from tests.support import store_seed as seed

UTC = zoneinfo.ZoneInfo("UTC")
NOW = seed.NOW  # Monday 23 November 2026, 15:00
TODAY = NOW.date()
SINCE = TODAY - dt.timedelta(days=90)
O1, O2, O3 = "U0OWNER01", "U0OWNER02", "U0OWNER03"


def need(
    session: Session,
    account_id: int,
    *,
    activity: str = "reference_call",
    days_ago: int = 10,
    status: str = RequestStatus.PENDING,
    reason: str | None = None,
    answer: str | None = None,
    yes_after: dt.timedelta | None = None,
    advocate_id: int | None = None,
    needed_by: dt.date | None = None,
) -> int:
    """A request and its demand row, and the advocate's answer when one was asked (set-up rows)."""
    created = NOW - dt.timedelta(days=days_ago)
    request = ReferenceRequest(
        account_id=account_id,
        advocate_id=advocate_id,
        requester_id="U0SELLER1",
        activity=activity,
        cost=3,
        status=status,
        decision_reason=reason,
        needed_by=needed_by,
        created_at=created,
    )
    session.add(request)
    session.flush()
    demand.record_request(session, request, session.get_one(Account, account_id))
    if advocate_id is not None:
        session.add(
            Consent(
                request_id=request.id,
                advocate_id=advocate_id,
                mode="owner",
                answer=answer,
                answered_at=created + yes_after if yes_after else (created if answer else None),
                answered_by=O1 if answer else None,
                version=1 if answer else 0,
                asked_at=created,
            )
        )
    return request.id


def search(session: Session, words: str, industry: str, activity: str | None, user: str) -> None:
    session.add(
        Demand(
            key=f"search:{user}:{words}",
            source=DemandSource.SEARCH,
            requester_id=user,
            activity=activity,
            industry=industry,
            words=words,
            created_at=NOW - dt.timedelta(days=3),
        )
    )


def history(db: Database) -> dict[str, int]:
    """Healthcare reference calls: 5 requests and 2 unmet in the window, 1 before it; a fintech
    case study done; two fintech searches for a reference call that found nothing askable."""
    with db.transaction() as s:
        acme = seed.account(s, "Acme", "Healthcare", segment="Enterprise", owner_slack_id=O1)
        jane = seed.advocate(s, acme, "Jane", "reference_call")
        seed.advocate(s, acme, "Hal", "reference_call")
        seed.entry(s, acme, EntryKind.ADJUSTMENT, 20, TODAY - dt.timedelta(days=100))
        # Jane was asked ten days ago: she rests, Hal can be asked
        ledger.post(
            s,
            account_id=acme,
            advocate_id=jane,
            kind=EntryKind.ASK,
            amount=0,
            item="logo",
            actor_id=O1,
            now=NOW,
            occurred_on=TODAY - dt.timedelta(days=10),
        )
        bolt = seed.account(s, "Bolt Health", "healthcare ", segment="Mid-market", owner_slack_id=O2)
        seed.account(s, "Dyn Care", "Healthcare", owner_slack_id=O3, status="paused")
        cyber = seed.account(s, "Cyber", "Fintech", segment="SMB", owner_slack_id=O1)
        seed.advocate(s, cyber, "Carl", "reference_call;case_study")
        seed.entry(s, cyber, EntryKind.ADJUSTMENT, 7, TODAY - dt.timedelta(days=100))
        eon = seed.account(s, "Eon", "Fintech", owner_slack_id=O2)
        seed.advocate(s, eon, "Eve", "reference_call")
        seed.entry(s, eon, EntryKind.ADJUSTMENT, -3, TODAY - dt.timedelta(days=100))

        need(s, acme, advocate_id=jane, status="approved", answer="yes", yes_after=dt.timedelta(hours=10))
        need(s, acme, advocate_id=jane, status="done", answer="yes", yes_after=dt.timedelta(hours=30))
        need(
            s,
            acme,
            advocate_id=jane,
            status="declined",
            reason="Declined by the customer.",
            answer="not_this_time",
        )
        need(s, acme, status="declined", reason="renewal talks")
        need(s, acme, needed_by=TODAY + dt.timedelta(days=7))
        need(s, acme, days_ago=120, status="done")
        search(s, "healthcare reference call", "Healthcare", "reference_call", "U0SELLER2")
        s.add(
            Demand(
                key="nothing-fits:V1",
                source=DemandSource.NOTHING_FITS,
                requester_id="U0SELLER3",
                activity="reference_call",
                industry="HEALTHCARE",
                words="a hospital CIO",
                tell_on=TODAY,
                created_at=NOW - dt.timedelta(days=2),
            )
        )
        need(s, cyber, activity="case_study", status="done")
        search(s, "fintech reference call", "Fintech", "reference_call", "U0SELLER2")
        search(s, "fintech reference call", "Fintech", "reference_call", "U0SELLER3")
    return {"acme": acme, "bolt": bolt, "cyber": cyber, "eon": eon}


def figures(cell: Cell) -> tuple[object, ...]:
    return (
        cell.labels,
        cell.needed,
        cell.searches,
        cell.filled,
        cell.open,
        cell.fill_rate,
        cell.asked,
        cell.said_yes,
        cell.acceptance,
        cell.yes_p50,
        cell.yes_p90,
        cell.supply,
        cell.short,
    )


def test_coverage_by_industry_and_activity_worked_out_by_hand(db: Database, policy: Policy) -> None:
    history(db)
    found = coverage(db, policy, since=SINCE, today=TODAY, tz=UTC)
    hours = dt.timedelta(hours=1)

    assert found.by == ("industry", "activity")
    assert [figures(cell) for cell in found.cells] == [
        # 5 requests + a search + a Nothing fits; 2 yes (10 h, 30 h), 1 no, 1 declined by the owner,
        # 1 open; Jane rests, Hal can be asked: 7 − 2 filled − 1 open − 1 = 3 short
        (("Healthcare", "reference_call"), 7, 2, 2, 1, 2 / 6, 3, 2, 2 / 3, 10 * hours, 30 * hours, 1, 3),
        # two searches; Carl can be asked, Eve's account cannot afford it: 2 − 1 = 1 short
        (("Fintech", "reference_call"), 2, 2, 0, 0, 0.0, 0, 0, None, None, None, 1, 1),
        (("Fintech", "case_study"), 1, 0, 1, 0, 1.0, 0, 0, None, None, None, 1, -1),
    ]
    assert found.cells[0].outcomes == {
        Outcome.FILLED: 2,
        Outcome.DECLINED_BY_CUSTOMER: 1,
        Outcome.DECLINED_BY_OWNER: 1,
        Outcome.OPEN: 1,
        Outcome.NO_MATCH: 2,
    }
    total = found.total
    assert (total.needed, total.searches, total.filled, total.open, total.fill_rate, total.supply) == (
        10,
        4,
        3,
        1,
        3 / 9,
        2,
    )
    assert [gap.labels for gap in found.gaps] == [
        ("Healthcare", "reference_call"),
        ("Fintech", "reference_call"),
    ]


def test_coverage_by_segment_and_a_later_window(db: Database, policy: Policy) -> None:
    history(db)
    by_segment = coverage(db, policy, since=SINCE, today=TODAY, tz=UTC, by=["segment"])
    assert [(c.labels, c.needed, c.filled) for c in by_segment.cells] == [
        (("Enterprise",), 5, 2),
        (("",), 4, 0),  # the searches and the Nothing fits named no segment
        (("SMB",), 1, 1),
    ]
    recent = coverage(db, policy, since=TODAY - dt.timedelta(days=5), today=TODAY, tz=UTC)
    assert [(c.labels, c.needed) for c in recent.cells] == [
        (("Fintech", "reference_call"), 2),
        (("Healthcare", "reference_call"), 2),
    ]


def test_the_gap_job_asks_each_owner_once_a_week_however_often_it_runs(db: Database, policy: Policy) -> None:
    ids = history(db)

    first = gaps.owe_gap_asks(db, policy, now=NOW, today=TODAY, tz=UTC)
    again = gaps.owe_gap_asks(db, policy, now=NOW + dt.timedelta(hours=5), today=TODAY, tz=UTC)
    later_that_week = gaps.owe_gap_asks(
        db, policy, now=NOW + dt.timedelta(days=3), today=TODAY + dt.timedelta(days=3), tz=UTC
    )
    next_week = gaps.owe_gap_asks(
        db, policy, now=NOW + dt.timedelta(days=7), today=TODAY + dt.timedelta(days=7), tz=UTC
    )

    assert first == [f"coverage_gaps:{O2}:2026-W48"]
    assert again == [] and later_that_week == []
    assert next_week == [f"coverage_gaps:{O2}:2026-W49"]
    with db.transaction() as s:
        sent = s.scalars(select(Delivery).where(Delivery.key == first[0])).one()
    payload = GapAsksPayload.from_dict(sent.data)
    assert sent.recipient == O2 and payload.since == SINCE
    assert [
        (g.labels, g.activity, g.needed, g.filled, g.supply, g.account_ids, g.low_ids) for g in payload.gaps
    ] == [
        (("Healthcare",), "reference_call", 7, 2, 1, (ids["bolt"],), ()),
        (("Fintech",), "reference_call", 2, 0, 1, (ids["eon"],), (ids["eon"],)),
    ]
