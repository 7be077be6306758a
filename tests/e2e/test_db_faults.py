"""A database that freezes or stays locked: the app keeps answering, and never records a ghost.

On PostgreSQL a relay the test controls stands between `refdesk serve` and the server and stages
a partition (connections open, no replies); on SQLite a second connection holds the write lock as
a long import would. Either way Slack must get every answer inside its 3 seconds, a submission
answered "not recorded" must never be recorded later, and submitting again once the database is
back must record the request exactly once.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from store.models import ReferenceRequest
from tests.support.database import open_database
from tests.support.emulator import Emulator
from tests.support.payloads import date, text, view_submission
from tests.support.payloads import select as chosen
from tests.support.postgres import create_database
from tests.support.program import Program
from tests.support.server import RefdeskServer, Reply, http
from tests.support.slack_proxy import SlackProxy
from tests.support.tcp_relay import TcpRelay

NOT_RECORDED = "We couldn't record this just now — nothing was saved. Please submit again."
SLACK_WAITS = 3.0
DEFAULT_STATEMENT_TIMEOUT = 1.5
#: what a load balancer may wait for /healthz
HEALTH_WAITS = 1.0
#: how long a listener held up by the fault could still take to record a ghost once it clears
GHOST_WATCH = 4.0

_names = itertools.count()


@pytest.fixture
def pg_direct_url(postgres_url: str) -> str:
    """The test's database, reached without the relay (to look at what was really recorded)."""
    return create_database(postgres_url, f"refdesk_faults_{next(_names)}")


@pytest.fixture
def relay(pg_direct_url: str) -> Iterator[TcpRelay]:
    url = make_url(pg_direct_url)
    with TcpRelay(url.host or "127.0.0.1", url.port or 5432) as relay:
        yield relay


@pytest.fixture
def statement_timeout() -> str | None:
    """REFDESK_DB_STATEMENT_TIMEOUT for `refdesk serve`; None leaves the default."""
    return None


@pytest.fixture
def env(env: dict[str, str], statement_timeout: str | None) -> dict[str, str]:
    if statement_timeout is None:
        return env
    return {**env, "REFDESK_DB_STATEMENT_TIMEOUT": statement_timeout}


