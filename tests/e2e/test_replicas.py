"""Three `refdesk serve` replicas on one PostgreSQL fire the same jobs; one is killed mid-run.
Each owner still gets exactly one nudge and each late request exactly one reminder."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from store.act import Act
from store.db import Database
from store.models import Account, Delivery, DeliveryStatus
from store.requests import asking
from store.requests.asking import Draft
from store.rules.policy import load_policy
from tests.support.database import open_database
from tests.support.emulator import SIGNING_SECRET, Emulator
from tests.support.program import over_asked_accounts
from tests.support.server import RefdeskServer
from tests.support.slack_proxy import SlackProxy

OWNERS = 30
LATE_REQUESTS = 4


@pytest.fixture
def backend() -> str:
    return "postgresql"


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    people = [(f"owner{i}", f"Owner {i}", f"owner{i}@example.com") for i in range(OWNERS)]
    emu = Emulator(tmp_path, extra_users=people).start()
    yield emu
    emu.stop()


def seed(db: Database, emulator: Emulator, now: dt.datetime) -> tuple[list[str], list[int]]:
    """One over-asked account per owner, and late requests waiting for one owner's decision."""
    owners = [emulator.user_id(f"owner{i}@example.com") for i in range(OWNERS)]
    over_asked_accounts(db, owners, now)
    with db.transaction() as session:
        account_id = session.scalar(select(Account.id).where(Account.owner_slack_id == owners[0]))
    late = []
    for n in range(LATE_REQUESTS):
        then = now - dt.timedelta(hours=30)
        late.append(
            asking.submit(
                db,
                load_policy(),
                Draft(account_id=account_id, activity="logo"),
                Act(emulator.ids["requester"], frozenset(), then, then.date()),
                source_key=f"late:{n}",
            ).request_id
        )
    return owners, late


def test_three_replicas_one_killed_mid_run_send_each_nudge_and_reminder_once(
    emulator: Emulator, slack: SlackProxy, env: dict[str, str], tmp_path: Path
) -> None:
    now = dt.datetime.now(dt.UTC)
    db = open_database(env["DATABASE_URL"])
    owners, late = seed(db, emulator, now)
    replica_env = {
        **env,
        "REFDESK_ADMINS": "",
        "REFDESK_NUDGE_CRON": "*/2 * * * * *",
        "REFDESK_SLA_CHECK_CRON": "*/2 * * * * *",
        "REFDESK_FOLLOWUP_CRON": "0 0 1 1 *",
        "REFDESK_DELIVERY_LEASE": "3",
        "REFDESK_POST_RATE": "8",
    }
    replicas = [RefdeskServer(replica_env, tmp_path, SIGNING_SECRET).start() for _ in range(3)]
    try:
        deadline = time.monotonic() + 30
        while (
            len(
                [
                    c
                    for c in slack.calls_to("chat.postMessage")
                    if "Time to give back" in c.args.get("text", "")
                ]
            )
            < 8
        ):
            assert time.monotonic() < deadline, replicas[0].log()
            time.sleep(0.05)
        replicas[0].stop(kill=True)

        deadline = time.monotonic() + 60
        while True:
            with db.transaction() as session:
                unsent = session.scalar(
                    select(func.count()).where(
                        Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING])
                    )
                )
                nudges = session.scalar(select(func.count()).where(Delivery.key.like("nudge:%")))
            if unsent == 0 and nudges == OWNERS:
                break
            assert time.monotonic() < deadline, (unsent, nudges, replicas[1].log()[-3000:])
            time.sleep(0.2)
        time.sleep(1)  # let any (wrong) second send from the other replicas land before counting
    finally:
        for replica in replicas:
            replica.stop()

    nudged = Counter(
        c.response["channel"]
        for c in slack.calls_to("chat.postMessage")
        if "Time to give back" in c.args.get("text", "")
    )
    owner_dms = {emulator.dm_channel(owner) for owner in owners}
    assert set(nudged) == owner_dms
    assert set(nudged.values()) == {1}, nudged
    reminders = [
        c for c in slack.calls_to("chat.postMessage") if str(c.args.get("text", "")).startswith("Reminder:")
    ]
    assert len(reminders) == LATE_REQUESTS
    with db.transaction() as session:
        failed = session.scalar(select(func.count()).where(Delivery.status == DeliveryStatus.FAILED))
        reminded = set(session.scalars(select(Delivery.request_id).where(Delivery.key.like("sla-remind:%"))))
    assert failed == 0
    assert reminded == set(late)
    db.dispose()
