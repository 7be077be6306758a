"""The program's scheduled jobs. Each takes the desk and "now" and only *claims* what is owed.

A job writes outbox rows under keys unique per job and period (`nudge:U123:2026-W48`,
`sla-remind:42`, ...) in one transaction and returns the keys it added; running it again in
the same period, on another replica or after a crash, adds nothing. Sending is the delivery
worker's business (`run_job` does both, for the scheduler and for `refdesk jobs run`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.settings import Settings
from handlers.delivery import deliver
from handlers.desk import Desk
from store import followups, giveback

log = logging.getLogger(__name__)

#: what each job claims: (desk, now, settings) -> the delivery keys it added
Claim = Callable[[Desk, dt.datetime, Settings], list[str]]


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    claim: Claim
    #: the name of the Settings field holding the job's cron expression
    cron_setting: str


def nudge(desk: Desk, now: dt.datetime, settings: Settings) -> list[str]:
    """Weekly: each owner whose accounts were asked more than given gets one DM."""
    today = now.astimezone(desk.tz).date()
    return [owed.key for owed in giveback.owe_nudges(desk.db, desk.policy, now=now, today=today)]


def sla_check(desk: Desk, now: dt.datetime, settings: Settings) -> list[str]:
    """Decisions waiting past the SLA remind the decider; past the escalation limit, the admins."""
    return followups.owe_sla_reminders(
        desk.db,
        now=now,
        sla=dt.timedelta(hours=settings.decision_sla_hours),
        escalation=dt.timedelta(hours=settings.escalation_hours),
        admins=desk.admins,
    )


def followup(desk: Desk, now: dt.datetime, settings: Settings) -> list[str]:
    """Approved requests past their needed-by date: ask the requester how it went (and remind once)."""
    return followups.owe_followups(desk.db, now=now, today=now.astimezone(desk.tz).date())


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job("nudge", "weekly give-back nudge to account owners", nudge, "nudge_cron"),
        Job("sla-check", "remind and escalate decisions past their SLA", sla_check, "sla_check_cron"),
        Job("followup", "ask requesters how approved references went", followup, "followup_cron"),
    )
}

#: a bound on delivery passes in one run (each pass claims a batch), so a run always ends
MAX_PASSES = 10_000


@dataclass(frozen=True)
class RunReport:
    job: str
    claimed: int
    sent: int


def deliver_due(desk: Desk) -> int:
    """Send what is due in the outbox, batch after batch, until a pass sends nothing."""
    total = 0
    for _ in range(MAX_PASSES):
        sent = deliver(desk)
        total += sent
        if sent == 0:
            break
    return total


def run_job(desk: Desk, settings: Settings, name: str, now: dt.datetime | None = None) -> RunReport:
    """Claim the job's work for `now` (default: the desk's clock), then send what is due."""
    job = JOBS[name]
    moment = now or desk.now()
    keys = job.claim(desk, moment, settings)
    sent = deliver_due(desk)
    log.info("job %s at %s: %d claimed, %d sent", name, moment.isoformat(), len(keys), sent)
    return RunReport(name, len(keys), sent)
