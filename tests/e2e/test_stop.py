"""SIGTERM (as `docker stop` sends) on a `refdesk serve` under load: every request it took is
answered inside Slack's 3 s, nothing it recorded is lost or sent twice, every click it acked is
decided, it exits 0; over Socket Mode every envelope it received is acked before it closes.
(`/readyz` while draining: tests/bot/process/test_probes.py.)"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

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
from tests.support.response_sink import ResponseSink
from tests.support.server import RefdeskServer
from tests.support.slack_proxy import SlackProxy
from tests.support.socket_mode import SocketModeServer

SLACK_WAITS = 3.0
REQUESTERS = 4
PER_REQUESTER = 15
#: Approve clicks sent eight at a time: each acks in milliseconds and waits for its decision
CLICKS = 48
#: the owners, and the sellers, the clicks' requests are spread over (`crowd`)
SPREAD = 8


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    emu = Emulator(tmp_path, extra_users=crowd(SPREAD, SPREAD)).start()
    yield emu
    emu.stop()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_sigterm_under_load_answers_what_it_took_and_loses_nothing(
    server: RefdeskServer,
    emulator: Emulator,
    slack: SlackProxy,
    env: dict[str, str],
    tmp_path: Path,
    backend: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seeded = seed_accounts(
        env, tmp_path, ["olivia@example.com", "oscar@example.com"], REQUESTERS * PER_REQUESTER
    )
    requester = emulator.ids["requester"]
    balancer = Balancer([server], SIGNING_SECRET)
    answered: list[str] = []
    took: list[float] = []

    def burst(number: int) -> None:
        for n in range(PER_REQUESTER):
            account = seeded.accounts[number * PER_REQUESTER + n]
            view_id = f"VSTOP{number}X{n}"
            started = time.monotonic()
            reply = balancer.post(submission(requester, view_id, account, seeded.advocates[account]))
            if reply is not None:
                took.append(time.monotonic() - started)
                answered.append(view_id)
            time.sleep(0.1)

    threads = [threading.Thread(target=burst, args=(n,)) for n in range(REQUESTERS)]
    for thread in threads:
        thread.start()
    time.sleep(0.8)
    code, drain = server.terminate()
    for thread in threads:
        thread.join(30)

    assert code == 0, server.log()[-3000:]
    assert set(balancer.statuses) == {200}, balancer.statuses
    assert max(took) < SLACK_WAITS, max(took)
    assert 0 < len(answered) < REQUESTERS * PER_REQUESTER  # it stopped in the middle of the burst
    assert "stopped: requests in hand answered in" in server.log(), server.log()[-4000:]
    again = RefdeskServer(env, tmp_path, SIGNING_SECRET).start()  # what it owed is sent by the next one
    db = open_database(env["DATABASE_URL"])
    try:
        wait_settled(db, answered, timeout=60, logs=lambda: again.log()[-3000:], decided=False)
        time.sleep(1)
        count = count_once(db, slack, answered, approved=False)
    finally:
        db.dispose()
        again.stop()
    assert count.requests == len(answered)
    with capsys.disabled():
        print(
            f"\n[SIGTERM under load, {backend}] exit {code} after {drain:.2f} s; {len(answered)} requests "
            f"answered (slowest {max(took):.2f} s), {balancer.lost} refused after the stop; "
            f"{count.notices} notices, each once"
        )


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_sigterm_right_after_a_flood_of_approve_clicks_decides_every_click_it_acked(
    server: RefdeskServer,
    emulator: Emulator,
    slack: SlackProxy,
    sink: ResponseSink,
    env: dict[str, str],
    tmp_path: Path,
    backend: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A click is decided after its ack, one at a time (`handlers.kit.later`): clicks faster than
    that wait in the process. The stop decides each of them before it exits."""
    seeded = seed_accounts(env, tmp_path, [f"owner{n}@example.com" for n in range(SPREAD)], CLICKS)
    sellers = [emulator.user_id(f"seller{n}@example.com") for n in range(SPREAD)]
    views = [f"VFLOOD{n}" for n in range(CLICKS)]
    for n, (view_id, account) in enumerate(zip(views, seeded.accounts, strict=True)):
        body = submission(sellers[n % SPREAD], view_id, account, seeded.advocates[account])
        assert server.post_signed(body).status == 200
    db = open_database(env["DATABASE_URL"])
    try:
        wait_settled(db, views, timeout=60, logs=lambda: server.log()[-3000:], decided=False)
        balancer = Balancer([server], SIGNING_SECRET)
        clicks = [
            approval(seeded.owners[account], request_id, sink.new_url())
            for request_id, account in pending_requests(db)
        ]
        with ThreadPoolExecutor(max_workers=8) as pool:
            replies = list(pool.map(balancer.post, clicks))
        code, drain = server.terminate()
        assert code == 0, server.log()[-3000:]
        assert [reply.status if reply else None for reply in replies] == [200] * CLICKS
        assert pending_requests(db) == [], "decided before the process exited"
        waited = re.search(r"(\d+) click\(s\) acked and waiting decided by", server.log())
        assert waited is not None, server.log()[-3000:]
        # the clicks came faster than decisions: some were waiting when the stop came
        assert int(waited[1]) > 0, server.log()[-3000:]
        again = RefdeskServer(env, tmp_path, SIGNING_SECRET).start()  # it sends what the decisions owe
        try:
            wait_settled(db, views, timeout=90, logs=lambda: again.log()[-3000:])
            time.sleep(1)  # any (wrong) second post would land now
            count = count_once(db, slack, views)
        finally:
            again.stop()
    finally:
        db.dispose()
    with capsys.disabled():
        print(
            f"\n[SIGTERM after {CLICKS} Approve clicks, {backend}] exit {code} after {drain:.2f} s; "
            f"{waited[1]} waiting for their decision then; {count.decisions} approved, "
            f"{count.ledger_entries} ledger entries, {count.notices} notices, each once"
        )


def test_sigterm_on_socket_mode_acks_every_envelope_it_received(
    socket_server: RefdeskServer,
    socket_slack: SocketModeServer,
    emulator: Emulator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Envelopes keep coming for a while after the SIGTERM (Slack does not know yet): the app acks
    them too, and closes once the stream pauses (or its bound, 2.5 s, runs out)."""
    sent: list[str] = []
    stop_sending_at = [float("inf")]

    def slack_sends() -> None:
        while time.monotonic() < stop_sending_at[0]:
            try:
                sent.append(socket_slack.command("help", user_id=emulator.ids["requester"]))
            except (ConnectionClosed, ConnectionError, OSError):
                return  # the app closed the connection: Slack sends to another one
            time.sleep(0.03)

    sender = threading.Thread(target=slack_sends)
    sender.start()
    time.sleep(1.0)
    stop_sending_at[0] = time.monotonic() + 0.3
    code, drain = socket_server.terminate()
    sender.join(10)

    assert code == 0, socket_server.log()[-3000:]
    assert len(sent) > 10
    unacked = [envelope for envelope in sent if socket_slack.wait_ack(envelope, timeout=0.5) is None]
    assert not unacked, f"{len(unacked)} of {len(sent)} envelopes never acked: {socket_server.log()[-2000:]}"
    with capsys.disabled():
        print(f"\n[SIGTERM on Socket Mode] exit {code} after {drain:.2f} s; {len(sent)} envelopes, all acked")