@pytest.fixture
def e2e_db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """The app's database: an SQLite file, or PostgreSQL behind the relay."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'refdesk.db'}"
    relay: TcpRelay = request.getfixturevalue("relay")
    direct = make_url(request.getfixturevalue("pg_direct_url"))
    return direct.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)


def open_modal(server: RefdeskServer, emulator: Emulator, slack: SlackProxy, user: str) -> dict[str, Any]:
    reply = server.command("", user_id=user, trigger_id=emulator.trigger_id(user))
    assert reply.status == 200, reply
    opened = slack.wait_for("views.open", count=1)
    assert opened, server.log()
    return opened[-1].response["view"]


def filled(account: int) -> dict[str, dict[str, Any]]:
    return {
        "account": {"account": chosen(str(account))},
        "activity": {"activity": chosen("reference_call")},
        "opportunity_name": {"value": text("Big Bank renewal")},
        "amount": {"value": text("120000")},
        "crm_link": {"value": text("https://crm.example/opp/1")},
        "prospect_industry": {"value": text("Banking")},
        "needed_by": {"value": date(None)},
        "context": {"value": text("They want to hear about the migration.")},
    }


def first_input(view: dict[str, Any]) -> str:
    return next(b["block_id"] for b in view["blocks"] if b["type"] == "input")


def timed(call: Any, *args: Any, **kwargs: Any) -> tuple[Reply, float]:
    started = time.monotonic()
    reply = call(*args, **kwargs)
    return reply, time.monotonic() - started


def recorded(db_url: str, view: dict[str, Any]) -> int:
    """How many requests the submitted modal made, read straight from the database."""
    db = open_database(db_url)
    try:
        with db.transaction(readonly=True) as session:
            key = f"view:{view['id']}"
            return session.scalar(
                select(func.count()).select_from(ReferenceRequest).where(ReferenceRequest.source_key == key)
            )
    finally:
        db.dispose()


def assert_no_ghost(db_url: str, view: dict[str, Any]) -> None:
    """Nothing appears once the fault clears, however long a held-up listener would need."""
    deadline = time.monotonic() + GHOST_WATCH
    while time.monotonic() < deadline:
        assert recorded(db_url, view) == 0, "a submission answered 'not recorded' was recorded later"
        time.sleep(0.25)


def assert_submitting_again_records_once(
    server: RefdeskServer, user: str, view: dict[str, Any], account: int, db_url: str
) -> None:
    for _ in range(2):
        reply = server.interact(view_submission(user, view, filled(account)))
        assert reply.status == 200 and not reply.body, reply
    assert recorded(db_url, view) == 1


def assert_not_recorded_in_time(
    server: RefdeskServer, user: str, view: dict[str, Any], account: int
) -> float:
    reply, took = timed(server.interact, view_submission(user, view, filled(account)))
    assert reply.status == 200, (reply, server.log()[-3000:])
    assert reply.json() == {"response_action": "errors", "errors": {first_input(view): NOT_RECORDED}}
    assert took < SLACK_WAITS, f"the submission was answered after {took:.2f} s"
    return took


def assert_help_answers(server: RefdeskServer, user: str) -> float:
    reply, took = timed(server.command, "help", user_id=user)
    assert reply.status == 200 and "/reference help" in reply.body, reply
    assert took < SLACK_WAITS, f"help was answered after {took:.2f} s"
    return took


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_frozen_postgresql_never_stalls_the_app_nor_leaves_a_ghost_request(
    server: RefdeskServer,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
    relay: TcpRelay,
    pg_direct_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    user = emulator.ids["requester"]
    account = program.accounts["Acme Corp"]
    view = open_modal(server, emulator, slack, user)

    relay.freeze()
    health, health_took = timed(http, "GET", server.url + "/healthz", timeout=5)
    assert health.status == 503, health
    assert health_took < HEALTH_WAITS, f"/healthz answered after {health_took:.2f} s"
    submit_took = assert_not_recorded_in_time(server, user, view, account)
    # more submissions than the server has listener threads: none may stay stuck on the database
    with ThreadPoolExecutor(max_workers=12) as pool:
        took = list(pool.map(lambda _: assert_not_recorded_in_time(server, user, view, account), range(36)))
    help_took = assert_help_answers(server, user)
    again, again_took = timed(http, "GET", server.url + "/healthz", timeout=5)
    assert again.status == 503 and again_took < HEALTH_WAITS, (again, again_took)
    relay.thaw()

    assert_no_ghost(pg_direct_url, view)
    assert_submitting_again_records_once(server, user, view, account, pg_direct_url)
    assert http("GET", server.url + "/healthz").status == 200
    with capsys.disabled():
        print(
            f"\n[frozen postgresql] /healthz {health_took:.2f} s and {again_took:.2f} s, "
            f"submission {submit_took:.2f} s (36 more: max {max(took):.2f} s), help {help_took:.2f} s"
        )


@pytest.mark.parametrize("statement_timeout", [None, "0.3"])
def test_a_held_sqlite_write_lock_never_stalls_the_app_nor_leaves_a_ghost_request(
    server: RefdeskServer,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
    e2e_db_url: str,
    statement_timeout: str | None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    user = emulator.ids["requester"]
    account = program.accounts["Acme Corp"]
    view = open_modal(server, emulator, slack, user)

    writer = sqlite3.connect(make_url(e2e_db_url).database or "", isolation_level=None, timeout=5)
    try:
        writer.execute("BEGIN IMMEDIATE")  # a long import holding the one write lock
        health, health_took = timed(http, "GET", server.url + "/healthz", timeout=5)
        assert health.status == 200 and health.json() == {"status": "ok", "database": "ok"}, health
        assert health_took < HEALTH_WAITS, f"/healthz answered after {health_took:.2f} s"
        submit_took = assert_not_recorded_in_time(server, user, view, account)
        help_took = assert_help_answers(server, user)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    # the submission waited out SQLite's busy timeout, which is the setting
    assert abs(submit_took - float(statement_timeout or DEFAULT_STATEMENT_TIMEOUT)) < 0.5, submit_took

    assert_no_ghost(e2e_db_url, view)
    assert_submitting_again_records_once(server, user, view, account, e2e_db_url)
    with capsys.disabled():
        print(
            f"\n[held sqlite lock, statement timeout {statement_timeout or 'default'}] "
            f"/healthz {health_took:.2f} s, submission {submit_took:.2f} s, "
            f"help {help_took:.2f} s"
        )


def home_opened(user: str, event_id: str) -> str:
    return json.dumps(
        {
            "token": "unused",
            "team_id": "T000000001",
            "api_app_id": "A0REFDESK",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": user, "channel": "D0000000001", "tab": "home"},
        }
    )


@pytest.mark.parametrize("backend", ["postgresql"])
def test_probes_and_an_event_through_a_frozen_postgresql(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, relay: TcpRelay
) -> None:
    """A frozen database fails neither /livez nor /readyz (the app answers Slack itself); an event
    that came meanwhile is answered so that Slack retries it, and handled once when it does."""
    user = emulator.ids["owner"]
    event = home_opened(user, "Ev0OUTAGE01")

    relay.freeze()
    live, live_took = timed(http, "GET", server.url + "/livez", timeout=5)
    ready, ready_took = timed(http, "GET", server.url + "/readyz", timeout=5)
    during, during_took = timed(server.post_signed, event, content_type="application/json")
    relay.thaw()

    assert (live.status, ready.status) == (200, 200) and max(live_took, ready_took) < HEALTH_WAITS
    assert during.status == 503 and during_took < SLACK_WAITS, (during, during_took)
    for _ in range(2):  # Slack's retry, and one more for good measure
        assert server.post_signed(event, content_type="application/json").status == 200
    assert len(slack.wait_for("views.publish", user_id=user)) == 1
    time.sleep(1)
    assert len(slack.calls_to("views.publish")) == 1
