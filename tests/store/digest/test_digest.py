"""The weekly digest's figures for a seeded week, and its once-per-week claim, on both databases."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from store.db import Database
from store.digest.claims import owe_digest
from store.digest.weekly import Giver, build_digest
from store.models import EntryKind
from store.periods import Period
from store.rules.policy import Policy
from tests.support import store_seed as seed

UTC = zoneinfo.ZoneInfo("UTC")
NOW = seed.NOW  # Monday 2026-11-23 15:00 UTC: the digest reports 16–22 November
SLA = dt.timedelta(hours=24)


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, tzinfo=dt.UTC)


def test_the_period_is_the_last_complete_iso_week() -> None:
    period = Period.last_complete_week(NOW, UTC)
    assert (period.start, period.end, period.label) == (
        dt.date(2026, 11, 16),
        dt.date(2026, 11, 22),
        "2026-W47",
    )
    assert Period.of_label("2026-W47", UTC) == period
    paris = Period.last_complete_week(NOW, zoneinfo.ZoneInfo("Europe/Paris"))
    assert paris.starts_at == dt.datetime(2026, 11, 15, 23, tzinfo=dt.UTC)


def test_the_figures_of_a_seeded_week(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        acme = seed.account(s, "Acme", "Fintech", owner_slack_id="U0OLIVIA1")
        globex = seed.account(s, "Globex", "Fintech")
        seed.account(s, "Hooli", "Fintech")  # untouched: balance 3, not low
        seed.request(s, acme, created_at=at(17, 10), decided_at=at(17, 14), status="approved", amount="1000")
        seed.request(s, acme, created_at=at(10, 10), decided_at=at(18, 10), status="declined")
        seed.request(s, globex, created_at=at(19, 9), decided_at=at(19, 10), status="cancelled")
        overdue = seed.request(s, globex, created_at=at(20, 9), requester="U0RICK001", decider="U0OSCAR01")
        seed.request(s, acme, created_at=at(23, 10))  # pending, within the SLA
        seed.request(s, globex, created_at=at(17, 10), decided_at=at(18, 10), status="done", amount="500.50")
        seed.request(s, globex, created_at=at(23, 9), decided_at=at(23, 10), status="approved", amount="9")
        seed.entry(s, acme, EntryKind.ASK, -3, dt.date(2026, 11, 17), item="reference_call")
        seed.entry(s, globex, EntryKind.ASK, -5, dt.date(2026, 11, 18), item="case_study")
        seed.entry(s, acme, EntryKind.GIVE, 3, dt.date(2026, 11, 16), item="training")
        seed.entry(s, acme, EntryKind.GIVE, 4, dt.date(2026, 11, 22), item="award", actor="U0OLIVIA1")
        seed.entry(s, globex, EntryKind.GIVE, 5, dt.date(2026, 11, 20), item="promotion", actor="U0OSCAR01")
        seed.entry(s, globex, EntryKind.GIVE, 5, dt.date(2026, 11, 23), item="promotion", actor="U0OSCAR01")
        seed.entry(s, globex, EntryKind.ASK, -9, dt.date(2026, 11, 23), item="speaker")

    d = build_digest(db, policy, Period.last_complete_week(NOW, UTC), NOW, SLA)

    assert (d.opened, d.approved, d.declined, d.cancelled, d.pending) == (4, 2, 1, 1, 2)
    assert [(o.request_id, o.account_name, o.requester_id, o.decider_id) for o in d.overdue] == [
        (overdue, "Globex", "U0RICK001", "U0OSCAR01")
    ]
    assert d.median_decision == dt.timedelta(hours=24)  # of 4 h, 24 h and 8 days
    assert (d.outcomes.since, d.outcomes.opportunities) == (dt.date(2026, 10, 1), 0)  # none imported
    assert d.value_delivered == 12
    assert d.givers == [Giver("U0OSCAR01", 5, 1), Giver("U0OLIVIA1", 4, 1), Giver("U0OWNER01", 3, 1)]
    # Acme: 3 - 3 + 3 + 4 = 7; Globex: 3 - 5 + 5 + 5 - 9 = -1 (over-asked)
    assert [(a.name, a.balance) for a in d.low_accounts] == [("Globex", -1)]


def test_an_empty_week_has_no_median_and_no_lists(db: Database, policy: Policy) -> None:
    d = build_digest(db, policy, Period.last_complete_week(NOW, UTC), NOW, SLA)
    assert (d.opened, d.pending, d.median_decision, d.givers, d.low_accounts) == (0, 0, None, [], [])
    assert (d.outcomes.pipeline.opportunities, d.outcomes.fell_through) == (0, [])


def test_the_week_is_claimed_once(db: Database) -> None:
    period = Period.last_complete_week(NOW, UTC)
    assert owe_digest(db, period, "C0PROGRAM", NOW) == ("digest:2026-W47", True)
    assert owe_digest(db, period, "C0PROGRAM", NOW + dt.timedelta(minutes=5)) == ("digest:2026-W47", False)
