"""The `refdesk` sub-commands about the program's data: the schema (`db upgrade`, `db check`),
CRM imports (`import`), and the tables an operator reads (`accounts`, `deliveries`)."""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
from functools import cache
from pathlib import Path

from slack_sdk.errors import SlackApiError
from tqdm import tqdm

from bot.app import address_key, build_desk
from bot.cli.program import send_owed
from bot.clock import system_clock
from bot.errors import EXIT_NOT_DONE, CliError
from bot.settings import Settings
from bot.slack_client import make_web_client
from handlers.kit.people import People, name_of
from store import backup
from store.accounts.lookup import list_accounts
from store.db import Database
from store.forgotten import NoAddressKey
from store.imports import opportunities, promoters
from store.imports.importer import OwnerResolver, count_rows, import_accounts, import_advocates
from store.imports.opportunities import import_opportunities
from store.imports.promoters import import_promoters
from store.imports.rows import parse_mapping
from store.outbox.listing import count_by_status, not_sent
from store.rules.policy import counted, load_policy

log = logging.getLogger("refdesk")

PROGRESS_FROM_ROWS = 500


def db_command(db: Database, command: str, file: Path | None) -> int:
    """`refdesk db upgrade | check | backup FILE | restore FILE`."""
    if command == "upgrade":
        return db_upgrade(db)
    if command == "check":
        return db_check(db)
    assert file is not None
    if command == "backup":
        backup.backup(db, file)
        print(f"database backed up to {file}")
        return 0
    backup.restore(db, file)
    print(f"database restored from {file} (at revision {db.schema_revision()[0]})")
    return 0


def db_upgrade(db: Database) -> int:
    before, now = db.upgrade()
    done = "nothing to migrate" if before == now else f"migrated from {before or 'an empty database'}"
    print(f"database is at revision {now} ({done})")
    return 0


def db_check(db: Database) -> int:
    db.check_schema()
    print("database schema is up to date")
    return 0


def _owner_resolver(settings: Settings) -> OwnerResolver | None:
    """E-mail → Slack user id through `users.lookupByEmail`, each e-mail asked once."""
    if settings.slack_bot_token is None:
        print(
            "refdesk: SLACK_BOT_TOKEN is not set: owners are kept by e-mail only and their "
            "accounts' requests go to the admins until you import again with a token",
            file=sys.stderr,
        )
        return None
    client = make_web_client(settings)

    @cache
    def resolve(email: str) -> str | None:
        try:
            return client.users_lookupByEmail(email=email)["user"]["id"]
        except SlackApiError as exc:
            error = exc.response.get("error") or f"HTTP {exc.response.status_code}"
            if error == "users_not_found":
                return None
            raise CliError(
                f"Slack refused the owner look-up ({error}): nothing imported; check "
                "SLACK_BOT_TOKEN and the users:read.email scope"
            ) from None
        except OSError as exc:
            raise CliError(
                f"Slack is unreachable at {settings.slack_api_url} ({exc.__class__.__name__}): "
                "nothing imported; try again, or check SLACK_API_URL"
            ) from None

    return resolve


