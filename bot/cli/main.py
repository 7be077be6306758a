"""`refdesk`: serve the app, run its worker, migrate, back up and restore the database, import a CRM
export, inspect accounts and the messages owed to Slack, adjust a balance, run the scheduled jobs
by hand.

Errors a person can fix are printed as one line (`refdesk: ...`) with exit status 2; they never
show a traceback. The sub-commands (`bot.cli.data`, `bot.cli.program`, `bot.cli.prove`,
`bot.serve.command`, `bot.worker.command`) are imported only once the arguments are parsed, so
`refdesk --help` and a usage error do not wait for the Slack stack to load.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import OperationalError

from bot.cli.parsers import coverage_parsers, outcome_parsers
from bot.errors import EXIT_USAGE, CliError
from bot.jobs.registry import JOBS
from bot.logs import configure
from bot.process.http import THREADS
from bot.settings import Settings, SettingsError, load_settings
from store.backup import BackupError
from store.db import Database, SchemaOutOfDate
from store.deadlines import BATCH, Limits
from store.errors import Unavailable
from store.imports.importer import ImportFileError
from store.rules.policy import PolicyError

log = logging.getLogger("refdesk")
#: libraries whose INFO lines only `--verbose` shows
QUIET_UNLESS_VERBOSE = ("alembic", "apscheduler")
#: the processes that log their life (the other commands print their result)
LONG_RUNNING = ("serve", "worker")
#: `refdesk worker`'s probe port when none is given
WORKER_PORT = 9100


def _jobs_table() -> str:
    """The registry as the help shows it: each job, the setting that schedules it, what it does."""
    name_width = max(len(name) for name in JOBS)
    variable_width = max(len(job.cron_variable) for job in JOBS.values())
    lines = [
        f"  {job.name.ljust(name_width)}  {job.cron_variable.ljust(variable_width)}  {job.description}"
        for job in JOBS.values()
    ]
    return "jobs (`refdesk serve` runs each on the schedule its setting holds):\n" + "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="refdesk", description="Reference Desk, the customer reference program in Slack."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve Slack (Socket Mode if SLACK_APP_TOKEN is set, else HTTP)")
    mode = serve.add_mutually_exclusive_group()
    mode.add_argument("--http", action="store_true", help="serve HTTP even if SLACK_APP_TOKEN is set")
    mode.add_argument("--socket", action="store_true", help="use Socket Mode (needs SLACK_APP_TOKEN)")
    serve.add_argument("--host", default="0.0.0.0", help="HTTP bind address (default 0.0.0.0)")
    serve.add_argument(
        "--port",
        type=int,
        default=None,
        help="HTTP port (default 3000); in Socket Mode, serve /healthz on it (default: no port)",
    )
    serve.add_argument(
        "--threads", type=int, default=THREADS, help=f"HTTP worker threads (default {THREADS})"
    )
    serve.add_argument(
        "--no-scheduler", action="store_true", help="do not run scheduled jobs in this process"
    )
    serve.add_argument(
        "--no-worker",
        action="store_true",
        help="only ack, record and enqueue: `refdesk worker` sends and runs the jobs "
        "(as REFDESK_WORKER=external)",
    )

    worker = sub.add_parser(
        "worker", help="send what the outbox owes and run the scheduled jobs (no Slack listener)"
    )
    worker.add_argument(
        "--host", default="0.0.0.0", help="bind address of /livez, /readyz, /metrics (default 0.0.0.0)"
    )
    worker.add_argument(
        "--port",
        type=int,
        default=WORKER_PORT,
        help=f"port of /livez, /readyz, /metrics (default {WORKER_PORT})",
    )

    db = sub.add_parser("db", help="database schema, backups")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="create or migrate the schema to this version (one process at a time)")
    db_sub.add_parser("check", help="exit 0 if the schema is up to date")
    backup = db_sub.add_parser(
        "backup", help="write a consistent copy of the database to FILE, while it runs"
    )
    backup.add_argument("file", type=Path, metavar="FILE")
    restore = db_sub.add_parser(
        "restore", help="replace the database's contents with FILE (stop every process first)"
    )
    restore.add_argument("file", type=Path, metavar="FILE")

    imp = sub.add_parser("import", help="import a CRM export (CSV)")
    imp_sub = imp.add_subparsers(dest="what", required=True)
    for what in ("accounts", "advocates", "opportunities", "promoters"):
        one = imp_sub.add_parser(what, help=f"import {what}.csv")
        one.add_argument("file", type=Path)
        one.add_argument("--skip-bad-rows", action="store_true", help="import the good rows, report the bad")
    for what, example in (
        ("opportunities", "'Opportunity Name=name,Amount (converted)=amount'"),
        ("promoters", "'Respondent Email=email,Company=account,NPS=score,Submitted=date'"),
    ):
        imp_sub.choices[what].add_argument(
            "--map",
            default="",
            metavar="'HEADER=column,...'",
            help=f"read the file's own headers as these columns, e.g. {example}",
        )

    people = sub.add_parser("advocates", help="a person's data rights: export or erase what is held")
    people_sub = people.add_subparsers(dest="advocates_command", required=True)
    export = people_sub.add_parser("export", help="everything held about EMAIL, as JSON (or --csv)")
    export.add_argument("email", metavar="EMAIL")
    export.add_argument("--csv", action="store_true", help="CSV instead of JSON")
    forget = people_sub.add_parser("forget", help="erase EMAIL's details (asks stay as sums)")
    forget.add_argument("email", metavar="EMAIL")

    accounts = sub.add_parser("accounts", help="list accounts with their balance")
    accounts.add_argument("--json", action="store_true", help="machine-readable output")

    owed = sub.add_parser("deliveries", help="Slack messages still owed, and those given up on")
    owed.add_argument("--failed", action="store_true", help="only those given up on")
    owed.add_argument("--json", action="store_true", help="machine-readable output")

    ledger = sub.add_parser("ledger", help="the equity ledger")
    ledger_sub = ledger.add_subparsers(dest="ledger_command", required=True)
    adjust = ledger_sub.add_parser(
        "adjust",
        help="post an admin adjustment: add or take away points, with a reason",
        description="Post an admin adjustment, as `/reference adjust` does: the ledger keeps the reason, "
        "the account's owner gets a DM, and --by gets the receipt.",
    )
    adjust.add_argument("account", metavar="ACCOUNT", help="the account's name or CRM id")
    adjust.add_argument(
        "amount", metavar="AMOUNT", help="points to add (5) or take away (-3): not 0, at most 1000 either way"
    )
    adjust.add_argument("--reason", default="", help="why (required): kept on the ledger, the owner reads it")
    adjust.add_argument(
        "--by",
        metavar="USER_ID",
        help="the program admin (in REFDESK_ADMINS) it is posted for: named on the ledger, sent the "
        "receipt; without it the ledger names refdesk-cli",
    )
    verify = ledger_sub.add_parser(
        "verify",
        help="recompute every balance from the ledger's entries; exit 1 when a kept one differs",
        description="Each account's balance is kept beside the ledger in the transaction of every entry; "
        "the entries are the truth. This sums them again and names every account whose kept balance "
        "differs (exit 1), or says they all agree (exit 0).",
    )
    verify.add_argument(
        "--repair",
        action="store_true",
        help="then rewrite the kept balances from the entries (after entries were written around the app)",
    )

    digest = sub.add_parser("digest", help="post the last complete week's digest (once per week)")
    digest.add_argument("--dry-run", action="store_true", help="print it here instead; post nothing")
    digest.add_argument(
        "--chart",
        metavar="FILE.png",
        type=Path,
        help="with --dry-run: also write the digest's chart to FILE.png",
    )

    outcome_parsers(sub)
    coverage_parsers(sub)

    jobs = sub.add_parser("jobs", help=f"scheduled jobs: {', '.join(JOBS)}")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True)
    run = jobs_sub.add_parser(
        "run",
        help="run one job now (claims its period once, then sends)",
        description="Run one scheduled job now, with the scheduler's once-per-period claim:\n"
        "running it twice in a period sends nothing twice.",
        epilog=_jobs_table(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("name", metavar="NAME", help=f"the job: {', '.join(JOBS)}")
    run.add_argument("--now", help="the moment to run it as (ISO-8601 with an offset), default now")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # A server logs its life; a one-shot command prints its result and stays quiet otherwise.
    level = (
        logging.DEBUG if args.verbose else logging.INFO if args.command in LONG_RUNNING else logging.WARNING
    )
    configure(level)
    if not args.verbose:
        # their start-up chatter (each migration context, each job added) says nothing a person
        # running `refdesk serve` acts on; our own start line says what runs (`bot.serve.startup`)
        for chatty in QUIET_UNLESS_VERBOSE:
            logging.getLogger(chatty).setLevel(logging.WARNING)
    try:
        _check_usage(args)
        settings = load_settings()
        configure(level, settings.log_format, settings.secrets())
        return _run(args, settings)
    except (
        SettingsError,
        SchemaOutOfDate,
        PolicyError,
        ImportFileError,
        CliError,
        Unavailable,
        BackupError,
    ) as exc:
        print(f"refdesk: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OperationalError as exc:
        print(f"refdesk: {_unreachable(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # the reader went away (`refdesk accounts --json | head`): not an error of ours; keep the
        # interpreter from complaining again when it flushes stdout on exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130


def _unreachable(exc: OperationalError) -> str:
    """One line for a database that cannot be reached or used, naming what to check."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else exc.__class__.__name__
    return (
        f"the database is unreachable ({reason[:200]}): check DATABASE_URL, and that the database "
        "server is running and reachable"
    )


