"""`refdesk import accounts` against the Slack emulator: owners' e-mails become Slack user ids."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.emulator import Emulator
from tests.support.server import run_cli

HEADER = "name,industry,segment,region,products,owner_email,crm_id,renewal_date,status\n"


def test_owners_are_matched_to_slack_users_by_e_mail(
    emulator: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    csv = tmp_path / "accounts.csv"
    csv.write_text(
        HEADER
        + "Acme Corp,Fintech,,,,Olivia@Example.com,CRM-1,,active\n"
        + "Globex,Retail,,,,oscar@example.com,CRM-2,,active\n"
        + "Initech,Software,,,,ghost@example.com,CRM-3,,active\n"
        + "Hooli,Software,,,,olivia@example.com,CRM-4,,active\n"
    )

    imported = run_cli(env, "import", "accounts", str(csv), cwd=tmp_path)

    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "accounts: 4 created, 0 updated, 0 skipped"
    warnings = [line for line in imported.stderr.splitlines() if ": warning: " in line]
    assert warnings == [
        f"{csv}: warning: line 4: no Slack user has the e-mail ghost@example.com: "
        "the account's requests will go to the program admins"
    ]
    assert "Traceback" not in imported.stderr

    listed = run_cli(env, "accounts", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    owners = {a["name"]: (a["owner_email"], a["owner_slack_id"]) for a in json.loads(listed.stdout)}
    assert owners == {
        "Acme Corp": ("olivia@example.com", emulator.ids["owner"]),
        "Globex": ("oscar@example.com", emulator.ids["owner2"]),
        "Hooli": ("olivia@example.com", emulator.ids["owner"]),
        "Initech": ("ghost@example.com", None),
    }


def test_the_table_shows_the_owner_by_the_name_slack_knows(
    emulator: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    csv = tmp_path / "accounts.csv"
    csv.write_text(HEADER + "Acme Corp,Fintech,,,,olivia@example.com,CRM-1,,active\n")
    assert run_cli(env, "import", "accounts", str(csv), cwd=tmp_path).returncode == 0

    table = run_cli(env, "accounts", cwd=tmp_path)

    assert table.returncode == 0, table.stderr
    [acme] = [line for line in table.stdout.splitlines() if line.startswith("Acme Corp")]
    assert "Olivia Owner" in acme and emulator.ids["owner"] not in acme
    assert acme.split()[-2:] == ["3", "never"]
