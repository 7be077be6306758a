"""What each `refdesk` sub-command does, once its arguments are parsed."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import logging
import sys
import uuid
from functools import cache
from pathlib import Path

from slack_sdk.errors import SlackApiError
from tqdm import tqdm

from bot.app import build_app, build_desk
from bot.cli_errors import EXIT_NOT_DONE, CliError
from bot.clock import fixed_clock, system_clock
from bot.jobs import JOBS, NO_DIGEST_CHANNEL, digest_week
from bot.scheduler import build_scheduler, run_job
from bot.server import SlackWsgi, serve_http, serve_socket_mode
from bot.settings import Settings
from bot.slack_client import make_web_client
from handlers.answer_page import AnswerPages
from handlers.delivery import deliver
from handlers.digest import digest_for, digest_text
from store import adjustments
from store.accounts import list_accounts
from store.adjustments import AdjustmentDraft
from store.db import Database
from store.deliveries import count_by_status, not_sent
from store.errors import Invalid, NotAllowed
from store.importer import OwnerResolver, count_rows, import_accounts, import_advocates
from store.policy import load_policy, points

log = logging.getLogger("refdesk")

PROGRESS_FROM_ROWS = 500
#: how the terminal names the fields of an adjustment the store refuses
ADJUST_ARGUMENTS = {"account": "ACCOUNT", "amount": "AMOUNT", "reason": "--reason"}


def serve(settings: Settings, db: Database, args: argparse.Namespace) -> int:
    db.check_schema()
    socket_mode = args.socket or (settings.slack_app_token is not None and not args.http)
    settings.require_slack(socket_mode=socket_mode)
    desk = build_desk(settings, db)
    app = build_app(settings, desk, socket_mode=socket_mode)
    pages = AnswerPages(desk) if desk.links is not None else None
    if not settings.mail_ready:
        log.info(
            "mail settings missing (%s): advocates are not e-mailed; owners record their answers in Slack",
            ", ".join(settings.missing_mail_settings),
        )
    scheduler = None
    if settings.scheduler_enabled and not args.no_scheduler:
        scheduler = build_scheduler(settings, desk)
        scheduler.start()
    try:
        if socket_mode:
            assert settings.slack_app_token is not None
            serve_socket_mode(app, settings.slack_app_token.get_secret_value())
        else:
            assert settings.slack_signing_secret is not None
            wsgi = SlackWsgi(app, db, settings.slack_signing_secret.get_secret_value(), pages=pages)
            serve_http(wsgi, args.host, args.port, threads=args.threads)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
    return 0


def db_upgrade(db: Database) -> int:
    db.upgrade()
    current, _ = db.schema_revision()
    print(f"database is at revision {current}")
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


def import_file(settings: Settings, db: Database, what: str, path: Path, skip_bad_rows: bool) -> int:
    total = count_rows(path)
    bar = tqdm(
        total=total, unit="row", desc=f"importing {what}", disable=total < PROGRESS_FROM_ROWS, file=sys.stderr
    )

    def progress(done: int) -> None:
        bar.update(done - bar.n)

    try:
        if what == "accounts":
            report = import_accounts(
                db,
                path,
                now=system_clock(),
                resolve_owner=_owner_resolver(settings),
                skip_bad_rows=skip_bad_rows,
                progress=progress,
            )
        else:
            report = import_advocates(
                db, path, load_policy(settings.policy_file), skip_bad_rows=skip_bad_rows, progress=progress
            )
    finally:
        bar.close()
    for line in report.bad_rows:
        print(f"{path}: {line}", file=sys.stderr)
    for line in report.warnings:
        print(f"{path}: warning: {line}", file=sys.stderr)
    if report.aborted:
        print(
            f"refdesk: {len(report.bad_rows)} bad row(s): nothing imported "
            "(fix them, or pass --skip-bad-rows to import the rest)",
            file=sys.stderr,
        )
        return EXIT_NOT_DONE
    print(f"{what}: {report.created} created, {report.updated} updated, {report.skipped} skipped")
    return 0


def accounts(settings: Settings, db: Database, *, as_json: bool) -> int:
    rows = list_accounts(db, load_policy(settings.policy_file))
    if as_json:
        print(json.dumps([dataclasses.asdict(row) for row in rows], default=str, indent=2))
        return 0
    table = [("Name", "Industry", "Owner", "Balance", "Last ask")]
    for row in rows:
        owner = row.owner_slack_id or (f"{row.owner_email} (not in Slack)" if row.owner_email else "—")
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


def ledger_adjust(
    settings: Settings, db: Database, account: str, amount: str, reason: str, by: str | None
) -> int:
    """`refdesk ledger adjust ACCOUNT AMOUNT --reason TEXT [--by USER_ID]`: `/reference adjust`
    from the terminal, with the same rules and the same DMs; each run posts one adjustment."""
    desk = build_desk(settings, db)
    account_id = adjustments.account_named(db, account)
    if account_id is None:
        raise CliError(f"no account named or with CRM id {account!r}: `refdesk accounts` lists them")
    try:
        done = adjustments.adjust(
            db,
            desk.policy,
            AdjustmentDraft(account_id, amount, reason),
            by=by,
            admins=desk.admins,
            source_key=f"cli:{uuid.uuid4().hex}",
            now=desk.now(),
            today=desk.today(),
        )
    except Invalid as invalid:
        raise CliError(
            "; ".join(f"{ADJUST_ARGUMENTS.get(f, f)}: {why}" for f, why in invalid.errors.items())
        ) from None
    except NotAllowed:
        raise CliError(f"--by {by} is not a program admin: it must be one of REFDESK_ADMINS") from None
    print(f"{done.account_name}: {points(done.amount, signed=True)}, balance now {points(done.balance)}")
    owed = list(done.delivery_keys)
    if owed and desk.client is None:
        print(
            "refdesk: SLACK_BOT_TOKEN is not set: the DMs are owed, `refdesk serve` sends them",
            file=sys.stderr,
        )
    elif owed and deliver(desk, owed) < len(owed):
        print("refdesk: Slack did not take every DM now: `refdesk serve` retries them", file=sys.stderr)
    return 0


def digest(settings: Settings, db: Database, *, dry_run: bool) -> int:
    """`refdesk digest [--dry-run]`: the digest job's claim, then its one post, said in words.

    Unlike `refdesk jobs run digest` it sends only the digest and tells whether it went out.
    """
    desk = build_desk(settings, db)
    now = desk.now()
    week = digest_week(desk, now)
    if dry_run:
        sla = dt.timedelta(hours=settings.decision_sla_hours)
        print(digest_text(digest_for(desk, week, sla), now))
        return 0
    if desk.client is None:
        raise CliError("SLACK_BOT_TOKEN is missing: it is needed to post the digest")
    if not desk.digest_channel:
        raise CliError(NO_DIGEST_CHANNEL)
    keys = JOBS["digest"].claim(desk, now, settings)
    if not keys:
        print(f"the digest of {week.label} was already posted: nothing sent")
    elif deliver(desk, keys):
        print(f"posted the digest of {week.label} in {desk.digest_channel}")
    else:
        print(f"the digest of {week.label} could not be posted now: see the log above", file=sys.stderr)
        return EXIT_NOT_DONE
    return 0


def jobs_run(settings: Settings, db: Database, name: str, now_text: str | None) -> int:
    """`refdesk jobs run NAME [--now ISO]`: the scheduler's claim for that moment, then sending.

    `name` is a key of JOBS: `refdesk` refuses any other before it opens the database.
    """
    clock = system_clock
    if now_text:
        try:
            clock = fixed_clock(dt.datetime.fromisoformat(now_text))
        except ValueError:
            raise CliError(
                f"--now {now_text!r} is not an ISO-8601 moment with an offset, e.g. 2026-11-23T09:00:00+00:00"
            ) from None
    desk = build_desk(settings, db, clock=clock)
    if desk.client is None:
        print(f"refdesk: SLACK_BOT_TOKEN is not set: {name} claims, the server sends", file=sys.stderr)
    report = run_job(desk, settings, name)
    print(f"{name} at {desk.now().isoformat()}: {report.claimed} claimed, {report.sent} sent")
    return 0
