"""The real `refdesk` console script, run from a directory that is not the project's, as a
newcomer would: every refusal is one `refdesk: ...` line and an exit status, never a traceback."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from store.outbox import listing, pace, queue
from store.periods import Period
from tests.support.database import open_database
from tests.support.emulator import BOT_TOKEN, Emulator
from tests.support.paths import ROOT
from tests.support.server import REFDESK, refdesk_env, run_cli

HEADER = "name,industry,segment,region,products,owner_email,crm_id,renewal_date,status\n"
GOOD = HEADER + "Acme Corp,Fintech,Enterprise,EMEA,Payments,olivia@example.com,CRM-1,2027-03-31,active\n"
GOOD += "Globex,Retail,Mid-market,NA,,,CRM-2,,active\n"
BAD = GOOD + "Initech,Software,,,,,CRM-3,someday,active\n" + "Hooli,,,,,,CRM-4,,closed\n"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty directory outside the project: the CLI must not need the repository as cwd."""
    path = tmp_path / "elsewhere"
    path.mkdir()
    assert ROOT not in path.parents
    return path


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'refdesk.db'}"}


def refdesk(env: dict[str, str], workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(env, *args, cwd=workdir)


def refusals(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The lines meant for the person at the terminal (log records start with a timestamp)."""
    return [line for line in result.stderr.splitlines() if line.startswith("refdesk:")]


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr


@pytest.fixture
def upgraded(env: dict[str, str], workdir: Path) -> dict[str, str]:
    result = refdesk(env, workdir, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert "database is at revision" in result.stdout
    return env


def test_a_command_before_db_upgrade_says_to_run_it(env: dict[str, str], workdir: Path) -> None:
    result = refdesk(env, workdir, "accounts")

    assert result.returncode == 2
    assert_no_traceback(result)
    [line] = refusals(result)
    assert line.startswith("refdesk: the database is empty")
    assert line.endswith("run `refdesk db upgrade`")
    assert result.stdout == ""


def test_a_refusal_is_the_only_thing_on_stderr(env: dict[str, str], workdir: Path) -> None:
    result = refdesk(env, workdir, "accounts")

    assert result.stderr.splitlines() == refusals(result)


def test_db_upgrade_twice_is_harmless(upgraded: dict[str, str], workdir: Path) -> None:
    again = refdesk(upgraded, workdir, "db", "upgrade")
    check = refdesk(upgraded, workdir, "db", "check")

    assert again.returncode == 0, again.stderr
    assert check.returncode == 0
    assert "up to date" in check.stdout


def test_importing_accounts_then_listing_them(
    upgraded: dict[str, str], workdir: Path, tmp_path: Path
) -> None:
    csv = tmp_path / "accounts.csv"
    csv.write_text(GOOD)

    imported = refdesk(upgraded, workdir, "import", "accounts", str(csv))

    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "accounts: 2 created, 0 updated, 0 skipped"
    # no SLACK_BOT_TOKEN: owners cannot be looked up in Slack, which is said once, not fatal
    [warning] = refusals(imported)
    assert "SLACK_BOT_TOKEN is not set" in warning

    table = refdesk(upgraded, workdir, "accounts")
    assert table.returncode == 0, table.stderr
    header, rule, *rows = table.stdout.splitlines()
    assert header.split() == ["Name", "Industry", "Owner", "Balance", "Last", "ask"]
    assert set(rule.replace(" ", "")) == {"-"}
    assert [row.split()[0] for row in rows] == ["Acme", "Globex"]
    acme = rows[0]
    assert "olivia@example.com (not in Slack)" in acme
    assert acme.split()[-2:] == ["3", "never"]

    listed = refdesk(upgraded, workdir, "accounts", "--json")
    assert listed.returncode == 0, listed.stderr
    accounts = json.loads(listed.stdout)
    assert [(a["name"], a["crm_id"], a["balance"], a["last_ask_on"]) for a in accounts] == [
        ("Acme Corp", "CRM-1", 3, None),
        ("Globex", "CRM-2", 3, None),
    ]
    assert accounts[0]["renewal_date"] == "2027-03-31"
    assert accounts[0]["owner_slack_id"] is None


def test_an_empty_program_says_how_to_start(upgraded: dict[str, str], workdir: Path) -> None:
    table = refdesk(upgraded, workdir, "accounts")

    assert table.returncode == 0
    assert "refdesk import accounts FILE.csv" in table.stdout
    assert json.loads(refdesk(upgraded, workdir, "accounts", "--json").stdout) == []


def test_a_file_with_bad_rows_is_refused_whole(
    upgraded: dict[str, str], workdir: Path, tmp_path: Path
) -> None:
    csv = tmp_path / "accounts.csv"
    csv.write_text(BAD)

    result = refdesk(upgraded, workdir, "import", "accounts", str(csv))

    assert result.returncode == 1
    assert_no_traceback(result)
    assert f"{csv}: line 4: renewal_date 'someday' is not a date (YYYY-MM-DD)" in result.stderr.splitlines()
    assert (
        f"{csv}: line 5: status 'closed' is not one of active, paused, do_not_contact"
        in result.stderr.splitlines()
    )
    assert refusals(result)[-1].startswith("refdesk: 2 bad rows: nothing imported")
    assert "--skip-bad-rows" in refusals(result)[-1]
    assert json.loads(refdesk(upgraded, workdir, "accounts", "--json").stdout) == []


def test_skip_bad_rows_imports_the_good_ones(upgraded: dict[str, str], workdir: Path, tmp_path: Path) -> None:
    csv = tmp_path / "accounts.csv"
    csv.write_text(BAD)

    result = refdesk(upgraded, workdir, "import", "accounts", str(csv), "--skip-bad-rows")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "accounts: 2 created, 0 updated, 2 skipped"
    assert f"{csv}: line 4: renewal_date 'someday' is not a date (YYYY-MM-DD)" in result.stderr
    names = [a["name"] for a in json.loads(refdesk(upgraded, workdir, "accounts", "--json").stdout)]
    assert names == ["Acme Corp", "Globex"]


def test_a_file_with_the_wrong_columns_is_one_line(
    upgraded: dict[str, str], workdir: Path, tmp_path: Path
) -> None:
    csv = tmp_path / "accounts.csv"
    csv.write_text("company,owner\nAcme,olivia@example.com\n")

    result = refdesk(upgraded, workdir, "import", "accounts", str(csv))

    assert result.returncode == 2
    assert_no_traceback(result)
    [line] = [line for line in refusals(result) if "SLACK_BOT_TOKEN" not in line]
    assert line.startswith(f"refdesk: {csv}: line 1: missing column(s) name, ")


def test_an_unreachable_slack_during_import_is_one_line(
    upgraded: dict[str, str], workdir: Path, tmp_path: Path
) -> None:
    csv = tmp_path / "accounts.csv"
    csv.write_text(GOOD)
    offline = {**upgraded, "SLACK_BOT_TOKEN": "xoxb-1-2-3", "SLACK_API_URL": "http://127.0.0.1:9/api/"}

    result = refdesk(offline, workdir, "import", "accounts", str(csv))

    assert_no_traceback(result)
    assert result.returncode == 2
    assert len(refusals(result)) == 1
    assert json.loads(refdesk(upgraded, workdir, "accounts", "--json").stdout) == []


def test_importing_advocates_after_their_accounts(
    upgraded: dict[str, str], workdir: Path, tmp_path: Path
) -> None:
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(GOOD)
    advocates = tmp_path / "advocates.csv"
    advocates.write_text(
        "account,name,title,email,activities\nCRM-1,Dana Scully,VP Finance,dana@acme.example,quote;logo\n"
    )
    refdesk(upgraded, workdir, "import", "accounts", str(accounts))

    result = refdesk(upgraded, workdir, "import", "advocates", str(advocates))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "advocates: 1 created, 0 updated, 0 skipped"


def test_serve_without_a_bot_token_names_it(upgraded: dict[str, str], workdir: Path) -> None:
    result = refdesk(upgraded, workdir, "serve", "--http", "--port", "9")

    assert result.returncode == 2
    assert_no_traceback(result)
    [line] = refusals(result)
    assert line.startswith("refdesk: SLACK_BOT_TOKEN is missing")
    assert "xoxb-" in line


def test_serve_over_http_without_a_signing_secret_names_it(upgraded: dict[str, str], workdir: Path) -> None:
    result = refdesk({**upgraded, "SLACK_BOT_TOKEN": "xoxb-1-2-3"}, workdir, "serve", "--http", "--port", "9")

    assert result.returncode == 2
    assert_no_traceback(result)
    [line] = refusals(result)
    assert line.startswith("refdesk: SLACK_SIGNING_SECRET is missing")


def test_a_malformed_timezone_stops_any_command_with_one_line(env: dict[str, str], workdir: Path) -> None:
    result = refdesk({**env, "REFDESK_TIMEZONE": "Mars/Olympus_Mons"}, workdir, "accounts")

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "refdesk: REFDESK_TIMEZONE is invalid (unknown time zone 'Mars/Olympus_Mons'): "
        "set REFDESK_TIMEZONE to an IANA time zone name, e.g. Europe/Paris"
    ]


def test_settings_come_from_a_dot_env_in_the_working_directory(
    upgraded: dict[str, str], workdir: Path
) -> None:
    (workdir / ".env").write_text("REFDESK_TIMEZONE=Nowhere/Land\n")

    result = refdesk(upgraded, workdir, "accounts")

    assert result.returncode == 2
    assert "REFDESK_TIMEZONE is invalid" in result.stderr


def test_usage_errors_exit_2(env: dict[str, str], workdir: Path) -> None:
    result = refdesk(env, workdir, "import", "contacts", "x.csv")

    assert result.returncode == 2
    assert_no_traceback(result)
    assert "invalid choice: 'contacts'" in result.stderr


def test_jobs_run_help_lists_every_job_with_its_schedule(env: dict[str, str], workdir: Path) -> None:
    result = refdesk(env, workdir, "jobs", "run", "--help")

    assert result.returncode == 0, result.stderr
    for name, variable in (
        ("nudge", "REFDESK_NUDGE_CRON"),
        ("sla-check", "REFDESK_SLA_CHECK_CRON"),
        ("followup", "REFDESK_FOLLOWUP_CRON"),
        ("digest", "REFDESK_DIGEST_CRON"),
    ):
        [line] = [line for line in result.stdout.splitlines() if line.split()[:1] == [name]]
        assert line.split()[1] == variable
    # argparse wraps the list at the terminal's width
    assert "nudge, sla-check, followup, digest, consent-remind, evidence-renew" in " ".join(
        result.stdout.split()
    )


def test_an_unknown_job_is_one_line_naming_the_jobs(env: dict[str, str], workdir: Path) -> None:
    result = refdesk(env, workdir, "jobs", "run", "tidy-up")

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "refdesk: unknown job 'tidy-up': the jobs are nudge, sla-check, followup, digest, consent-remind, "
        "evidence-renew, nomination-remind, coverage-gaps, asks-window"
    ]
    assert result.stdout == ""


def test_the_digest_job_without_a_channel_says_so_once_and_claims_nothing(
    upgraded: dict[str, str], workdir: Path
) -> None:
    # a token, so the one line is about the channel; Slack is never called, nothing being owed
    slack = {"SLACK_BOT_TOKEN": "xoxb-1-2-3", "SLACK_API_URL": "http://127.0.0.1:9/api/"}

    result = refdesk({**upgraded, **slack}, workdir, "jobs", "run", "digest")

    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)
    [line] = result.stderr.splitlines()
    assert line.endswith("no digest claimed: REFDESK_DIGEST_CHANNEL is not set: set it to the channel's id")
    assert result.stdout.strip().endswith("0 claimed, 0 sent")


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    emu = Emulator(tmp_path).start()
    yield emu
    emu.stop()


@pytest.fixture
def with_slack(upgraded: dict[str, str], emulator: Emulator) -> dict[str, str]:
    """The CLI's environment pointed at the Slack emulator, with the program channel set."""
    return {
        **upgraded,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": emulator.api_url,
        "REFDESK_DIGEST_CHANNEL": emulator.ids["channel"],
        "REFDESK_TIMEZONE": "UTC",
    }


@pytest.mark.e2e
def test_jobs_run_digest_posts_the_week_once(
    with_slack: dict[str, str], emulator: Emulator, workdir: Path
) -> None:
    now = dt.datetime.now(dt.UTC)
    period = Period.last_complete_week(now, dt.UTC)
    week, week_of = period.label, f"week of {period.start.day} {period.start:%b %Y}"

    first = refdesk(with_slack, workdir, "jobs", "run", "digest", "--now", now.isoformat())
    second = refdesk(with_slack, workdir, "jobs", "run", "digest", "--now", now.isoformat())
    by_hand = refdesk(with_slack, workdir, "digest")

    assert first.returncode == 0, first.stderr
    # the digest, its chart and the coverage heat map, each once
    assert first.stdout.strip() == f"digest at {now.isoformat()}: 3 claimed, 3 sent"
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == f"digest at {now.isoformat()}: 0 claimed, 0 sent"
    # `refdesk digest` is the same registry claim: the week is already posted
    assert by_hand.returncode == 0, by_hand.stderr
    assert by_hand.stdout.strip() == f"the digest of the {week_of} was already posted: nothing sent"
    history = emulator.history(emulator.ids["channel"])
    assert len(history) == 3
    assert sum(week_of in m["text"] and not m.get("files") for m in history) == 1
    assert sorted(f["name"] for m in history for f in m.get("files", [])) == [
        f"coverage-{week}.png",
        f"reference-program-{week}.png",
    ]


@pytest.mark.e2e
def test_jobs_run_hours_ahead_leaves_a_running_senders_claims_alone(
    with_slack: dict[str, str], emulator: Emulator, workdir: Path
) -> None:
    # a drill's moment is not the time the processes share: the server's sender holds a claim
    # for real seconds, and a run two hours ahead must not take it over and post its copy
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    claim_only = {k: v for k, v in with_slack.items() if k != "SLACK_BOT_TOKEN"}
    claimed = refdesk(claim_only, workdir, "jobs", "run", "digest", "--now", ahead.isoformat())
    assert claimed.returncode == 0, claimed.stderr
    db = open_database(with_slack["DATABASE_URL"])
    try:
        # a lease no slow start-up of the drill's process outlasts
        sending = queue.claim_due(
            db, ahead, leased_at=dt.datetime.now(dt.UTC), lease=dt.timedelta(minutes=10)
        )
        assert len(sending) == 3

        drill = refdesk(with_slack, workdir, "jobs", "run", "digest", "--now", ahead.isoformat())

        assert drill.returncode == 0, drill.stderr
        assert drill.stdout.strip().endswith("0 claimed, 0 sent")
        assert emulator.history(emulator.ids["channel"]) == []
        assert listing.count_by_status(db) == {"sending": 3}
    finally:
        db.dispose()


@pytest.mark.e2e
def test_jobs_run_hours_ahead_sends_only_what_it_claimed(
    with_slack: dict[str, str], emulator: Emulator, workdir: Path
) -> None:
    # the digest owed for two hours from now is due then, not when a drill of another job says so
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    claim_only = {k: v for k, v in with_slack.items() if k != "SLACK_BOT_TOKEN"}
    assert refdesk(claim_only, workdir, "jobs", "run", "digest", "--now", ahead.isoformat()).returncode == 0

    drill = refdesk(with_slack, workdir, "jobs", "run", "nudge", "--now", ahead.isoformat())

    assert drill.returncode == 0, drill.stderr
    assert drill.stdout.strip().endswith("0 claimed, 0 sent")
    assert emulator.history(emulator.ids["channel"]) == []
    db = open_database(with_slack["DATABASE_URL"])
    try:
        assert listing.count_by_status(db) == {"pending": 3}
    finally:
        db.dispose()


@pytest.mark.e2e
def test_jobs_run_hours_ahead_waits_out_the_pace_that_holds_its_posts_back(
    with_slack: dict[str, str], emulator: Emulator, workdir: Path
) -> None:
    # a post held back seconds for its channel's pace comes due seconds after the drill's moment:
    # the drill sends it then (it used to stop, leaving it due two hours ahead of real time)
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    db = open_database(with_slack["DATABASE_URL"])
    try:
        # the channel's next slot six seconds away, further than a sender waits for one
        pace.book(db, emulator.ids["channel"], time.time() + 5, 0.1, 1.1)

        drill = refdesk(with_slack, workdir, "jobs", "run", "digest", "--now", ahead.isoformat())

        assert drill.returncode == 0, drill.stderr
        assert drill.stdout.strip() == f"digest at {ahead.isoformat()}: 3 claimed, 3 sent"
        assert len(emulator.history(emulator.ids["channel"])) == 3
        assert listing.count_by_status(db) == {"sent": 3}
    finally:
        db.dispose()


def test_an_unreachable_database_is_one_line_naming_database_url(workdir: Path) -> None:
    unreachable = {"DATABASE_URL": "postgresql+psycopg://refdesk@127.0.0.1:1/refdesk"}
    for args in (("accounts",), ("db", "upgrade"), ("jobs", "run", "nudge")):
        result = refdesk(unreachable, workdir, *args)
        assert result.returncode == 2, args
        assert_no_traceback(result)
        assert len(refusals(result)) == 1 and "DATABASE_URL" in refusals(result)[0], result.stderr


def test_accounts_json_piped_into_head_ends_quietly(upgraded: dict[str, str], workdir: Path) -> None:
    rows = "".join(f"Account {i},Fintech,,,,,CRM-{i},,active\n" for i in range(2000))
    (workdir / "accounts.csv").write_text(HEADER + rows)
    assert refdesk(upgraded, workdir, "import", "accounts", "accounts.csv").returncode == 0
    listing = subprocess.Popen(
        [REFDESK, "accounts", "--json"],
        env=refdesk_env(upgraded),
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert listing.stdout is not None and listing.stdout.readline() == b"[\n"
    listing.stdout.close()  # what `head -1` does once it has its line
    _, errors = listing.communicate(timeout=60)
    assert listing.returncode == 0 and b"Traceback" not in errors and b"BrokenPipe" not in errors


def test_an_unterminated_quote_is_one_line_naming_where_it_opens(
    upgraded: dict[str, str], workdir: Path, tmp_path: Path
) -> None:
    csv = tmp_path / "accounts.csv"
    csv.write_text(GOOD + '"Initech,Software,,,,,CRM-3,,active\n' + "Hooli,,,,,,CRM-4,,active\n")

    result = refdesk(upgraded, workdir, "import", "accounts", str(csv))

    assert result.returncode == 2
    assert_no_traceback(result)
    [line] = [line for line in refusals(result) if "SLACK_BOT_TOKEN" not in line]
    assert line == f"refdesk: {csv}: line 4: unterminated quote"
    assert json.loads(refdesk(upgraded, workdir, "accounts", "--json").stdout) == []


@pytest.fixture
def imported(upgraded: dict[str, str], workdir: Path) -> dict[str, str]:
    """Acme Corp (CRM-1) and Globex (CRM-2), owners not in Slack (no token to look them up)."""
    (workdir / "accounts.csv").write_text(GOOD)
    assert refdesk(upgraded, workdir, "import", "accounts", "accounts.csv").returncode == 0
    return upgraded


def balances(env: dict[str, str], workdir: Path) -> dict[str, int]:
    listed = json.loads(refdesk(env, workdir, "accounts", "--json").stdout)
    return {row["name"]: row["balance"] for row in listed}


def test_ledger_adjust_names_the_account_by_name_or_crm_id_and_says_the_new_balance(
    imported: dict[str, str], workdir: Path
) -> None:
    up = refdesk(imported, workdir, "ledger", "adjust", "acme corp", "5", "--reason", "Advisory board seat")
    down = refdesk(imported, workdir, "ledger", "adjust", "CRM-2", "-2", "--reason", "Double-counted give")

    for result in (up, down):
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""  # nobody to tell: no --by, and the owners are not in Slack
    assert up.stdout == "Acme Corp: +5 points, balance now 8 points\n"
    assert down.stdout == "Globex: −2 points, balance now 1 point\n"
    assert balances(imported, workdir) == {"Acme Corp": 8, "Globex": 1}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ("Initech", "3", "--reason", "typo"),
            "refdesk: no account named or with CRM id 'Initech': `refdesk accounts` lists them",
        ),
        (
            ("CRM-1", "0", "--reason", "nothing"),
            "refdesk: AMOUNT: 0 points changes nothing: type how many points to add (5) or take away (-3).",
        ),
        (("CRM-1", "three", "--reason", "x"), "refdesk: AMOUNT: Type a whole number of points"),
        (("CRM-1", "3"), "refdesk: --reason: Say why, so the owner and the other admins can read it"),
        (
            ("CRM-1", "3", "--reason", "x", "--by", "U0NOBODY1"),
            "refdesk: --by U0NOBODY1 is not a program admin: it must be one of REFDESK_ADMINS",
        ),
    ],
)
def test_ledger_adjust_refuses_in_one_line_and_changes_nothing(
    imported: dict[str, str], workdir: Path, args: tuple[str, ...], says: str
) -> None:
    result = refdesk(imported, workdir, "ledger", "adjust", *args)

    assert result.returncode == 2
    assert_no_traceback(result)
    [line] = result.stderr.splitlines()
    assert line.startswith(says)
    assert result.stdout == ""
    assert balances(imported, workdir) == {"Acme Corp": 3, "Globex": 3}