def _check_usage(args: argparse.Namespace) -> None:
    """Refuse in one line what argparse would refuse in two (usage + error), before any setting
    or database is read."""
    if args.command == "jobs" and args.name not in JOBS:
        raise CliError(f"unknown job {args.name!r}: the jobs are {', '.join(JOBS)}")


def _limits(args: argparse.Namespace, settings: Settings) -> Limits:
    """`serve` answers Slack within 3 s, so its database work is bounded by the settings; the
    other commands (imports, migrations, jobs run by hand) may take the time their work needs. The
    worker runs what `serve` runs without a worker, so it runs under the same bounds."""
    if args.command not in LONG_RUNNING:
        return BATCH
    return Limits(
        connect=settings.db_connect_timeout,
        statement=settings.db_statement_timeout,
        pool=settings.db_pool_timeout,
        transaction=settings.db_transaction_budget,
    )


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli import coverage, data, people, program, prove
    from bot.serve import command
    from bot.worker import command as worker

    db = Database(settings.database_url, limits=_limits(args, settings))
    try:
        if args.command == "serve":
            return command.serve(settings, db, args)
        if args.command == "worker":
            return worker.work(settings, db, args)
        if args.command == "simulate":
            return prove.simulate(settings, args)
        if args.command == "db":
            return data.db_command(db, args.db_command, getattr(args, "file", None))
        db.check_schema()
        if args.command == "import":
            mapping = getattr(args, "map", "")
            return data.import_file(settings, db, args.what, args.file, args.skip_bad_rows, mapping)
        if args.command == "accounts":
            return data.accounts(settings, db, as_json=args.json)
        if args.command == "advocates" and args.advocates_command == "export":
            return people.advocates_export(settings, db, args.email, as_csv=args.csv)
        if args.command == "advocates":
            return people.advocates_forget(settings, db, args.email)
        if args.command == "deliveries":
            return data.list_deliveries(db, failed_only=args.failed, as_json=args.json)
        if args.command == "ledger" and args.ledger_command == "verify":
            return program.ledger_verify(db, repair=args.repair)
        if args.command == "ledger":
            return program.ledger_adjust(settings, db, args.account, args.amount, args.reason, args.by)
        if args.command == "digest":
            return program.digest(settings, db, dry_run=args.dry_run, chart=args.chart)
        if args.command == "report":
            return prove.report(settings, db, args.since, as_json=args.json)
        if args.command == "policy":
            return prove.policy_simulate(settings, db, args.file, args.since)
        if args.command == "jobs":
            return program.jobs_run(settings, db, args.name, args.now)
        if args.command == "coverage" and args.coverage_command == "plan":
            return coverage.plan_command(settings, db, args.file)
        if args.command == "coverage":
            return coverage.coverage_command(
                settings, db, since=args.since, by=args.by, as_json=args.json, chart_file=args.chart
            )
        raise CliError(f"unknown command {args.command}")
    finally:
        db.dispose()
