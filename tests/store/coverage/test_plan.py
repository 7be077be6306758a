"""`refdesk coverage plan` on a seeded program, worked out by hand, on SQLite and PostgreSQL: who
can be asked today, who by the date (rests ending, a new quarter, balances recovering at the
program's give-back rate), what is missing; next quarter's forecast; and bad files line by line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from store import ledger
from store.coverage.plan import PlanError, plan, read_plan
from store.db import Database
from store.models import Consent, EntryKind, Opportunity, OpportunityLink, RequestStatus
from store.rules.policy import Policy
from tests.support import store_seed as seed

NOW = seed.NOW  # Monday 23 November 2026; the quarter ends on 31 December
TODAY = NOW.date()

PLAN = """\
# the launch of product B
[[need]]
industry = "Healthcare"
product = "B"
activity = "reference_call"
count = 6
by = 2027-03-01

[[need]]
industry = "healthcare"
activity = "reference_call"
count = 2
by = 2026-12-01
"""


def program(db: Database) -> None:
    with db.transaction() as s:
        acme = seed.account(s, "Acme", "Healthcare", products="A;B")
        seed.advocate(s, acme, "Ann", "reference_call")  # can be asked today
        bea = seed.advocate(s, acme, "Bea", "reference_call")  # asked on 13 November: rests 30 days
        ledger.post(
            s,
            account_id=acme,
            advocate_id=bea,
            kind=EntryKind.ASK,
            amount=0,
            item="logo",
            actor_id="U0OWNER01",
            now=NOW,
            occurred_on=TODAY - dt.timedelta(days=10),
        )
        cid = seed.advocate(s, acme, "Cid", "reference_call")  # "Not this quarter": until 31 December
        said = seed.request(s, acme, status=RequestStatus.DECLINED)
        s.add(
            Consent(
                request_id=said,
                advocate_id=cid,
                mode="owner",
                answer="not_for_3_months",
                rest_until=dt.date(2026, 12, 31),
                version=1,
                asked_at=NOW,
            )
        )
        # 18 points given back in 90 days over 5 accounts: 0.04 a day for each account
        seed.entry(s, acme, EntryKind.GIVE, 18, TODAY - dt.timedelta(days=30), item="award")
        bolt = seed.account(s, "Bolt", "Healthcare", products="B")
        seed.advocate(s, bolt, "Dan", "reference_call")  # balance 1: 3 short of a call until it recovers
        seed.entry(s, bolt, EntryKind.ADJUSTMENT, -2, TODAY - dt.timedelta(days=100))
        dyn = seed.account(s, "Dyn", "Healthcare", products="B", status="paused")
        seed.advocate(s, dyn, "Dot", "reference_call")  # paused: never, whatever the date
        cy = seed.account(s, "Cy", "Fintech", products="A")
        seed.advocate(s, cy, "Cal", "reference_call")
        eon = seed.account(s, "Eon", "Healthcare", products="A")
        seed.advocate(s, eon, "Eli", "case_study")  # not willing to take a call


def test_each_need_against_who_can_be_asked_today_and_by_its_date(
    db: Database, policy: Policy, tmp_path: Path
) -> None:
    program(db)
    path = tmp_path / "launch.toml"
    path.write_text(PLAN)

    answer = plan(db, policy, read_plan(path, policy, TODAY), TODAY)

    assert answer.give_back_rate == pytest.approx(18 / 5 / 90)
    first, second = answer.needs
    assert (first.need.line, first.need.filters, first.need.count) == (
        2,
        {"industry": "Healthcare", "product": "B"},
        6,
    )
    # today: Ann. By 1 March (98 days): Bea rested, Cid's quarter over, Bolt 1 + 3 points = 4 ≥ 3
    assert (first.today, first.by_date, first.missing) == (1, 4, 2)
    # by 1 December (8 days): Bea still rests, Cid's quarter runs, Bolt has not recovered
    assert (second.today, second.by_date, second.missing) == (1, 1, 1)
    assert answer.forecast is None


def test_the_forecast_counts_next_quarters_open_deals_by_industry(db: Database, policy: Policy) -> None:
    program(db)
    with db.transaction() as s:

        def deal(crm: str, industry: str, closes: dt.date, outcome: str = "open") -> int:
            row = Opportunity(
                crm_id=crm,
                industry=industry,
                currency="USD",
                amount=Decimal(1000),
                close_date=closes,
                outcome=outcome,
                imported_at=NOW,
            )
            s.add(row)
            s.flush()
            return row.id

        for n in range(4):
            deal(f"H{n}", "Healthcare", dt.date(2027, 2, 1))
        deal("F1", "Fintech", dt.date(2027, 1, 15))
        deal("F2", "fintech", dt.date(2027, 3, 31))
        deal("NOW", "Healthcare", dt.date(2026, 12, 15))  # closes this quarter: not next quarter's
        won = deal("W", "Healthcare", dt.date(2026, 8, 1), "won")
        deal("L", "Healthcare", dt.date(2026, 9, 1), "lost")
        s.add(
            OpportunityLink(request_id=seed.request(s, seed.account(s, "Zed", "Retail")), opportunity_id=won)
        )

    answer = plan(db, policy, [], TODAY)

    outlook = answer.forecast
    assert outlook is not None
    assert (outlook.start, outlook.end, outlook.share, outlook.activity) == (
        dt.date(2027, 1, 1),
        dt.date(2027, 3, 31),
        0.3,
        "reference_call",
    )
    assert outlook.measured_share == 0.5  # of last quarter's two closed deals, one had a request
    assert [(f.industry, f.deals, f.expected, f.supply, f.short) for f in outlook.lines] == [
        ("Healthcare", 4, pytest.approx(1.2), 1, 1),
        ("Fintech", 2, pytest.approx(0.6), 1, 0),
    ]


def test_a_bad_plan_names_each_problem_by_its_line(tmp_path: Path, policy: Policy) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        "[[need]]\n"
        'industry = "Healthcare"\n'
        'activity = "juggling"\n'
        "count = 0\n"
        "by = 2026-01-01\n"
        "\n"
        "[[need]]\n"
        'activity = "quote"\n'
        "count = 2\n"
        "by = 2027-01-01\n"
        'colour = "blue"\n'
    )
    with pytest.raises(PlanError) as refused:
        read_plan(path, policy, TODAY)
    message = str(refused.value)
    assert message.startswith(f"{path}: line 3: activity 'juggling' is not one of the policy's")
    assert "; line 4: count must be a whole number from 1 to 10000" in message
    assert "; line 5: by 2026-01-01 is in the past" in message
    assert "; line 11: unknown key 'colour'" in message
    assert (
        "; line 7: name what the need is for: at least one of industry, segment, region, product" in message
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[need]\n", "line 1: not valid TOML"),
        ("", "line 1: no [[need]] table"),
        ('title = "launch"\n[[need]]\nindustry = "A"\n', "line 1: unknown table or key 'title'"),
        (
            '[[need]]\nindustry = "A"\nactivity = "quote"\ncount = 1\nby = "soon"\n',
            "line 5: by must be a date",
        ),
        ("need = [1]\n", "line 1: a need is a [[need]] table of keys"),
        (
            '[[need]]\nindustry = "A"\nactivity = ["quote"]\ncount = 1\nby = 2027-01-01\n',
            "line 3: activity ['quote'] is not one of the policy's",
        ),
    ],
)
def test_a_plan_that_is_not_one_says_so(tmp_path: Path, policy: Policy, text: str, expected: str) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(text)
    with pytest.raises(PlanError, match=expected.replace("[", r"\[").replace("]", r"\]")):
        read_plan(path, policy, TODAY)
