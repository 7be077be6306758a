"""An answer leaves when its listener acks, not at Bolt's next 10 ms look: a real Bolt app with
the signalling ack and the executor answers while the listener is still at work after its ack,
and Bolt's ack polling (`thread_runner`'s sleep) is never entered — nor when the listener fails
before acking."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from slack_bolt import Ack, App, BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.listener import thread_runner

from handlers.kit.acks import WRITE_WAIT, AckWaitingExecutor, answered_after_write, signal
from tests.support.payloads import block_actions
from tests.support.signing import interaction_body, signed_headers

SECRET = "acks-signing-secret"


@pytest.fixture
def polls(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Each time Bolt's listener runner slept waiting for an ack (the runner reads `time.time`
    and `time.sleep` from its module's `time`)."""
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    monkeypatch.setattr(thread_runner, "time", SimpleNamespace(time=time.time, sleep=sleep))
    return slept


def app_with(executor: ThreadPoolExecutor, listener: object, *, signalling: bool = True) -> App:
    app = App(
        signing_secret=SECRET,
        authorize=lambda **_: AuthorizeResult(enterprise_id=None, team_id="T0ACKS", bot_token="xoxb-acks"),
        listener_executor=executor,
    )
    if signalling:
        app.middleware(signal)
    app.action("approve")(listener)
    return app


def click() -> BoltRequest:
    body = interaction_body(block_actions("U0OWNER01", "approve", "1", response_url=""))
    return BoltRequest(body=body, headers={k.lower(): [v] for k, v in signed_headers(SECRET, body).items()})


@pytest.fixture
def executor() -> Iterator[AckWaitingExecutor]:
    pool = AckWaitingExecutor(max_workers=4)
    yield pool
    pool.shutdown(wait=True)


def test_the_answer_leaves_at_the_ack_while_the_listener_still_works(
    executor: AckWaitingExecutor, polls: list[float]
) -> None:
    release, finished = threading.Event(), threading.Event()

    def listener(ack: Ack) -> None:
        ack()
        release.wait(10)  # the work after the ack: a store call, a views.open
        finished.set()

    response = app_with(executor, listener).dispatch(click())

    assert response.status == 200
    assert not finished.is_set(), "answered before the work after the ack was done"
    assert polls == [], "Bolt never had to look again for the ack"
    release.set()
    assert finished.wait(10)


def test_a_listener_that_fails_before_acking_is_answered_without_polling(
    executor: AckWaitingExecutor, polls: list[float]
) -> None:
    def listener(ack: Ack) -> None:
        raise RuntimeError("broken before the ack")

    response = app_with(executor, listener).dispatch(click())

    assert response.status == 500
    assert polls == []


def test_without_the_signalling_ack_bolt_looks_every_10_ms_as_before(polls: list[float]) -> None:
    """The floor this module removes, seen on the same app: Bolt's own executor and ack."""
    started = threading.Event()

    def listener(ack: Ack) -> None:
        started.wait(0.05)
        ack()

    with ThreadPoolExecutor(max_workers=2) as plain:
        response = app_with(plain, listener, signalling=False).dispatch(click())

    assert response.status == 200
    assert polls and set(polls) == {0.01}


def test_the_work_after_the_ack_waits_until_the_answer_is_written(executor: AckWaitingExecutor) -> None:
    """Through the HTTP layer's wrapper: the answer is back while the work after the ack has not
    begun (it would take the interpreter from the thread writing the answer); once the answer is
    written, the work goes on."""
    began = threading.Event()

    def listener(ack: Ack) -> None:
        ack()
        began.set()

    app = app_with(executor, listener)
    with answered_after_write() as written:
        response = app.dispatch(click())
    assert response.status == 200
    assert not began.wait(WRITE_WAIT / 4), "the work began before the answer was written"
    written.set()
    assert began.wait(1)


def test_an_ack_given_on_the_request_s_own_thread_does_not_wait_for_the_answer(
    executor: AckWaitingExecutor,
) -> None:
    """A middleware that acks (a duplicate delivery) runs on the thread that writes the answer:
    it must not wait for it."""
    app = App(
        signing_secret=SECRET,
        authorize=lambda **_: AuthorizeResult(enterprise_id=None, team_id="T0ACKS", bot_token="xoxb-acks"),
        listener_executor=executor,
    )
    app.middleware(signal)

    @app.middleware
    def duplicate(ack: Ack) -> BoltResponse:
        return ack()

    started = time.perf_counter()
    with answered_after_write():
        response = app.dispatch(click())
    assert response.status == 200
    assert time.perf_counter() - started < WRITE_WAIT / 2
