"""The program's scheduled jobs: one registry for the scheduler, `refdesk jobs run` and the help.

Each job only *claims* what is owed: it writes outbox rows under keys unique per job and period
(`nudge:U123:2026-W48`, `sla-remind:42`, `digest:2026-W48`, ...) in one transaction and returns
the keys it added; running it again in the same period, on another replica or after a crash,
adds nothing. Sending is the delivery worker's business (`bot.jobs.scheduler.run_job` does both).

This module reads only `store/`: `refdesk --help` lists the registry without loading the Slack
stack (`handlers.kit.desk.Desk` is imported for type checking only).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import AliasChoices

from bot.settings import Settings
from store.bench import deciding
from store.coverage import gaps
from store.customer import consent
from store.digest import claims
from store.digest.claims import owe_digest
from store.evidence import expiry
from store.giveback import nudges, social_capital
from store.ledger import kept
from store.outbox.kinds import DeliveryKind
from store.periods import Period
from store.requests import followups

if TYPE_CHECKING:
    from handlers.kit.desk import Desk

log = logging.getLogger(__name__)

#: what each job claims: (desk, now, settings) -> the delivery keys it added
Claim = Callable[["Desk", dt.datetime, Settings], list[str]]

NO_DIGEST_CHANNEL = "REFDESK_DIGEST_CHANNEL is not set: set it to the channel's id"


@dataclass(frozen=True)
class Job:
    """One scheduled job, as the scheduler runs it and as `refdesk jobs run` and its help name it."""

    name: str
    description: str
    #: the name of the Settings field holding the job's cron expression
    cron_setting: str
    claim: Claim
    #: also run once when the scheduler starts (a process that was down at the scheduled time
    #: catches up at once)
    at_start: bool = False
    #: whether it owes messages at all (one that only keeps the database needs no Slack token)
    sends: bool = True

    @property
    def cron_variable(self) -> str:
        """The environment variable a person sets to change the schedule, e.g. REFDESK_DIGEST_CRON."""
        alias = Settings.model_fields[self.cron_setting].validation_alias
        return str(alias.choices[0]) if isinstance(alias, AliasChoices) else str(alias)


def nudge(desk: Desk, now: dt.datetime, settings: Settings) -> list[str]:
    """Weekly: each owner whose accounts were asked more than given gets one DM."""
    today = now.astimezone(desk.tz).date()
    return [owed.key for owed in nudges.owe_nudges(desk.db, desk.policy, now=now, today=today)]


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


def digest_week(desk: Desk, now: dt.datetime) -> Period:
    """The week a digest at `now` reports: the last complete one in the program's time zone."""
    return Period.last_complete_week(now, desk.tz)


def digest(desk: Desk, now: dt.datetime, settings: Settings) -> list[str]:
    """Weekly: the last complete week's digest to the program channel, once per week.

    A digest that failed for good (the app was not in the channel) is claimed again, so a run
    after the app is invited posts the missing week. Without a channel there is nowhere to post:
    one warning, nothing claimed.
    """
    if not desk.digest_channel:
        log.warning("no digest claimed: %s", NO_DIGEST_CHANNEL)
        return []
    week = digest_week(desk, now)
    key, claimed = owe_digest(desk.db, week, desk.digest_channel, now, sla_hours=settings.decision_sla_hours)
    charts = [
        claims.owe_chart(
            desk.db, week.label, desk.digest_channel, now, sla_hours=settings.decision_sla_hours, kind=kind
        )
        for kind in (DeliveryKind.DIGEST_CHART, DeliveryKind.COVERAGE_CHART)
    ]
    return ([key] if claimed else []) + [chart for chart in charts if chart]


def coverage_gaps(desk: Desk, now: dt.datetime, settings: Settings) -> list[str]:
    """Weekly: the owners of accounts in the largest gaps, where nobody can be asked, are asked to
    nominate someone; one DM per owner per week."""
    today = now.astimezone(desk.tz).date()
    return gaps.owe_gap_asks(desk.db, desk.policy, now=now, today=today, tz=desk.tz)


def consent_remind(desk: Desk, now: dt.datetime, settings: Settings) -> list[str]:
    """Advocates who have not answered the e-mail in REFDESK_CONSENT_REMIND_DAYS: the owner gets
    the four answers as buttons, once per ask."""
    return consent.owe_reminders(desk.db, now=now, after=dt.timedelta(days=settings.consent_remind_days))


def evidence_renew(desk: Desk, now: dt.datetime, settings: Settings) -> list[str]:
    """Approved words expiring within the policy's notice: their advocate is e-mailed to Renew,
    edit or Withdraw them, once per item and expiry. A program that cannot e-mail claims nothing."""
    if desk.links is None or desk.mailer is None:
        return []
    return expiry.owe_renewal_notices(desk.db, desk.policy, now, now.astimezone(desk.tz).date())


def nomination_remind(desk: Desk, now: dt.datetime, settings: Settings) -> list[str]:
    """Nominations waiting a week for the owner's decision or the contact's answer remind whoever
    they wait for, once per wait."""
    return deciding.owe_reminders(desk.db, now=now, after=deciding.REMIND_AFTER, admins=desk.admins)


def asks_window(desk: Desk, now: dt.datetime, settings: Settings) -> list[str]:
    """Daily, just after midnight: every account's asks of the last 12 months counted from the
    window's new first day, so that find reads them from the account's kept row. Claims nothing;
    until it has run on a day, find sums the asks from the entries (slower, as exact)."""
    today = now.astimezone(desk.tz).date()
    counted = kept.roll(desk.db, social_capital.since(today))
    log.info("asks of the last 12 months counted afresh for %d account(s)", counted)
    return []


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job("nudge", "weekly give-back nudge to account owners", "nudge_cron", nudge),
        Job("sla-check", "remind and escalate decisions past their SLA", "sla_check_cron", sla_check),
        Job(
            "followup",
            "ask requesters how confirmed references went; owners record answers still missing past the date",
            "followup_cron",
            followup,
        ),
        Job("digest", "weekly digest to the program channel", "digest_cron", digest),
        Job(
            "consent-remind",
            "ask owners to record advocates' answers not given by e-mail in time",
            "consent_remind_cron",
            consent_remind,
        ),
        Job(
            "evidence-renew",
            "e-mail advocates whose approved words expire soon: Renew, edit or Withdraw",
            "evidence_renew_cron",
            evidence_renew,
        ),
        Job(
            "nomination-remind",
            "remind whoever a nomination has waited a week for (the owner, or the contact), once",
            "nomination_remind_cron",
            nomination_remind,
        ),
        Job(
            "coverage-gaps",
            "weekly ask to owners to nominate advocates where coverage is short",
            "coverage_gaps_cron",
            coverage_gaps,
        ),
        Job(
            "asks-window",
            "count each account's asks of the last 12 months as the window moves (find ranks by them)",
            "asks_window_cron",
            asks_window,
            at_start=True,
            sends=False,
        ),
    )
}
