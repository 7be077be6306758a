"""The scheduler is built from the job registry: one APScheduler job per registry entry, each on
the cron expression its own setting holds, plus the delivery worker; nothing scheduled beside it."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.app import build_desk
from bot.jobs.registry import JOBS
from bot.jobs.scheduler import build_scheduler, run_job
from bot.settings import SettingsError, load_settings
from handlers.outbox.answering import SENDER_TURN
from store.db import Database
from store.outbox import listing, queue
from store.outbox.kinds import DeliveryKind
from store.outbox.payloads import ChannelHelpPayload
from tests.support.database import open_database
from tests.support.paths import ROOT
from tests.support.turns import kept_elsewhere


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting inherited from the shell, and no `.env` in the working directory."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "REFDESK_")) or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def own_schedules(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A different cron expression for every job, set through its documented variable."""
    schedules = {job.name: f"{minute} 6 * * *" for minute, job in enumerate(JOBS.values(), start=7)}
    for job in JOBS.values():
        monkeypatch.setenv(job.cron_variable, schedules[job.name])
    return schedules


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """Not upgraded: a scheduler that is built but not started touches no table (a test that runs
    one of its jobs upgrades it)."""
    db = open_database(f"sqlite:///{tmp_path / 'refdesk.db'}")
    yield db
    db.dispose()


def test_every_registry_job_is_scheduled_once_beside_the_delivery_worker(
    own_schedules: dict[str, str], database: Database
) -> None:
    settings = load_settings(delivery_interval_seconds=3)

    scheduled = build_scheduler(settings, build_desk(settings, database)).get_jobs()

    assert sorted(job.id for job in scheduled) == sorted(["deliver", *JOBS])
    by_id = {job.id: job for job in scheduled}
    worker = by_id.pop("deliver")
    assert isinstance(worker.trigger, IntervalTrigger)
    assert worker.trigger.interval.total_seconds() == 3
    for name, job in by_id.items():
        expected = CronTrigger.from_crontab(own_schedules[name], timezone=settings.tz)
        assert str(job.trigger) == str(expected), name
        assert job.name == JOBS[name].description
        assert job.args[-1] == name


def test_the_asks_window_is_also_counted_when_the_scheduler_starts(database: Database) -> None:
    """A process that was down at 00:05 counts the window at once: until then find sums every
    account's asks from the ledger."""
    settings = load_settings()
    before = dt.datetime.now(settings.tz)

    scheduled = {job.id: job for job in build_scheduler(settings, build_desk(settings, database)).get_jobs()}

    assert [name for name, job in JOBS.items() if job.at_start] == ["asks-window"]
    assert before <= scheduled["asks-window"].next_run_time <= dt.datetime.now(settings.tz)


def test_each_job_names_the_setting_that_schedules_it() -> None:
    variables = {name: job.cron_variable for name, job in JOBS.items()}

    assert variables == {
        "nudge": "REFDESK_NUDGE_CRON",
        "sla-check": "REFDESK_SLA_CHECK_CRON",
        "followup": "REFDESK_FOLLOWUP_CRON",
        "digest": "REFDESK_DIGEST_CRON",
        "consent-remind": "REFDESK_CONSENT_REMIND_CRON",
        "evidence-renew": "REFDESK_EVIDENCE_RENEW_CRON",
        "nomination-remind": "REFDESK_NOMINATION_REMIND_CRON",
        "coverage-gaps": "REFDESK_COVERAGE_GAPS_CRON",
        "asks-window": "REFDESK_ASKS_WINDOW_CRON",
    }


def test_a_malformed_schedule_stops_start_up_naming_its_variable(
    monkeypatch: pytest.MonkeyPatch, database: Database
) -> None:
    monkeypatch.setenv("REFDESK_DIGEST_CRON", "every monday")
    settings = load_settings()

    with pytest.raises(SettingsError) as refused:
        build_scheduler(settings, build_desk(settings, database))

    message = str(refused.value)
    assert message.startswith("REFDESK_DIGEST_CRON is invalid (cron expression 'every monday': ")
    assert message.endswith("set REFDESK_DIGEST_CRON to a crontab such as '0 9 * * mon'")
    assert "\n" not in message


def test_the_docs_list_every_registered_job_with_its_schedule_variable() -> None:
    rows = [
        line
        for line in (ROOT / "docs" / "operating.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("| `") and "_CRON`" in line
    ]
    listed = {line.split("`")[1]: line for line in rows if not line.startswith("| `REFDESK_")}
    assert set(listed) == set(JOBS), "docs/operating.md's jobs table and bot/jobs/registry.py JOBS disagree"
    for name, job in JOBS.items():
        assert f"`{job.cron_variable}`" in listed[name]


def test_a_delivery_pass_that_cannot_get_the_senders_turn_warns_and_leaves_what_is_owed(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """The periodic pass of one process (serve without a worker) under a stream of clicks: while
    another sending thread keeps the sender's turn past its bound, the pass claims nothing and
    says so as a warning — not as a failed job with a traceback — and the delivery stays owed."""
    settings = load_settings(slack_bot_token="xoxb-test", slack_api_url="http://127.0.0.1:9/api/")
    database.upgrade()
    desk = build_desk(settings, database)
    old = desk.now() - dt.timedelta(minutes=5)  # past the listeners' grace: the pass's to send
    with database.transaction() as session:
        queue.enqueue(
            session,
            key="digest_channel_help:2026-W48:U0OWNER",
            kind=DeliveryKind.DIGEST_CHANNEL_HELP,
            recipient="U0OWNER",
            now=old,
            payload=ChannelHelpPayload("2026-W48", "C0PROGRAM"),
        )
    periodic = build_scheduler(settings, desk).get_job("deliver")
    with kept_elsewhere(SENDER_TURN), caplog.at_level(logging.WARNING):
        periodic.func(*periodic.args)

    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r for r in caplog.records if r.levelno == logging.WARNING and "delivery pass" in r.getMessage()]
    assert listing.count_by_status(database) == {"pending": 1}


def test_a_job_whose_sends_cannot_get_the_senders_turn_keeps_its_claims_owed_and_warns(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """A scheduled job claims, then sends what it claimed. The sending finding the database away
    (here the sender's turn, kept by another thread) is not the job failing: the claims stay owed
    for the delivery pass, the run reports them, and the log warns instead of a traceback."""
    settings = load_settings(
        slack_bot_token="xoxb-test", slack_api_url="http://127.0.0.1:9/api/", digest_channel="C0PROGRAM"
    )
    database.upgrade()
    desk = build_desk(settings, database)
    with kept_elsewhere(SENDER_TURN), caplog.at_level(logging.WARNING):
        report = run_job(desk, settings, "digest")

    assert report.claimed >= 1 and report.sent == 0
    assert listing.count_by_status(database) == {"pending": report.claimed}
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r for r in caplog.records if r.levelno == logging.WARNING and "digest" in r.getMessage()]
