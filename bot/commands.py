"""What each `refdesk` sub-command does, once its arguments are parsed."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import logging
import sys
import threading
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
from bot.server import SLACK_PATH, SlackWsgi, bind_http
from bot.settings import Settings
from bot.slack_client import make_web_client
from bot.socket_mode import SocketModeLink
from bot.startup import identify, started
from handlers.advocate.pages import advocate_site
from handlers.digest.fairness import chart_png, fairness_for, fairness_lines
from handlers.digest.weekly import digest_for, digest_text
from handlers.outbox.sender import deliver
from store.accounts import adjustments
from store.accounts.adjustments import AdjustmentDraft
from store.accounts.lookup import list_accounts
from store.db import Database
from store.errors import Invalid, NotAllowed
from store.imports.importer import OwnerResolver, count_rows, import_accounts, import_advocates
from store.imports.opportunities import import_opportunities, parse_mapping
from store.outbox.listing import count_by_status, not_sent
from store.rules.policy import load_policy, points

log = logging.getLogger("refdesk")

PROGRESS_FROM_ROWS = 500
#: how the terminal names the fields of an adjustment the store refuses
ADJUST_ARGUMENTS = {"account": "ACCOUNT", "amount": "AMOUNT", "reason": "--reason"}


#: `serve --http`'s port when none is given; Socket Mode listens only on a port it is given
DEFAULT_HTTP_PORT = 3000


def serve(settings: Settings, db: Database, args: argparse.Namespace) -> int:
    """Check everything that can be checked (schema, tokens, Slack, the port), then serve.

    Socket Mode opens its connection before anything is served: a start that cannot work stops
    with one line. `--port` in Socket Mode also serves the WSGI app's other routes (`/healthz`).
    """
    db.check_schema()
    socket_mode = args.socket or (settings.slack_app_token is not None and not args.http)
    settings.require_slack(socket_mode=socket_mode)
    desk = build_desk(settings, db)
    assert desk.client is not None
    app = build_app(settings, desk, socket_mode=socket_mode)
    identity = identify(settings, desk.client, required=socket_mode)
    link = SocketModeLink(settings, app, desk.client) if socket_mode else None
    #: the advocate's pages need a port in Socket Mode too: REFDESK_PUBLIC_URL points at it
    pages = advocate_site(desk) if desk.links is not None else None
    serves_pages = pages is not None or not socket_mode
    port = args.port if args.port is not None or not serves_pages else DEFAULT_HTTP_PORT
    http = None
    if port is not None:
        secret = None if socket_mode else settings.slack_signing_secret
        wsgi = SlackWsgi(app, db, secret.get_secret_value() if secret else None, link, pages=pages)
        http = bind_http(wsgi, args.host, port, threads=args.threads)
    if link is not None:
        link.open()
    url = f"http://{args.host}:{port}"
    pages_too = ", the advocate's pages" if pages is not None else ""
    if not socket_mode:
        mode, where = "HTTP", f"Slack posts to {url}{SLACK_PATH}, /healthz{pages_too} there too"
    elif http is not None:
        mode, where = "Socket Mode", f"/healthz{pages_too} on {url}"
    else:
        mode, where = "Socket Mode", "no HTTP port (--port N serves /healthz)"
    log.info(started(settings, identity, mode, where))
    # said once the start has worked: a start that cannot work says one line, its reason
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
        if link is None:
            assert http is not None
            http.run()
        else:
            if http is not None:
                threading.Thread(target=http.run, name="http", daemon=True).start()
            link.wait()
    finally:
        if link is not None:
            link.close()
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


def import_file(
    settings: Settings, db: Database, what: str, path: Path, skip_bad_rows: bool, mapping: str = ""
) -> int:
    try:
        rename = parse_mapping(mapping)
    except ValueError as exc:
        raise CliError(f"--map: {exc}") from None
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
        elif what == "opportunities":
            report = import_opportunities(
                db,
                path,
                load_policy(settings.policy_file),
                now=system_clock(),
                rename=rename,
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
            desk.act(by or adjustments.OPERATOR),
            source_key=f"cli:{uuid.uuid4().hex}",
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


def digest(settings: Settings, db: Database, *, dry_run: bool, chart: Path | None = None) -> int:
    """`refdesk digest [--dry-run]`: the digest job's claim, then its one post, said in words.

    Unlike `refdesk jobs run digest` it sends only the digest and tells whether it went out.
    """
    desk = build_desk(settings, db)
    now = desk.now()
    week = digest_week(desk, now)
    if chart is not None and not dry_run:
        raise CliError("--chart writes the chart of a dry run: add --dry-run")
    if dry_run:
        sla = dt.timedelta(hours=settings.decision_sla_hours)
        print(digest_text(digest_for(desk, week, sla), now))
        print("\n".join(fairness_lines(fairness_for(desk, week))))
        if chart is not None:
            write_chart(chart, chart_png(desk, week))
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


def write_chart(path: Path, png: bytes) -> None:
    try:
        path.write_bytes(png)
    except OSError as exc:
        raise CliError(f"cannot write the chart to {path}: {exc.strerror}") from None
    print(f"\nchart: {path.resolve()}")


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