def import_file(
    settings: Settings, db: Database, what: str, path: Path, skip_bad_rows: bool, mapping: str = ""
) -> int:
    known = {"opportunities": opportunities.known_columns, "promoters": promoters.known_columns}
    try:
        rename = parse_mapping(mapping, known[what]()) if what in known else {}
    except ValueError as exc:
        raise CliError(f"--map: {exc}") from None
    total = count_rows(path)
    bar = tqdm(
        total=total, unit="row", desc=f"importing {what}", disable=total < PROGRESS_FROM_ROWS, file=sys.stderr
    )

    def progress(done: int) -> None:
        bar.update(done - bar.n)

    now = system_clock()
    try:
        if what == "accounts":
            report = import_accounts(
                db,
                path,
                now=now,
                resolve_owner=_owner_resolver(settings),
                skip_bad_rows=skip_bad_rows,
                progress=progress,
            )
        elif what == "opportunities":
            report = import_opportunities(
                db,
                path,
                load_policy(settings.policy_file),
                now=now,
                rename=rename,
                skip_bad_rows=skip_bad_rows,
                progress=progress,
            )
        elif what == "promoters":
            report = import_promoters(
                db,
                path,
                now=now,
                today=now.astimezone(settings.tz).date(),
                key=address_key(settings),
                rename=rename,
                skip_bad_rows=skip_bad_rows,
                progress=progress,
            )
        else:
            report = import_advocates(
                db,
                path,
                load_policy(settings.policy_file),
                key=address_key(settings),
                skip_bad_rows=skip_bad_rows,
                progress=progress,
            )
    except NoAddressKey as missing:
        raise CliError(str(missing)) from None
    finally:
        bar.close()
    for line in report.bad_rows:
        print(f"{path}: {line}", file=sys.stderr)
    for line in report.warnings:
        print(f"{path}: warning: {line}", file=sys.stderr)
    if report.aborted:
        print(
            f"refdesk: {counted(len(report.bad_rows), 'bad row')}: nothing imported "
            "(fix them, or pass --skip-bad-rows to import the rest)",
            file=sys.stderr,
        )
        return EXIT_NOT_DONE
    print(f"{what}: {report.created} created, {report.updated} updated, {report.skipped} skipped")
    if report.delivery_keys:
        print("requests waiting for a decision on accounts with a new owner: the new owners are asked")
        send_owed(build_desk(settings, db), tuple(report.delivery_keys))
    return 0


def accounts(settings: Settings, db: Database, *, as_json: bool) -> int:
    """`refdesk accounts`: each account with its owner by name (as Slack knows them), balance and
    last ask."""
    rows = list_accounts(db, load_policy(settings.policy_file))
    if as_json:
        print(json.dumps([dataclasses.asdict(row) for row in rows], default=str, indent=2))
        return 0
    people = People(make_web_client(settings)) if settings.slack_bot_token is not None else None
    table = [("Name", "Industry", "Owner", "Balance", "Last ask")]
    for row in rows:
        in_slack = name_of(people, row.owner_slack_id, row.owner_slack_id or "")
        owner = in_slack or (f"{row.owner_email} (not in Slack)" if row.owner_email else "—")
        table.append(
            (
                row.name,
                row.industry or "—",
                owner,
                str(row.balance),
                row.last_ask_on.isoformat() if row.last_ask_on else "never",
            )
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    for number, line in enumerate(table):
        cells = [
            cell.rjust(w) if i == 3 else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
        if number == 0:
            print("  ".join("-" * w for w in widths))
    if len(table) == 1:
        print("(no accounts yet: refdesk import accounts FILE.csv)")
    return 0


def list_deliveries(db: Database, *, failed_only: bool, as_json: bool) -> int:
    """`refdesk deliveries [--failed] [--json]`: what the outbox still owes Slack, and what it gave
    up on (a person who left, a renderer that kept raising), with the last error of each."""
    rows = not_sent(db, failed_only=failed_only)
    if as_json:
        print(json.dumps([dataclasses.asdict(row) for row in rows], default=str, indent=2))
        return 0
    table = [("Key", "Kind", "To", "Status", "Tries", "Due", "Last error")]
    for row in rows:
        due = "—" if row.status == "failed" else row.due_at.strftime("%Y-%m-%d %H:%M:%S %Z")
        table.append(
            (row.key, row.kind, row.recipient, row.status, str(row.attempts), due, row.last_error or "")
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    for number, line in enumerate(table):
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
        if number == 0:
            print("  ".join("-" * w for w in widths))
    counts = ", ".join(f"{count} {status}" for status, count in sorted(count_by_status(db).items()))
    print(f"(all deliveries: {counts or 'none yet'})")
    return 0
