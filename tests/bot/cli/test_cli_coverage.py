"""The real `refdesk coverage` and `refdesk coverage plan`, run from a directory that is not the
project's: the table, JSON and the heat map on a recorded history, and one-line refusals."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from store.coverage import demand
from store.models import Demand, DemandSource
from tests.bot.cli.conftest import refdesk
from tests.support import store_seed as seed
from tests.support.database import open_database


def history(env: dict[str, str]) -> None:
    """Two fintech calls asked in the last days (one done), a healthcare search that found nobody."""
    now = dt.datetime.now(dt.UTC)
    db = open_database(env["DATABASE_URL"])
    try:
        with db.transaction() as s:
            acme = seed.account(s, "Acme", "Fintech", owner_slack_id="U0OWNER01")
            seed.advocate(s, acme, "Jane", "reference_call")
            for status in ("done", "declined"):
                request_id = seed.request(s, acme, status=status, created_at=now - dt.timedelta(days=2))
                demand.record_request(
                    s, s.get_one(seed.ReferenceRequest, request_id), s.get_one(seed.Account, acme)
                )
            s.add(
                Demand(
                    key="search:U0SELLER1:words",
                    source=DemandSource.SEARCH,
                    requester_id="U0SELLER1",
                    activity="reference_call",
                    industry="Healthcare",
                    words="healthcare reference call",
                    created_at=now,
                )
            )
    finally:
        db.dispose()


def test_coverage_prints_the_table_and_the_gaps_as_text_json_and_a_heat_map(
    env: dict[str, str], workdir: Path, tmp_path: Path
) -> None:
    history(env)
    chart = tmp_path / "coverage.png"

    text = refdesk(env, workdir, "coverage", "--chart", str(chart))
    as_json = refdesk(env, workdir, "coverage", "--json", "--by", "activity")

    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].startswith("Coverage in the last 90 days (needs recorded since ")
    assert lines[0].endswith("), by industry and activity")
    fintech = next(line for line in lines if line.startswith("Fintech "))
    # 2 needed, none unmatched, 1 filled (done), none open: 50 %; no answer recorded; Jane can be asked
    assert fintech.split()[-10:] == ["2", "0", "1", "0", "50", "%", "—", "—", "—", "1"]
    assert (
        "1. Healthcare, Reference call with a prospect: 1 needed in the last 90 days, 0 filled, "
        in text.stdout
    )
    assert chart.read_bytes().startswith(b"\x89PNG") and f"chart: {chart}" in text.stdout
    data = json.loads(as_json.stdout)
    assert data["by"] == ["activity"]
    assert [(c["activity"], c["needed"], c["no_match"], c["filled"]) for c in data["cells"]] == [
        ("reference_call", 3, 1, 1)
    ]


def test_coverage_refuses_in_one_line(env: dict[str, str], workdir: Path, tmp_path: Path) -> None:
    bad_plan = tmp_path / "plan.toml"
    bad_plan.write_text(
        '[[need]]\nindustry = "Healthcare"\nactivity = "juggling"\ncount = 2\nby = 2099-01-01\n'
    )
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    for args, line in (
        (
            ("coverage", "--by", "industry,colour"),
            "refdesk: --by: 'colour' is not one of segment, industry, region, activity",
        ),
        (("coverage", "--since", future), f"refdesk: --since {future} is in the future"),
        (
            ("coverage", "--chart", "/no/such/dir/c.png"),
            "refdesk: --chart /no/such/dir/c.png: no such directory /no/such/dir",
        ),
        (
            ("coverage", "plan", str(bad_plan)),
            f"refdesk: {bad_plan}: line 3: activity 'juggling' is not one of the policy's",
        ),
    ):
        result = refdesk(env, workdir, *args)
        assert result.returncode == 2 and result.stderr.startswith(line), (args, result.stderr)
        assert result.stdout == ""


def test_coverage_plan_prints_each_need(env: dict[str, str], workdir: Path, tmp_path: Path) -> None:
    history(env)
    plan = tmp_path / "launch.toml"
    plan.write_text(
        '[[need]]\nindustry = "Fintech"\nactivity = "reference_call"\ncount = 3\nby = 2099-01-01\n'
    )
    result = refdesk(env, workdir, "coverage", "plan", str(plan))
    assert result.returncode == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith("Fintech: "))
    assert row.split()[-4:] == ["2099-01-01", "1", "1", "2"]
    assert "No opportunities imported" in result.stdout
