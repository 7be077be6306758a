"""The deploy test: the compose topology as processes on one PostgreSQL — a migration, two
`serve --no-worker` replicas behind a balancer, one `worker` — through a burst of signed requests,
with one web replica and the worker stopped (SIGTERM, as `docker stop`) half-way and a new worker
started. No 5xx, no lost ack, and every request, decision, ledger entry and notice exactly once.
"""

from __future__ import annotations

import contextlib
import os
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.process.priority import WORKER_NICENESS
from tests.support.database import open_database
from tests.support.emulator import SIGNING_SECRET, Emulator
from tests.support.load import (
    Balancer,
    approval,
    count_once,
    crowd,
    pending_requests,
    seed_accounts,
    submission,
    wait_settled,
)
from tests.support.metrics import samples
from tests.support.response_sink import ResponseSink
from tests.support.server import RefdeskServer, RefdeskWorker, http
from tests.support.slack_proxy import SlackProxy

OWNERS = 8
REQUESTERS = 4
PER_REQUESTER = 6
#: Slack's wait for an ack
SLACK_WAITS = 3.0


@pytest.fixture
def backend() -> str:
    return "postgresql"


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    emu = Emulator(tmp_path, extra_users=crowd(OWNERS, REQUESTERS)).start()
    yield emu
    emu.stop()


def test_two_web_replicas_and_a_worker_stopped_mid_burst_lose_nothing_and_do_nothing_twice(
    emulator: Emulator,
    slack: SlackProxy,
    env: dict[str, str],
    sink: ResponseSink,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seeded = seed_accounts(
        env, tmp_path, [f"owner{i}@example.com" for i in range(OWNERS)], REQUESTERS * PER_REQUESTER
    )
    sellers = [emulator.user_id(f"seller{i}@example.com") for i in range(REQUESTERS)]
    production = {**env, "REFDESK_WORKER": "external", "REFDESK_DELIVERY_LEASE": "6"}
    web = [
        RefdeskServer(production, tmp_path, SIGNING_SECRET, extra_args=["--no-worker"]).start()
        for _ in range(2)
    ]
    workers = [RefdeskWorker(production, tmp_path).start()]
    # the worker's sends can wait, the replicas' acks cannot: every thread of the worker yields
    (acking,) = _niceness(web[0])
    assert _niceness(workers[0]) == {min(19, acking + WORKER_NICENESS)}, "the worker yields to acks"
    # each froze what its start built: a full collection scans only what came since (`bot.process.heap`)
    for process in (web[0], workers[0]):
        metrics = samples(http("GET", process.url + "/metrics").body)
        assert metrics[("refdesk_gc_frozen_objects", frozenset())] > 10_000, process
    balancer = Balancer(web, SIGNING_SECRET)
    db = open_database(env["DATABASE_URL"])
    views: list[str] = []
    slow: list[float] = []
    submitted = threading.Event()

    def requester(number: int) -> None:
        rng = random.Random(number)
        for n in range(PER_REQUESTER):
            account = seeded.accounts[number * PER_REQUESTER + n]
            view_id = f"VDEPLOY{number}X{n}"
            views.append(view_id)
            started = time.monotonic()
            reply = balancer.post(submission(sellers[number], view_id, account, seeded.advocates[account]))
            slow.append(time.monotonic() - started)
            assert reply is None or reply.status != 200 or not reply.body, reply
            time.sleep(rng.uniform(0.2, 0.6))

    def owners() -> None:
        clicked: set[int] = set()
        while not (submitted.is_set() and len(clicked) == len(views)):
            for request_id, account in pending_requests(db):
                if request_id in clicked:
                    continue
                clicked.add(request_id)
                body = approval(seeded.owners[account], request_id, sink.new_url())
                for _ in range(1 + request_id % 2):  # every other owner clicks twice
                    started = time.monotonic()
                    balancer.post(body)
                    slow.append(time.monotonic() - started)
            time.sleep(0.1)

    try:
        threads = [threading.Thread(target=requester, args=(n,)) for n in range(REQUESTERS)]
        approver = threading.Thread(target=owners)
        for thread in [*threads, approver]:
            thread.start()
        time.sleep(1.5)  # half-way through the burst
        stops: dict[str, tuple[int, float]] = {}
        stopper = threading.Thread(target=lambda: stops.update(worker=workers[0].terminate()))
        stopper.start()
        stops["web"] = web[0].terminate()
        stopper.join(20)
        workers.append(RefdeskWorker(production, tmp_path).start())
        for thread in threads:
            thread.join(60)
        submitted.set()
        approver.join(60)
        wait_settled(db, views, timeout=90, logs=lambda: workers[-1].log()[-3000:])
        time.sleep(1)  # any (wrong) second post would land now
        count = count_once(db, slack, views)
    finally:
        db.dispose()
        for process in [*web, *workers]:
            process.stop()

    assert stops["web"][0] == 0 and stops["worker"][0] == 0, (
        stops,
        web[0].log()[-2000:],
        workers[0].log()[-2000:],
    )
    assert stops["web"][1] < SLACK_WAITS + 1, stops
    assert balancer.lost == 0
    assert set(balancer.statuses) == {200}, balancer.statuses
    assert max(slow) < SLACK_WAITS, max(slow)
    assert count.requests == count.decisions == count.ledger_entries == len(views)
    with capsys.disabled():
        print(
            f"\n[deploy] {count.requests} requests, {count.decisions} decisions, "
            f"{count.ledger_entries} ledger entries, {count.notices} notices, each once; "
            f"{sum(balancer.statuses.values())} answers "
            f"{dict(balancer.statuses)}, 0 lost; SIGTERM: web replica exited {stops['web'][0]} in "
            f"{stops['web'][1]:.2f} s, worker exited {stops['worker'][0]} in {stops['worker'][1]:.2f} s; "
            f"slowest ack {max(slow):.2f} s"
        )


def _niceness(process: RefdeskServer | RefdeskWorker) -> set[int]:
    """The niceness of each of the process's threads (Linux keeps one per thread)."""
    assert process.process is not None
    found = set()
    for thread in (Path("/proc") / str(process.process.pid) / "task").iterdir():
        with contextlib.suppress(ProcessLookupError):  # the thread ended since the listing
            found.add(os.getpriority(os.PRIO_PROCESS, int(thread.name)))
    return found
