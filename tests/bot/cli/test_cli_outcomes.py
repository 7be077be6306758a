"""The real `refdesk` for issue 12: `import opportunities`, `report`, `policy simulate` and
`simulate`, run as a program manager would, from a directory that is not the project's."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import update

from store import ledger
from store.models import (
    Advocate,
    Blackout,
    Consent,
    ConsentAnswer,
    EntryKind,
    NpsAnswer,
    Rating,
    ReferenceRequest,
    RequestStatus,
)
from store.rules.checklist import Rule
from tests.bot.cli.conftest import refdesk
from tests.support import store_seed as seed
from tests.support.database import open_database

HUBSPOT = "Deal ID,Deal Name,Link,Deal Stage,Amount,Currency,Close Date,Outcome\n"
MAP = "Deal ID=crm_id,Deal Name=name,Deal Stage=stage,Close Date=close_date"


def done_request(env: dict[str, str], link: str) -> int:
    db = open_database(env["DATABASE_URL"])
    try:
        with db.transaction() as s:
            acme = seed.account(s, "Acme", "Fintech")
            request_id = seed.request(s, acme, status="done", decided_at=seed.NOW)
            s.execute(update(ReferenceRequest).where(ReferenceRequest.id == request_id).values(crm_link=link))
        return request_id
    finally:
        db.dispose()


def test_import_a_hubspot_export_then_report(env: dict[str, str], workdir: Path, tmp_path: Path) -> None:
    done_request(env, "https://app.hubspot.com/contacts/1/deal/777")
    csv = tmp_path / "deals.csv"
    csv.write_text(
        HUBSPOT
        + "777,Acme rollout,,closedwon,1200,EUR,2026-11-01,won\n888,Other,,closedlost,50,,2026-10-01,lost\n",
        encoding="utf-8",
    )

    imported = refdesk(env, workdir, "import", "opportunities", str(csv), "--map", MAP)
    text = refdesk(env, workdir, "report")
    as_json = refdesk(env, workdir, "report", "--json", "--since", "2026-10-15")

    assert imported.returncode == 0, imported.stderr
    assert imported.stdout == "opportunities: 2 created, 0 updated, 0 skipped\n"
    assert "Won with a reference: EUR 1,200 (1 opportunity)" in text.stdout
    assert "Win rate with a completed reference: 1 of 1 won (100 %); without: 0 of 1 won (0 %)" in text.stdout
    data = json.loads(as_json.stdout)
    assert data["since"] == "2026-10-15"
    assert data["won"]["amounts"] == {"EUR": "1200.00"}
    assert (data["win_rate_with"]["closed"], data["win_rate_without"]["closed"]) == (1, 0)


def test_import_reports_unknown_links_and_bad_rows(
    env: dict[str, str], workdir: Path, tmp_path: Path
) -> None:
    request_id = done_request(env, "https://crm.example.com/deal/404")
    good = tmp_path / "good.csv"
    good.write_text("crm_id,name,link,stage,amount,currency,close_date,outcome\nD1,One,,open,,,,open\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("crm_id,name,link,stage,amount,currency,close_date,outcome\nD1,One,,open,-5,,,open\n")

    warned = refdesk(env, workdir, "import", "opportunities", str(good))
    refused = refdesk(env, workdir, "import", "opportunities", str(bad))
    mapped = refdesk(env, workdir, "import", "opportunities", str(good), "--map", "Deal=money")

    assert warned.returncode == 0
    assert (
        f"{good}: warning: request {request_id} (Acme): its CRM link matches no opportunity" in warned.stderr
    )
    assert refused.returncode != 0
    assert f"{bad}: line 2: amount '-5' is not an amount (digits, optionally 1,234.50)" in refused.stderr
    assert "refdesk: 1 bad row: nothing imported" in refused.stderr
    assert mapped.returncode == 2
    assert mapped.stderr.startswith("refdesk: --map: 'money' is not a column the import reads")


def test_a_large_import_shows_a_progress_bar(env: dict[str, str], workdir: Path, tmp_path: Path) -> None:
    csv = tmp_path / "many.csv"
    rows = "".join(f"D{n},Deal {n},,open,{n},USD,,open\n" for n in range(600))
    csv.write_text("crm_id,name,link,stage,amount,currency,close_date,outcome\n" + rows)

    result = refdesk(env, workdir, "import", "opportunities", str(csv))

    assert result.returncode == 0
    assert "importing opportunities" in result.stderr and "600/600" in result.stderr
    assert result.stdout == "opportunities: 600 created, 0 updated, 0 skipped\n"


def test_policy_simulate_prints_the_comparison(env: dict[str, str], workdir: Path, tmp_path: Path) -> None:
    proposed = tmp_path / "stricter.toml"
    proposed.write_text("[rules]\nadvocate_rest_days = 60\n")
    broken = tmp_path / "broken.toml"
    broken.write_text("[rules]\nadvocate_rest_days = -1\n")

    result = refdesk(env, workdir, "policy", "simulate", str(proposed))
    refused = refdesk(env, workdir, "policy", "simulate", str(broken))

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "0 recorded asks (all of them) replayed through stricter.toml; nothing was written."
    )
    assert "Accounts that would have gone below zero" in result.stdout
    assert refused.returncode == 2
    assert refused.stderr == f"refdesk: {broken}: rules.advocate_rest_days: must be a whole number ≥ 0\n"


def every_rule_history(env: dict[str, str]) -> None:
    """Asks that, replayed, meet every rule: Ana at Acme asked day after day (balance, rest, cap,
    the quarter's reference calls), after she said "please don't ask me again" and rated 1/5, on
    dates she asked not to be asked, and once for a quote she never agreed to; Acme renewing soon,
    never given anything, a detractor there lately, and asks pending at once, one naming nobody (and
    nobody else to ask); Globex paused."""

    def at(day: int, hour: int = 9) -> dt.datetime:
        return dt.datetime(2026, 3, day, hour, tzinfo=dt.UTC)

    db = open_database(env["DATABASE_URL"])
    try:
        with db.transaction() as s:
            acme = seed.account(
                s, "Acme", "Fintech", owner_slack_id="U0OWNER01", renewal_date=dt.date(2026, 3, 20)
            )
            globex = seed.account(s, "Globex", "Retail", status="paused")
            ana = seed.advocate(s, acme, "Ana", "reference_call")
            s.get_one(Advocate, ana).asks_per_quarter = 1  # her own limit
            for day in (2, 3, 4):
                request_id = seed.request(
                    s, acme, status=RequestStatus.APPROVED, created_at=at(day), decided_at=at(day, 10)
                )
                s.get_one(ReferenceRequest, request_id).advocate_id = ana
                ledger.post(
                    s,
                    account_id=acme,
                    advocate_id=ana,
                    kind=EntryKind.ASK,
                    amount=-3,
                    item="reference_call",
                    request_id=request_id,
                    actor_id="U0OWNER01",
                    now=at(day, 10),
                    occurred_on=at(day).date(),
                )
                if day == 2:
                    s.add(
                        Consent(
                            request_id=request_id,
                            advocate_id=ana,
                            mode="owner",
                            answer=ConsentAnswer.NEVER,
                            answered_at=at(day, 11),
                            asked_at=at(day, 10),
                        )
                    )
                    s.add(
                        Rating(
                            request_id=request_id,
                            advocate_id=ana,
                            rater="advocate",
                            score=1,
                            created_at=at(day, 11),
                        )
                    )
            for hour, activity in ((9, "reference_call"), (10, "quote")):
                request_id = seed.request(s, acme, created_at=at(5, hour), activity=activity)
                s.get_one(ReferenceRequest, request_id).advocate_id = ana
            s.add(
                Blackout(
                    advocate_id=ana,
                    starts_on=dt.date(2026, 3, 5),
                    ends_on=dt.date(2026, 3, 6),
                    created_at=at(1),
                )
            )
            s.add(
                NpsAnswer(
                    account_id=acme,
                    email="ops@acme.example",
                    score=3,
                    comment="slow support",
                    answered_on=dt.date(2026, 2, 20),
                    imported_at=at(1),
                )
            )
            seed.request(s, acme, created_at=at(5, 11))  # names nobody, and Ana is Acme's only one
            seed.request(s, globex, created_at=at(6))
    finally:
        db.dispose()


def test_policy_simulate_prints_every_rule_of_a_history_that_meets_them_all(
    env: dict[str, str], workdir: Path, tmp_path: Path
) -> None:
    every_rule_history(env)
    proposed = tmp_path / "same.toml"
    proposed.write_text("opening_balance = 3\n")

    result = refdesk(env, workdir, "policy", "simulate", str(proposed))

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("7 recorded asks (all of them) replayed through same.toml")
    tables = result.stdout.split("Asks the proposed policy blocks:")[0]
    assert [rule for rule in Rule if f"  {rule.label} " in tables] == list(Rule)


def test_simulate_prints_both_runs_and_draws_the_chart(workdir: Path, tmp_path: Path) -> None:
    chart = tmp_path / "simulate.png"
    args = ("simulate", "--accounts", "30", "--reps", "8", "--weeks", "8", "--seed", "5")

    first = refdesk({}, workdir, *args, "--chart", str(chart))
    second = refdesk({}, workdir, *args)

    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0].startswith("Simulated program: 30 accounts, 8 reps, 8 weeks, seed 5,")
    assert lines[2].split() == ["no", "ledger", "rules", "policy", "policy", "+", "recruiting"]
    assert any(line.startswith("max asks per advocate per quarter") for line in lines)
    assert any(line.startswith("requests filled by their needed-by date") for line in lines)
    assert any(line.startswith("Target met: ") or line.startswith("Target not met: ") for line in lines)
    assert chart.read_bytes().startswith(b"\x89PNG")
    # the same seed, the same table (the last line is the time it took)
    assert second.stdout.splitlines()[:-1] == [line for line in lines[:-1] if not line.startswith("chart:")]


def test_simulate_refuses_what_it_cannot_run_in_one_line(workdir: Path) -> None:
    for args, line in (
        (("--weeks", "0"), "refdesk: --weeks must be at least 1"),
        (("--give-back", "1.5"), "refdesk: --give-back is a chance: between 0 and 1"),
        (("--join", "-0.1"), "refdesk: --join is a chance: between 0 and 1"),
        (
            ("--chart", "/no/such/dir/x.png"),
            "refdesk: --chart /no/such/dir/x.png: no such directory /no/such/dir",
        ),
    ):
        result = refdesk({}, workdir, "simulate", *args)
        assert (result.returncode, result.stderr, result.stdout) == (2, line + "\n", "")
