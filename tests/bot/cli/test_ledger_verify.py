"""`refdesk ledger verify` through the real console script: the kept balances against the sums of
the entries, a difference named with exit 1, and `--repair` rewriting them from the entries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from store.models import EntryKind, LedgerEntry
from tests.bot.cli.test_cli import GOOD, refdesk

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)


def written_around_the_app(env: dict[str, str], account: str | int, kind: EntryKind, amount: int) -> int:
    """An entry written in SQL, as a hand-made fix would be (foreign keys off), to the account
    with that CRM id, or to that account id as it is; the account's id."""
    engine = sa.create_engine(env["DATABASE_URL"])
    with engine.begin() as connection:
        if isinstance(account, str):
            account = connection.execute(
                sa.text("SELECT id FROM accounts WHERE crm_id = :crm"), {"crm": account}
            ).scalar_one()
        connection.execute(
            sa.insert(LedgerEntry).values(
                account_id=account,
                kind=kind,
                amount=amount,
                note="",
                actor_id="U0ADMIN01",
                occurred_on=NOW.date(),
                created_at=NOW,
            )
        )
    engine.dispose()
    return account


def test_verify_agrees_then_names_an_entry_written_around_the_app_and_repair_mends_it(
    tmp_path: Path,
) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'refdesk.db'}"}
    (tmp_path / "accounts.csv").write_text(GOOD)
    assert refdesk(env, tmp_path, "db", "upgrade").returncode == 0
    assert refdesk(env, tmp_path, "import", "accounts", "accounts.csv").returncode == 0
    adjusted = refdesk(env, tmp_path, "ledger", "adjust", "CRM-1", "5", "--reason", "Advisory board seat")
    assert adjusted.returncode == 0, adjusted.stderr

    agrees = refdesk(env, tmp_path, "ledger", "verify")

    assert (agrees.returncode, agrees.stderr) == (0, "")
    assert agrees.stdout == "1 entry on 1 account: every kept balance is the sum of its entries\n"

    globex = written_around_the_app(env, "CRM-2", EntryKind.GIVE, 2)

    differs = refdesk(env, tmp_path, "ledger", "verify")
    repaired = refdesk(env, tmp_path, "ledger", "verify", "--repair")
    again = refdesk(env, tmp_path, "ledger", "verify")

    assert differs.returncode == 1
    assert differs.stdout.splitlines() == [
        f"Globex (account {globex}): kept 0 points, its entries add up to +2 points",
        "2 entries on 2 accounts: 1 kept balance differs from the entries",
    ]
    assert repaired.returncode == 0
    assert repaired.stdout.splitlines()[-1] == "rewrote the kept balances and counts from the entries"
    assert again.returncode == 0
    assert again.stdout.endswith("every kept balance is the sum of its entries\n")


def test_the_asks_window_job_counts_them_and_verify_names_a_count_an_ask_written_around_the_app_misses(
    tmp_path: Path,
) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'refdesk.db'}", "REFDESK_TIMEZONE": "UTC"}
    (tmp_path / "accounts.csv").write_text(GOOD)
    assert refdesk(env, tmp_path, "db", "upgrade").returncode == 0
    assert refdesk(env, tmp_path, "import", "accounts", "accounts.csv").returncode == 0
    adjusted = refdesk(env, tmp_path, "ledger", "adjust", "CRM-1", "5", "--reason", "Advisory board seat")
    assert adjusted.returncode == 0, adjusted.stderr

    counted = refdesk(env, tmp_path, "jobs", "run", "asks-window", "--now", NOW.isoformat())

    assert (counted.returncode, counted.stderr) == (0, "")  # no Slack token needed: it sends nothing
    assert counted.stdout == f"asks-window at {NOW.isoformat()}: 0 claimed, 0 sent\n"
    acme = written_around_the_app(env, "CRM-1", EntryKind.ASK, -3)
    since = NOW.date() - dt.timedelta(days=365)

    differs = refdesk(env, tmp_path, "ledger", "verify")

    assert differs.returncode == 1
    assert differs.stdout.splitlines() == [
        f"Acme Corp (account {acme}): kept +5 points, its entries add up to +2 points",
        f"Acme Corp (account {acme}): kept 0 points asked since {since.isoformat()}, "
        "its asks since then add up to 3 points",
        "2 entries on 1 account: 1 kept balance differs from the entries; 1 kept count of asks differs "
        "from the asks",
    ]
    repaired = refdesk(env, tmp_path, "ledger", "verify", "--repair")
    assert repaired.returncode == 0
    again = refdesk(env, tmp_path, "ledger", "verify")
    assert (again.returncode, again.stdout) == (
        0,
        "2 entries on 1 account: every kept balance is the sum of its entries\n",
    )
    engine = sa.create_engine(env["DATABASE_URL"])
    with engine.connect() as connection:  # still counted from the same day: find goes on reading it
        kept_row = connection.execute(sa.text("SELECT asked, asked_since FROM kept_balances")).one()
    engine.dispose()
    assert tuple(kept_row) == (3, since.isoformat())


def test_repair_leaves_the_entries_of_an_account_that_no_longer_exists_and_says_so(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'refdesk.db'}"}
    (tmp_path / "accounts.csv").write_text(GOOD)
    assert refdesk(env, tmp_path, "db", "upgrade").returncode == 0
    assert refdesk(env, tmp_path, "import", "accounts", "accounts.csv").returncode == 0
    written_around_the_app(env, 999, EntryKind.GIVE, 2)  # to an account deleted since
    adjusted = refdesk(env, tmp_path, "ledger", "adjust", "CRM-1", "5", "--reason", "Advisory board seat")
    assert adjusted.returncode == 0, adjusted.stderr

    repaired = refdesk(env, tmp_path, "ledger", "verify", "--repair")

    assert repaired.returncode == 1, repaired.stderr
    assert (
        repaired.stdout.splitlines()[0]
        == "(no such account) (account 999): kept 0 points, its entries add up to +2 points"
    )
    assert repaired.stderr == (
        "left the entries of 1 account that no longer exists (999): "
        "restore the account or delete its entries\n"
    )
    again = refdesk(env, tmp_path, "ledger", "verify")
    assert (again.returncode, again.stdout.splitlines()) == (
        1,
        [
            "(no such account) (account 999): kept 0 points, its entries add up to +2 points",
            "2 entries on 2 accounts: 1 kept balance differs from the entries",
        ],
    )
