"""The `refdesk` sub-commands that act on the program as its listeners and jobs do: an admin's
adjustment (`ledger adjust`), the week's digest (`digest`) and any job now (`jobs run`), with
the same rules and the same messages as in Slack; and the ledger's own check (`ledger verify`)."""

from __future__ import annotations

import datetime as dt
import logging
import sys
import uuid
from pathlib import Path

from bot.app import build_desk
from bot.clock import clock_from, system_clock
from bot.errors import EXIT_NOT_DONE, CliError
from bot.jobs.registry import JOBS, NO_DIGEST_CHANNEL, digest_week
from bot.jobs.scheduler import run_job
from bot.settings import Settings
from handlers.coverage.in_digest import coverage_lines, coverage_now
from handlers.digest.evidence import thanks_text
from handlers.digest.fairness import chart_png, fairness_for, fairness_lines
from handlers.digest.weekly import digest_for, digest_text, named
from handlers.digest.words import week_of
from handlers.kit.desk import Desk
from handlers.outbox.sender import deliver
from store.accounts import adjustments
from store.accounts.adjustments import AdjustmentDraft
from store.db import Database
from store.errors import Invalid, NotAllowed
from store.ledger import kept
from store.rules.policy import points

log = logging.getLogger("refdesk")

#: how the terminal names the fields of an adjustment the store refuses
ADJUST_ARGUMENTS = {"account": "ACCOUNT", "amount": "AMOUNT", "reason": "--reason"}


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
    send_owed(desk, done.delivery_keys)
    return 0


def send_owed(desk: Desk, keys: tuple[str, ...]) -> None:
    """Send the DMs a command owes now, or say that `refdesk serve` will."""
    owed = list(keys)
    if owed and desk.client is None:
        print(
            "refdesk: SLACK_BOT_TOKEN is not set: the DMs are owed, `refdesk serve` sends them",
            file=sys.stderr,
        )
    elif owed and deliver(desk, owed) < len(owed):
        print("refdesk: Slack did not take every DM now: `refdesk serve` retries them", file=sys.stderr)


def ledger_verify(db: Database, *, repair: bool) -> int:
    """`refdesk ledger verify [--repair]`: every kept balance against the sum of its entries (and
    every current count of asks against the asks)."""
    verified = kept.verify(db)
    for difference in verified.differences:
        who = f"{difference.name or '(no such account)'} (account {difference.account_id})"
        if difference.asked_since is None:
            print(
                f"{who}: kept {points(difference.kept, signed=True)}, its entries add up to "
                f"{points(difference.entries, signed=True)}"
            )
        else:
            print(
                f"{who}: kept {points(difference.kept)} asked since {difference.asked_since.isoformat()}, "
                f"its asks since then add up to {points(difference.entries)}"
            )
    entries = f"{verified.entries:,} {'entry' if verified.entries == 1 else 'entries'}"
    accounts = f"{verified.accounts:,} account{'' if verified.accounts == 1 else 's'}"
    balances = sum(1 for difference in verified.differences if difference.asked_since is None)
    counts = len(verified.differences) - balances
    differ = [
        f"{number} {one if number == 1 else many} from {truth}"
        for number, one, many, truth in (
            (balances, "kept balance differs", "kept balances differ", "the entries"),
            (counts, "kept count of asks differs", "kept counts of asks differ", "the asks"),
        )
        if number
    ]
    agree = "every kept balance is the sum of its entries"
    print(f"{entries} on {accounts}: " + ("; ".join(differ) or agree))
    if verified.differences and repair:
        orphaned = kept.rebuild(db)
        print("rewrote the kept balances and counts from the entries")
        if orphaned:
            ids = ", ".join(str(account_id) for account_id in orphaned)
            print(
                f"left the entries of {len(orphaned)} account{'' if len(orphaned) == 1 else 's'} that "
                f"no longer exist{'s' if len(orphaned) == 1 else ''} ({ids}): restore the account or "
                "delete its entries",
                file=sys.stderr,
            )
            return EXIT_NOT_DONE
        return 0
    return EXIT_NOT_DONE if verified.differences else 0


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
        who = named(desk)
        print(digest_text(digest_for(desk, week, sla), now, who))
        print("\n".join(fairness_lines(fairness_for(desk, week), who) + thanks_text(desk, week)))
        print("\n".join(coverage_lines(coverage_now(desk), desk)))
        if chart is not None:
            write_chart(chart, chart_png(desk, week))
        return 0
    if desk.client is None:
        raise CliError("SLACK_BOT_TOKEN is missing: it is needed to post the digest")
    if not desk.digest_channel:
        raise CliError(NO_DIGEST_CHANNEL)
    keys = JOBS["digest"].claim(desk, now, settings)
    if not keys:
        print(f"the digest of the {week_of(week)} was already posted: nothing sent")
    elif deliver(desk, keys):
        print(f"posted the digest of the {week_of(week)} in {desk.digest_channel}")
    else:
        print(
            f"the digest of the {week_of(week)} could not be posted now: see the log above", file=sys.stderr
        )
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
    clock, moment = system_clock, None
    if now_text:
        try:
            moment = dt.datetime.fromisoformat(now_text)
            clock = clock_from(moment)
        except ValueError:
            raise CliError(
                f"--now {now_text!r} is not an ISO-8601 moment with an offset, e.g. 2026-11-23T09:00:00+00:00"
            ) from None
    # the job claims at `--now` and its clock runs on from there; the leases of what it sends are
    # real time, or a moment hours ahead would take over a running sender's claims (and one in
    # the past lose its own)
    desk = build_desk(settings, db, clock=clock, wall_clock=system_clock)
    if desk.client is None and JOBS[name].sends:
        print(f"refdesk: SLACK_BOT_TOKEN is not set: {name} claims, the server sends", file=sys.stderr)
    at = moment or desk.now()
    report = run_job(desk, settings, name, at, sweep=moment is None)
    print(f"{name} at {at.isoformat()}: {report.claimed} claimed, {report.sent} sent")
    return 0
