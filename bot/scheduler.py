"""APScheduler inside `refdesk serve`: the delivery worker and the program's scheduled jobs.

Jobs only decide *what* is owed and write it to the outbox under a unique key; the delivery
worker sends. So a job that runs on three replicas, or twice after a restart, owes each message
once, and a message that failed is retried by the worker, not by re-running the job.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler

from bot.settings import Settings
from handlers.delivery import deliver
from handlers.desk import Desk

log = logging.getLogger(__name__)


def deliver_pending(desk: Desk) -> None:
    """Send what is due in the outbox, in batches, until nothing due is left."""
    while deliver(desk, limit=50) == 50:
        pass


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
    return scheduler
