"""APScheduler inside `refdesk serve`: the delivery worker and the program's scheduled jobs.

Jobs only decide *what* is owed and write it to the outbox under a unique key; the delivery
worker sends. So a job that runs on three replicas, or twice after a restart, owes each message
once, and a message that failed is retried by the worker, not by re-running the job.
"""

from __future__ import annotations

import logging
import zoneinfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.digest_job import digest_job
from bot.jobs import JOBS, deliver_due, run_job
from bot.settings import Settings, SettingsError
from handlers.desk import Desk

log = logging.getLogger(__name__)


def deliver_pending(desk: Desk) -> None:
    """Send what is due in the outbox, in batches, until nothing due is left."""
    deliver_due(desk)


def cron_trigger(expression: str, tz: zoneinfo.ZoneInfo) -> CronTrigger:
    """A standard 5-field crontab; a 6-field one starts with seconds (handy for drills and tests)."""
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
        raise SettingsError(f"cron expression {expression!r} is invalid ({exc})") from None


def _run_scheduled(desk: Desk, settings: Settings, name: str) -> None:
    try:
        run_job(desk, settings, name)
    except Exception:
        # the claim is in the database: a later run (here or on another replica) finishes the work
        log.exception("scheduled job %s failed", name)


def build_scheduler(settings: Settings, desk: Desk) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=settings.tz, job_defaults={"coalesce": True, "max_instances": 1})
    scheduler.add_job(
        deliver_pending,
        "interval",
        args=[desk],
        seconds=settings.delivery_interval_seconds,
        id="deliver",
        name="send what the outbox owes",
    )
    for name, job in JOBS.items():
        scheduler.add_job(
            _run_scheduled,
            cron_trigger(getattr(settings, job.cron_setting), settings.tz),
            args=[desk, settings, name],
            id=name,
            name=job.description,
            misfire_grace_time=None,
        )
    scheduler.add_job(  # issue 5: the weekly digest (claimed once per ISO week in the outbox)
        digest_job,
        cron_trigger(settings.digest_cron, settings.tz),
        args=[desk],
        kwargs={"sla_hours": settings.decision_sla_hours},
        id="digest",
        name="weekly digest to the program channel",
        misfire_grace_time=None,
    )
    return scheduler
