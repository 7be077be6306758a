"""Running the registry's jobs: APScheduler inside `refdesk serve`, or one job now (`run_job`,
for `refdesk jobs run`).

Jobs only decide *what* is owed and write it to the outbox under a unique key; the delivery
worker sends. So a job that runs on three replicas, or twice after a restart, owes each message
once, and a message that failed is retried by the worker, not by re-running the job.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import zoneinfo
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.jobs.registry import JOBS
from bot.metrics import JOB_CLAIMS, JOB_RUNS
from bot.settings import Settings, SettingsError
from handlers.kit.desk import Desk
from handlers.outbox.sender import deliver
from store.errors import Unavailable
from store.logfields import tagged
from store.outbox import listing

log = logging.getLogger(__name__)

#: a bound on delivery passes in one run (each pass claims a batch), so a run always ends
MAX_PASSES = 10_000
#: what a listener owed this recently is its own to send (`send_soon` claims it within
#: milliseconds): the periodic pass leaves it alone, or it would send those one by one behind
#: its whole batch (the burst benchmark's tail of 15 s); anything older it takes as before
LISTENERS_GRACE = dt.timedelta(seconds=2)
#: what the periodic pass claims at a time: it sends its claims one after another, so a big
#: claim holds messages a free delivery thread could send at once (in the burst, 50 claimed
#: together took 10 s to go out); it claims again until nothing is due
PERIODIC_BATCH = 10
#: how long a drill waits for what it claimed and could not send at once (a channel's second,
#: the deployment's pace, a short 429): what is due later is the server's to send
DRILL_PATIENCE = 30.0


@dataclass(frozen=True)
class RunReport:
    job: str
    claimed: int
    sent: int


def deliver_due(
    desk: Desk, fresh_for: dt.timedelta = dt.timedelta(0), batch: int = 50, keys: list[str] | None = None
) -> int:
    """Send what is due in the outbox (only `keys` when given), `batch` by `batch`, until a pass
    sends nothing.

    `fresh_for`: the periodic worker leaves alone what listeners owed that recently.
    """
    total = 0
    for _ in range(MAX_PASSES):
        sent = deliver(desk, keys, fresh_for=fresh_for, limit=batch)
        total += sent
        if sent == 0:
            break
    return total


def deliver_claimed(desk: Desk, keys: list[str], patience: float = DRILL_PATIENCE) -> int:
    """Send these deliveries, waiting out (at most `patience` seconds of waiting in all) those
    handed back to come due again a moment later: a drill's clock runs on from its moment
    (`bot.clock.clock_from`), and one held for its channel's second is due on it a second later.
    Stopping at the first pass that sent nothing left such a message due days ahead of real time
    for a drill that long ahead, so nothing sent it until then (a follow-up reminder that never
    came)."""
    if desk.client is None:
        return 0
    total, waited = 0, 0.0
    for _ in range(MAX_PASSES):
        total += deliver(desk, keys)
        due = listing.next_pending(desk.db, keys)
        if due is None:
            break
        # the patience is for waiting, not sending: hundreds of DMs at the pace take longer
        wait = max(0.05, (due - desk.now()).total_seconds())
        if waited + wait > patience:
            break
        time.sleep(wait)
        waited += wait
    return total


def run_job(
    desk: Desk, settings: Settings, name: str, now: dt.datetime | None = None, *, sweep: bool = True
) -> RunReport:
    """Claim the job's work for `now` (default: the desk's clock), then send what is due — unless
    a worker process sends (`desk.worker_sends`): the claim's commit woke it.

    Not `sweep` (a drill's clock, `refdesk jobs run --now`): only what this run claimed is sent
    (`deliver_claimed`).
    What others owe is due by real time, not the drill's: a DM held until tomorrow morning must
    not go out because a drill said it is tomorrow."""
    job = JOBS[name]
    moment = now or desk.now()
    with tagged(job=name):
        try:
            keys = job.claim(desk, moment, settings)
        except Exception:
            JOB_RUNS.labels(name, "failed").inc()
            raise
        JOB_RUNS.labels(name, "ok").inc()
        JOB_CLAIMS.labels(name).inc(len(keys))
        try:
            if desk.worker_sends:
                sent = 0
            elif sweep:
                sent = deliver_due(desk)
            else:
                sent = deliver_claimed(desk, keys)
        except Unavailable as away:
            # what it claimed is owed in the database: the delivery pass sends it
            log.warning("job %s: sending what it claimed stopped: %s; the delivery pass sends it", name, away)
            sent = 0
        log.info("job %s at %s: %d claimed, %d sent", name, moment.isoformat(), len(keys), sent)
    return RunReport(name, len(keys), sent)


def cron_trigger(expression: str, tz: zoneinfo.ZoneInfo, variable: str) -> CronTrigger:
    """A standard 5-field crontab; a 6-field one starts with seconds (handy for drills and tests).

    `variable` is the setting the expression came from, so a typo stops start-up naming it.
    """
    parts = expression.split()
    try:
        if len(parts) == 6:
            second, minute, hour, day, month, day_of_week = parts
            return CronTrigger(
                second=second,
                minute=minute,
                hour=hour,
                day=day,
                month=month,
                day_of_week=day_of_week,
                timezone=tz,
            )
        return CronTrigger.from_crontab(expression, timezone=tz)
    except ValueError as exc:
        raise SettingsError(
            f"{variable} is invalid (cron expression {expression!r}: {exc}): "
            f"set {variable} to a crontab such as '0 9 * * mon'"
        ) from None


def _run_scheduled(desk: Desk, settings: Settings, name: str) -> None:
    """One firing of a registry job. A failure is only logged under the job's name: what was
    claimed is in the database, so a later run (here or on another replica) finishes the work."""
    try:
        run_job(desk, settings, name)
    except Exception:
        log.exception("scheduled job %s failed", name)


def _periodic_pass(desk: Desk) -> None:
    """The delivery worker's pass every REFDESK_DELIVERY_INTERVAL. The database away (a lock, the
    sender's turn) is a warning, not a failed job: what was not claimed stays owed and what was
    stays under its lease, and the next pass, seconds later, tries again — as a worker's senders
    do (`bot.worker.sending`)."""
    try:
        deliver_due(desk, LISTENERS_GRACE, PERIODIC_BATCH)
    except Unavailable as away:
        log.warning("a delivery pass stopped: %s; the next pass tries again", away)


def build_scheduler(settings: Settings, desk: Desk) -> BackgroundScheduler:
    """Each registry job on its cron setting, and (unless a worker process sends: its own loop,
    `bot.worker.sending`, does) the delivery worker's periodic pass."""
    scheduler = BackgroundScheduler(timezone=settings.tz, job_defaults={"coalesce": True, "max_instances": 1})
    if not desk.worker_sends:
        scheduler.add_job(
            _periodic_pass,
            "interval",
            args=[desk],
            seconds=settings.delivery_interval_seconds,
            id="deliver",
            name="send what the outbox owes",
        )
    for job in JOBS.values():
        scheduler.add_job(
            _run_scheduled,
            cron_trigger(getattr(settings, job.cron_setting), settings.tz, job.cron_variable),
            args=[desk, settings, job.name],
            id=job.name,
            name=job.description,
            misfire_grace_time=None,
            **({"next_run_time": dt.datetime.now(settings.tz)} if job.at_start else {}),
        )
    return scheduler
