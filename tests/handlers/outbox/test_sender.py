"""The delivery worker against Slack (the emulator, behind the recording proxy): every kind can be
rendered, a renderer that raises fails its delivery after a few tries (and `refdesk deliveries`
shows it), and a post whose outcome is unknown is looked for before it is posted again — one
that Slack refused is not."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import build_desk
from bot.settings import load_settings
from handlers.kit.desk import Desk
from handlers.outbox.answering import ANSWERING, SENDER_TURN, YIELD_SECONDS
from handlers.outbox.attempts import MAX_RENDER_ATTEMPTS
from handlers.outbox.sender import deliver, send_soon
from handlers.routes import ROUTES
from store.db import Database
from store.deadlines import Limits
from store.models import Delivery, DeliveryStatus
from store.outbox import listing, queue
from store.outbox.fields import Payload
from store.outbox.kinds import DeliveryKind
from store.outbox.payloads import ChannelHelpPayload, HomeRefreshPayload
from tests.support.database import open_database
from tests.support.emulator import BOT_TOKEN, Emulator
from tests.support.server import run_cli
from tests.support.slack_proxy import SlackProxy
from tests.support.turns import kept_elsewhere

START = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emu = Emulator(tmp_path_factory.mktemp("emulator")).start()
    yield emu
    emu.stop()


@pytest.fixture
def slack(emulator: Emulator) -> Iterator[SlackProxy]:
    proxy = SlackProxy(emulator.api_url)
    yield proxy
    proxy.close()


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now

    def later(self, hours: float = 1) -> None:
        self.now += dt.timedelta(hours=hours)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(tmp_path: Path, slack: SlackProxy, clock: Clock) -> Iterator[Desk]:
    settings = load_settings(
        slack_bot_token=BOT_TOKEN,
        slack_api_url=slack.api_url,
        database_url=f"sqlite:///{tmp_path / 'refdesk.db'}",
        scheduler_enabled=False,
    )
    db = open_database(settings.database_url)
    db.upgrade()
    yield build_desk(settings, db, clock=clock)
    db.dispose()


def owe_row(desk: Desk, key: str, kind: str, recipient: str, data: dict[str, object]) -> None:
    """A row as another version of the program (or a bug) might have left it: no checks."""
    with desk.db.transaction() as session:
        session.add(
            Delivery(
                key=key,
                kind=kind,
                recipient=recipient,
                data=data,
                status=DeliveryStatus.PENDING,
                attempts=0,
                next_attempt_at=desk.now(),
                created_at=desk.now(),
            )
        )


def owe(desk: Desk, key: str, kind: DeliveryKind, recipient: str, payload: Payload) -> str:
    """A delivery owed as the store owes it (`queue.enqueue`); its key."""
    with desk.db.transaction() as session:
        queue.enqueue(session, key=key, kind=kind, recipient=recipient, now=desk.now(), payload=payload)
    return key


def owe_help(desk: Desk, person: str) -> str:
    """A DM whose renderer needs nothing but its payload."""
    key = f"digest_channel_help:2026-W48:{person}"
    return owe(
        desk, key, DeliveryKind.DIGEST_CHANNEL_HELP, person, ChannelHelpPayload("2026-W48", "C0PROGRAM")
    )


def row(desk: Desk, key: str) -> Delivery:
    with desk.db.transaction() as session:
        return session.scalars(select(Delivery).where(Delivery.key == key)).one()


def test_every_delivery_kind_has_a_route() -> None:
    assert set(ROUTES) == set(DeliveryKind)


@pytest.mark.parametrize(
    ("kind", "data", "says"),
    [
        ("digest", {"period": 48}, "render error: BadPayload: 'period' should be a string, not 48"),
        ("retired_kind", {}, "render error: LookupError: no renderer for delivery kind 'retired_kind'"),
    ],
)
def test_a_delivery_that_cannot_be_rendered_fails_after_a_few_tries_logged_once(
    desk: Desk,
    clock: Clock,
    slack: SlackProxy,
    caplog: pytest.LogCaptureFixture,
    kind: str,
    data: dict[str, object],
    says: str,
) -> None:
    owe_row(desk, "broken:1", kind, "C0PROGRAM", data)

    with caplog.at_level(logging.DEBUG, logger="handlers.outbox.attempts"):
        for attempt in range(1, MAX_RENDER_ATTEMPTS):
            deliver(desk)
            assert row(desk, "broken:1").attempts == attempt and row(desk, "broken:1").status == "pending"
            clock.later()
        deliver(desk)  # the last try
        clock.later()
        deliver(desk)  # a failed delivery is never claimed again

    failed = row(desk, "broken:1")
    assert (failed.status, failed.attempts, failed.last_error) == ("failed", MAX_RENDER_ATTEMPTS, says)
    logged = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(logged) == 1 and "broken:1" in logged[0].getMessage()
    assert [line.key for line in listing.not_sent(desk.db, failed_only=True)] == ["broken:1"]
    assert slack.calls == []


def test_a_delivery_with_nothing_to_say_is_done_and_counted_apart_from_those_sent(
    desk: Desk, slack: SlackProxy
) -> None:
    before = queue.SETTLED.copy()
    with desk.db.transaction() as session:  # a decision DM about a request that is gone
        queue.enqueue(
            session,
            key="decide:404:U0OWNER",
            kind=DeliveryKind.DECISION_REQUEST,
            recipient="U0OWNER",
            now=START,
        )

    deliver(desk)

    counted = queue.SETTLED - before
    assert row(desk, "decide:404:U0OWNER").status == "sent"
    assert dict(counted) == {("decision_request", "nothing"): 1}
    assert slack.calls == []


def test_refdesk_deliveries_shows_what_is_owed_and_what_was_given_up(desk: Desk) -> None:
    owe_row(desk, "broken:1", "retired_kind", "C0PROGRAM", {})
    [job] = queue.claim_due(desk.db, desk.now(), keys=["broken:1"])
    queue.mark_failed(desk.db, job, "render error: LookupError: no renderer")
    owed = owe_help(desk, "U0SOMEONE")
    env = {"DATABASE_URL": desk.db.url}

    everything = run_cli(env, "deliveries", "--json")
    failed = run_cli(env, "deliveries", "--failed")

    assert everything.returncode == 0, everything.stderr
    listed = {d["key"]: (d["status"], d["attempts"]) for d in json.loads(everything.stdout)}
    assert listed == {"broken:1": ("failed", 1), owed: ("pending", 0)}
    assert failed.returncode == 0, failed.stderr
    assert "broken:1" in failed.stdout and "render error: LookupError: no renderer" in failed.stdout
    assert owed not in failed.stdout and "1 failed, 1 pending" in failed.stdout


def test_a_drill_s_post_in_doubt_is_looked_for_by_real_time_not_the_drill_s(
    desk: Desk, clock: Clock, slack: SlackProxy, emulator: Emulator
) -> None:
    # `refdesk jobs run --now` two hours ahead: its lease must not outlast a real sender's wait
    desk.clock, desk.wall_clock = (lambda: START + dt.timedelta(hours=2)), clock
    key = owe_help(desk, emulator.ids["admin"])
    slack.fail(503, methods={"chat.postMessage"}, count=1)

    deliver(desk)

    doubt = row(desk, key)
    assert doubt.status == "sending"
    assert START + dt.timedelta(seconds=29) <= doubt.lease_until <= START + dt.timedelta(seconds=30)


def test_a_post_slack_may_have_stored_is_looked_for_before_it_is_posted_again(
    desk: Desk, clock: Clock, slack: SlackProxy, emulator: Emulator
) -> None:
    admin = emulator.ids["admin"]
    key = owe_help(desk, admin)
    slack.fail(503, methods={"chat.postMessage"}, count=1)  # a 5xx may come after Slack stored it

    deliver(desk)
    doubt = row(desk, key)
    assert (doubt.status, doubt.last_error) == ("sending", "service_unavailable (outcome unknown)")
    # looked for once the post can no longer be in flight: half the lease (60 s) after it was sent
    assert START + dt.timedelta(seconds=29) <= doubt.lease_until <= START + dt.timedelta(seconds=30)
    clock.later()
    deliver(desk)  # nothing found: posted again, and looked for once more later
    assert row(desk, key).status == "sending" and row(desk, key).ts is not None
    clock.later()
    deliver(desk)

    assert row(desk, key).status == "sent"
    methods = [c.method for c in slack.calls]
    assert methods == [
        "chat.postMessage",
        "conversations.open",
        "conversations.history",
        "chat.postMessage",
        "conversations.open",
        "conversations.history",
    ]
    assert len(emulator.dms(admin)) == 1


def test_a_post_slack_refused_is_posted_again_without_looking(
    desk: Desk, clock: Clock, slack: SlackProxy, emulator: Emulator
) -> None:
    person = emulator.ids["bystander"]  # a DM of its own: the emulator is shared by the module
    key = owe_help(desk, person)
    slack.fail(429, methods={"chat.postMessage"}, retry_after=30, count=1)

    deliver(desk)
    pending = row(desk, key)
    assert (pending.status, pending.next_attempt_at) == ("pending", START + dt.timedelta(seconds=30))
    clock.later()
    deliver(desk)

    assert row(desk, key).status == "sent"
    assert [c.method for c in slack.calls] == ["chat.postMessage", "chat.postMessage"]
    assert len(emulator.dms(person)) == 1


def test_a_post_whose_outcome_the_locked_database_could_not_record_is_never_posted_again(
    tmp_path: Path, clock: Clock, slack: SlackProxy, emulator: Emulator
) -> None:
    """Slack stored the post, then SQLite's write lock was held past the busy timeout while the
    sender recorded it, and freed while the sender put the delivery back: the delivery must stay
    in doubt (looked for before any re-post), never become a plain retry that posts again."""
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    db = Database(url, limits=Limits(statement=0.5, transaction=5.0))
    db.upgrade()
    settings = load_settings(
        slack_bot_token=BOT_TOKEN, slack_api_url=slack.api_url, database_url=url, scheduler_enabled=False
    )
    desk = build_desk(settings, db, clock=clock)
    person = emulator.ids["owner"]  # a DM of its own
    key = owe_help(desk, person)
    holder = sqlite3.connect(tmp_path / "locked.db", check_same_thread=False, isolation_level=None)
    released = threading.Event()

    def hold_the_write_lock(method: str) -> None:
        if method != "chat.postMessage" or released.is_set():
            return
        holder.execute("BEGIN IMMEDIATE")  # held while the answer reaches the sender
        threading.Timer(0.8, lambda: (holder.execute("ROLLBACK"), released.set())).start()

    slack.on_answer = hold_the_write_lock
    try:
        deliver(desk)
        assert released.wait(5)
        assert row(desk, key).status == "sending"  # posted, unrecorded: in doubt
        clock.later()
        deliver(desk)
    finally:
        slack.on_answer = None
        holder.close()
        db.dispose()

    with open_database(url).transaction() as session:
        assert session.scalars(select(Delivery.status).where(Delivery.key == key)).one() == "sent"
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert "conversations.history" in [c.method for c in slack.calls]
    assert len(emulator.dms(person)) == 1


def test_a_slow_home_publish_holds_no_other_delivery(
    desk: Desk, slack: SlackProxy, emulator: Emulator
) -> None:
    """One delivery renders at a time per process; a Home is published by the sender after its
    render, so while Slack takes its time answering `views.publish`, the next message goes out."""
    person, other = emulator.ids["requester2"], emulator.ids["owner2"]
    home_key = owe(desk, f"home_refresh:{person}:1", DeliveryKind.HOME_REFRESH, person, HomeRefreshPayload())
    help_key = owe_help(desk, other)
    slack.answer_late(3.0, methods={"views.publish"})
    publishing = threading.Thread(target=deliver, args=(desk, [home_key]))
    publishing.start()
    try:
        slack.wait_for("views.publish", user_id=person, timeout=10)
        started = time.monotonic()
        assert deliver(desk, [help_key]) == 1
        took = time.monotonic() - started
    finally:
        publishing.join(15)
    assert took < 2.0, f"the DM waited {took:.1f} s behind a Home being published"
    assert row(desk, help_key).status == DeliveryStatus.SENT
    assert row(desk, home_key).status == DeliveryStatus.SENT
    assert slack.calls_to("views.publish")[-1].args["view"]["type"] == "home"


def test_the_sender_gives_way_to_an_answer_in_the_making_but_never_stops_for_it(
    desk: Desk, slack: SlackProxy, emulator: Emulator
) -> None:
    """Acks come first: with an answer to Slack in the making the whole time, the DM still goes
    out, its render having waited `YIELD_SECONDS`."""
    key = owe_help(desk, emulator.ids["owner2"])
    answering, given = threading.Event(), threading.Event()

    def answer() -> None:
        with ANSWERING.one():
            answering.set()
            given.wait(10)

    threading.Thread(target=answer).start()
    assert answering.wait(5)
    try:
        started = time.monotonic()
        assert deliver(desk, [key]) == 1
        took = time.monotonic() - started
    finally:
        given.set()
    assert YIELD_SECONDS <= took < 2.0, took
    assert row(desk, key).status == DeliveryStatus.SENT
    assert slack.calls_to("chat.postMessage")


def test_a_send_that_cannot_get_its_turn_stays_owed_and_is_logged_as_a_warning_not_a_bug(
    desk: Desk, emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    """A listener's sends run on the desk's executor; one that does not get the sender's turn
    within its bound (another sending thread keeps it) claims nothing: the delivery stays owed for
    the next delivery pass, and the log says so as a warning, not as an error with a traceback."""
    key = owe_help(desk, emulator.ids["owner2"])
    with kept_elsewhere(SENDER_TURN), caplog.at_level(logging.WARNING):
        send_soon(desk, [key])
        assert desk.executor is not None
        desk.executor.shutdown(wait=True)

    assert row(desk, key).status == DeliveryStatus.PENDING
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r for r in caplog.records if r.levelno == logging.WARNING and key in r.getMessage()]
    assert deliver(desk, [key]) == 1


def test_a_send_asked_for_once_the_process_is_stopping_stays_owed_for_the_next(
    desk: Desk, emulator: Emulator
) -> None:
    """A listener that acked before SIGTERM and finishes after the stop shut the executor: its
    messages stay owed (the next process sends them) and the listener goes on as if sent, so it
    never tells the person that nothing was changed."""
    key = owe_help(desk, emulator.ids["owner2"])
    assert desk.executor is not None
    desk.executor.shutdown(wait=True)

    send_soon(desk, [key])

    assert row(desk, key).status == DeliveryStatus.PENDING
    assert deliver(desk, [key]) == 1
