"""Coverage figures for a seeded history, worked out by hand, on SQLite and PostgreSQL; and the
weekly gap job's one DM per owner per week."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from sqlalchemy import select

from store.coverage import gaps
from store.coverage.figures import Cell, coverage
from store.coverage.outcomes import Outcome
from store.db import Database
from store.models import Delivery
from store.outbox.payloads import GapAsksPayload
from store.rules.policy import Policy
from tests.support.coverage_history import NOW, O2, TODAY, history

UTC = zoneinfo.ZoneInfo("UTC")
SINCE = TODAY - dt.timedelta(days=90)


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
