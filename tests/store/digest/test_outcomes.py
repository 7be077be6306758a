"""`refdesk report`'s figures on a seeded set of requests and CRM outcomes, worked out by hand,
on both databases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from sqlalchemy import update

from store import ledger
from store.db import Database
from store.digest.outcomes import DaysToClose, FellThrough, Tally, WinRate, report
from store.imports.opportunities import import_opportunities
from store.models import EntryKind, ReferenceRequest
from store.rules.policy import Policy
from tests.support import store_seed as seed

CRM = "https://crm.example.com/deal"
HEADER = "crm_id,name,link,stage,amount,currency,close_date,outcome,created_date\n"
#: crm_id, amount, currency, close date, outcome, created date
DEALS = [
    ("O1", "1000", "USD", "2026-03-02", "won", "2026-01-01"),  # r1 done: 60 days
    ("O2", "500", "USD", "", "open", ""),  # r2 approved with an override
    ("O3", "700", "EUR", "", "open", ""),  # r3 approved
    ("O4", "300", "USD", "2026-04-02", "lost", "2026-02-01"),  # r4 fell through: 60 days
    ("O5", "2000", "USD", "2026-01-21", "won", "2026-01-01"),  # r5 declined: 20 days
    ("O6", "100", "GBP", "2026-03-31", "lost", "2026-03-01"),  # r6 done: 30 days
    ("O7", "50", "USD", "2026-01-11", "won", "2026-01-01"),  # no request: 10 days
    ("O8", "80", "USD", "2026-02-01", "lost", ""),  # no request, no created date
    ("O9", "400", "USD", "2026-04-10", "won", "2026-04-01"),  # r7 done with an override: 9 days
]


def at(month: int, day: int) -> dt.datetime:
    return dt.datetime(2026, month, day, 12, tzinfo=dt.UTC)


def seeded(db: Database, policy: Policy, tmp_path: Path) -> dict[str, int]:
    """Requests r1…r7 for deals O1…O9 (as commented in DEALS), then the CRM export imported."""
    plan = {
        "r1": ("O1", "done", at(1, 10), None),
        "r2": ("O2", "approved", at(2, 1), "the CEO asked"),
        "r3": ("O3", "approved", at(2, 5), None),
        "r4": ("O4", "fell_through", at(2, 10), None),
        "r5": ("O5", "declined", at(1, 5), None),
        "r6": ("O6", "done", at(3, 5), None),
        "r7": ("O9", "done", at(4, 1), "strategic deal"),
    }
    ids = {}
    with db.transaction() as s:
        acme = seed.account(s, "Acme", "Fintech")
        for name, (deal, status, decided, override) in plan.items():
            ids[name] = seed.request(s, acme, status=status, created_at=decided, decided_at=decided)
            s.execute(
                update(ReferenceRequest)
                .where(ReferenceRequest.id == ids[name])
                .values(
                    crm_link=f"{CRM}/{deal}",
                    override_reason=override,
                    opportunity_name=f"Deal {deal}",
                    closed_at=at(5, 1) if status == "fell_through" else None,
                    outcome_note="prospect went quiet" if status == "fell_through" else None,
                )
            )
            if status != "declined":  # the debit of an approval, with the override's reason if any
                ledger.post(
                    s,
                    account_id=acme,
                    kind=EntryKind.ASK,
                    amount=-3,
                    item="reference_call",
                    request_id=ids[name],
                    actor_id="U0ADMIN01",
                    now=decided,
                    occurred_on=decided.date(),
                    reason=override,
                )
    rows = "".join(
        f"{d},Deal {d},,stage,{a},{c},{close},{o},{created}\n" for d, a, c, close, o, created in DEALS
    )
    (tmp_path / "deals.csv").write_text(HEADER + rows, encoding="utf-8")
    report_ = import_opportunities(db, tmp_path / "deals.csv", policy, now=seed.NOW)
    assert (report_.created, report_.warnings) == (9, [])
    return ids


def test_the_figures_of_all_time(db: Database, policy: Policy, tmp_path: Path) -> None:
    ids = seeded(db, policy, tmp_path)

    o = report(db, since=None)

    assert o.opportunities == 9
    # open with a reference: O2 (overridden) and O3; never added across currencies
    assert o.pipeline == Tally(2, {"EUR": Decimal("700.00"), "USD": Decimal("500.00")}, 1)
    # won with a reference: O1 and O9 (overridden); O5's request was declined, O7 had none
    assert o.won == Tally(2, {"USD": Decimal("1400.00")}, 1)
    # closed with a completed reference: O1 won, O6 lost, O9 won; without: O4 lost, O5 won, O7 won, O8 lost
    assert (o.win_rate_with, o.win_rate_without) == (WinRate(2, 3), WinRate(2, 4))
    # days: with 60, 30, 9 → 30; without 60, 20, 10 (O8 has no created date) → 20
    assert (o.days_with, o.days_without) == (DaysToClose(30, 3), DaysToClose(20, 3))
    assert o.fell_through == [
        FellThrough(ids["r4"], "Acme", "Deal O4", dt.date(2026, 5, 1), "prospect went quiet", False)
    ]
    assert o.overridden_asks == 2


def test_the_figures_since_a_day(db: Database, policy: Policy, tmp_path: Path) -> None:
    seeded(db, policy, tmp_path)

    o = report(db, since=dt.date(2026, 3, 15))

    # the open pipeline is as of now, whatever the day
    assert o.pipeline == Tally(2, {"EUR": Decimal("700.00"), "USD": Decimal("500.00")}, 1)
    # closed from 15 March: O4 (2 Apr), O6 (31 Mar), O9 (10 Apr)
    assert o.won == Tally(1, {"USD": Decimal("400.00")}, 1)
    assert (o.win_rate_with, o.win_rate_without) == (WinRate(1, 2), WinRate(0, 1))
    assert (o.days_with, o.days_without) == (DaysToClose(19.5, 2), DaysToClose(60, 1))
    assert len(o.fell_through) == 1  # closed on 1 May
    assert o.overridden_asks == 1  # r7, decided 1 April; r2 was decided on 1 February


def test_no_opportunities_yet(db: Database) -> None:
    o = report(db, since=None)
    assert (o.opportunities, o.pipeline, o.win_rate_with.rate) == (0, Tally(), None)