def test_ledger_adjust_by_an_admin_without_a_token_leaves_the_receipt_to_the_server(
    imported: dict[str, str], workdir: Path
) -> None:
    env = {**imported, "REFDESK_ADMINS": "U0ADMIN01"}

    result = refdesk(
        env, workdir, "ledger", "adjust", "CRM-1", "+1", "--reason", "Late award", "--by", "U0ADMIN01"
    )

    assert result.returncode == 0, result.stderr
    assert refusals(result) == [
        "refdesk: SLACK_BOT_TOKEN is not set: the DMs are owed, `refdesk serve` sends them"
    ]
    owed = json.loads(refdesk(env, workdir, "deliveries", "--json").stdout)
    assert [(row["kind"], row["recipient"]) for row in owed] == [("balance_adjusted", "U0ADMIN01")]


def test_promoters_then_a_person_s_data_exported_and_forgotten_for_good(
    upgraded: dict[str, str], workdir: Path, tmp_path: Path
) -> None:
    """`refdesk import promoters --map`, then `refdesk advocates export|forget EMAIL`: the admin's
    side of flows 17 and 18, through the real console script."""
    accounts, advocates, survey = (tmp_path / name for name in ("accounts.csv", "advocates.csv", "nps.csv"))
    accounts.write_text(GOOD)
    advocates.write_text(
        "account,name,title,email,activities\nCRM-1,Dana Scully,VP Finance,Dana@Acme.example,quote;logo\n"
    )
    survey.write_text(
        "Respondent Email,Company,NPS,Submitted,Comment\n"
        "dana@acme.example,CRM-1,10,2026-11-02,love it\n"
        "fox@acme.example,CRM-1,eleven,2026-11-02,\n"
    )
    mapping = "Respondent Email=email,Company=account,NPS=score,Submitted=date"
    refdesk(upgraded, workdir, "import", "accounts", str(accounts))
    refdesk(upgraded, workdir, "import", "advocates", str(advocates))

    refused = refdesk(upgraded, workdir, "import", "promoters", str(survey), "--map", mapping)
    skipping = refdesk(
        upgraded, workdir, "import", "promoters", str(survey), "--map", mapping, "--skip-bad-rows"
    )
    exported = refdesk(upgraded, workdir, "advocates", "export", "DANA@acme.example", "--csv")
    keyless = refdesk(upgraded, workdir, "advocates", "forget", "dana@acme.example")
    keyed = {**upgraded, "REFDESK_ERASURE_SECRET": "a-secret-kept-for-good"}
    forgotten = refdesk(keyed, workdir, "advocates", "forget", "dana@acme.example")
    again = refdesk(keyed, workdir, "import", "advocates", str(advocates))
    gone = refdesk(keyed, workdir, "advocates", "export", "dana@acme.example")

    assert refused.returncode != 0 and f"{survey}: line 3: score 'eleven'" in refused.stderr
    assert skipping.returncode == 0, skipping.stderr
    assert exported.returncode == 0, exported.stderr
    rows = exported.stdout.splitlines()
    assert rows[0] == "section,number,field,value"
    assert "profile,1,name,Dana Scully" in rows and "survey_answers,1,comment,love it" in rows
    assert keyless.returncode != 0 and "REFDESK_ERASURE_SECRET is not set" in keyless.stderr
    assert forgotten.returncode == 0, forgotten.stderr
    assert forgotten.stdout.startswith("removed: 1 advocate(s), 0 nomination(s) and 1 survey answer(s)")
    assert again.returncode == 0 and "asked to be removed" in again.stderr + again.stdout
    assert gone.returncode != 0 and refusals(gone) == [
        "refdesk: nothing is held about dana@acme.example: no advocate, nomination, colleague named on "
        "an ask or survey answer has this address"
    ]
    for result in (refused, skipping, exported, keyless, forgotten, again, gone):
        assert_no_traceback(result)
