"""`refdesk report`'s win rate with evidence used against without, on a seeded history worked out
by hand, on both databases: uses matched to the imported deals by their CRM links."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from store.act import Act
from store.customer.consent import ADVOCATE
from store.db import Database
from store.digest.outcomes import WinRate
from store.evidence import approval, capture, figures, use
from store.evidence.approval import Approval
from store.evidence.use import UseDraft
from store.imports.opportunities import import_opportunities
from store.rules.policy import Policy
from tests.support import store_seed as seed

CRM = "https://crm.example.com/deal"
HEADER = "crm_id,name,link,stage,amount,currency,close_date,outcome\n"
#: crm_id, close date, outcome
DEALS = [
    ("E1", "2026-03-02", "won"),  # evidence used (its exact link)
    ("E2", "2026-04-10", "lost"),  # evidence used (a link with a query, its CRM id last)
    ("E3", "2026-05-01", "won"),  # evidence used, twice
    ("E4", "", "open"),  # evidence used, still open: in no rate
    ("N1", "2026-01-20", "won"),  # no evidence
    ("N2", "2026-03-20", "lost"),
    ("N3", "2026-04-20", "lost"),
]
#: each use: (its CRM link, when)
USES = [
    (f"{CRM}/E1", dt.datetime(2026, 1, 5, tzinfo=dt.UTC)),
    ("https://CRM.example.com/deal/view?id=E2", dt.datetime(2026, 3, 1, tzinfo=dt.UTC)),
    (f"{CRM}/E3/", dt.datetime(2026, 4, 1, tzinfo=dt.UTC)),
    (f"{CRM}/E3", dt.datetime(2026, 4, 2, tzinfo=dt.UTC)),
    (f"{CRM}/E4", dt.datetime(2026, 4, 3, tzinfo=dt.UTC)),
    (f"{CRM}/unknown-deal", dt.datetime(2026, 4, 4, tzinfo=dt.UTC)),
    (None, dt.datetime(2026, 4, 5, tzinfo=dt.UTC)),
]


def seeded(db: Database, policy: Policy, tmp_path: Path) -> None:
    with db.transaction() as session:
        acme = seed.account(session, "Acme", "Fintech")
        jane = seed.advocate(session, acme, "Jane Roe", "quote")
    start = Act(ADVOCATE, frozenset(), dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.date(2026, 1, 1))
    item = capture.share(db, policy, jane, "quote", "It halved our close time.", start, source_key="k")
    approval.approve(db, policy, item, 1, Approval(("sales",), "company", 2), start)
    for number, (link, when) in enumerate(USES):
        seller = Act("U0SELLER1", frozenset(), when, when.date())
        use.record(
            db,
            policy,
            UseDraft(item, f"Deal {number}", "sales", crm_link=link),
            seller,
            source_key=str(number),
        )
    rows = "".join(f"{d},Deal {d},{CRM}/{d},stage,100,USD,{close},{o}\n" for d, close, o in DEALS)
    (tmp_path / "deals.csv").write_text(HEADER + rows, encoding="utf-8")
    assert import_opportunities(db, tmp_path / "deals.csv", policy, now=seed.NOW).created == 7


def test_the_win_rate_with_evidence_against_without_of_all_time(
    db: Database, policy: Policy, tmp_path: Path
) -> None:
    seeded(db, policy, tmp_path)

    o = figures.outcomes(db, since=None)

    # with: E1 won, E2 lost, E3 won (E4 is open); without: N1 won, N2 lost, N3 lost
    assert (o.with_evidence, o.without_evidence) == (WinRate(2, 3), WinRate(1, 3))
    assert (o.uses, o.unmatched_uses) == (7, 2)


def test_the_win_rate_since_a_day(db: Database, policy: Policy, tmp_path: Path) -> None:
    seeded(db, policy, tmp_path)

    o = figures.outcomes(db, since=dt.date(2026, 3, 15))

    # closed from 15 March: E2 lost, E3 won (with); N2 lost, N3 lost (without); uses from then: 5
    assert (o.with_evidence, o.without_evidence) == (WinRate(1, 2), WinRate(0, 2))
    assert (o.uses, o.unmatched_uses) == (5, 2)


def test_nothing_imported_yet(db: Database) -> None:
    o = figures.outcomes(db, since=None)
    assert (o.with_evidence.rate, o.without_evidence.rate, o.uses) == (None, None, 0)
