"""Where a click's decision runs after its ack (`bot.app.OneAtATime`, `handlers.kit.later`): one
at a time, its answer on the sends' threads, at most so many waiting, and on the listener's own
thread when there is no room or the process is stopping."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from bot.app import ROOM_WAIT, OneAtATime
from handlers.kit.desk import Desk
from handlers.kit.later import NotTaken, decide_later
from store.db import Database
from store.rules.policy import Policy

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def test_past_the_room_for_waiting_decisions_a_listener_waits_for_room() -> None:
    decisions = OneAtATime(waiting=2)
    turn = threading.Event()
    decisions.submit(turn.wait, 10)
    decisions.submit(lambda: None)
    third: list[Future[None]] = []
    listener = threading.Thread(target=lambda: third.append(decisions.submit(lambda: None)))
    listener.start()

    listener.join(ROOM_WAIT / 2)
    assert listener.is_alive() and not third, "two wait already: the third click's listener waits"
    assert decisions.waiting == 2
    turn.set()
    listener.join(5)
    assert not listener.is_alive()
    third[0].result(5)
    decisions.shutdown(wait=True)
    assert decisions.waiting == 0


def test_with_no_room_in_time_or_once_stopping_the_decisions_take_nothing() -> None:
    decisions = OneAtATime(waiting=1)
    turn = threading.Event()
    decisions.submit(turn.wait, 10)

    with pytest.raises(NotTaken):
        decisions.submit(lambda: None)  # waits ROOM_WAIT, then gives up
    turn.set()
    decisions.shutdown(wait=True)
    with pytest.raises(NotTaken):
        decisions.submit(lambda: None)
    assert decisions.waiting == 0


def test_the_decision_runs_on_the_decisions_thread_and_its_answer_on_the_sends_threads(
    db: Database, policy: Policy
) -> None:
    sends = ThreadPoolExecutor(max_workers=2, thread_name_prefix="delivery")
    desk = Desk(db=db, policy=policy, clock=lambda: NOW, executor=sends, decisions=OneAtATime(waiting=2))
    ran_on: dict[str, str] = {}
    answered = threading.Event()

    def decide() -> int:
        ran_on["decide"] = threading.current_thread().name
        raise LookupError("refused")

    def answer(outcome: Future[int]) -> None:
        ran_on["answer"] = threading.current_thread().name
        with pytest.raises(LookupError):
            outcome.result()  # what the decision raised, for the answer to say
        answered.set()

    decide_later(desk, decide, answer)

    assert answered.wait(5)
    assert ran_on["decide"].startswith("decide") and ran_on["answer"].startswith("delivery")
    assert desk.decisions is not None
    desk.decisions.shutdown(wait=True)
    sends.shutdown(wait=True)


def test_a_click_acked_while_the_process_stops_is_decided_on_its_listener_s_thread(
    db: Database, policy: Policy
) -> None:
    decisions = OneAtATime(waiting=2)
    desk = Desk(db=db, policy=policy, clock=lambda: NOW, decisions=decisions)
    decisions.shutdown(wait=True)
    ran_on: list[str] = []

    decide_later(
        desk, lambda: ran_on.append(threading.current_thread().name), lambda outcome: outcome.result()
    )

    assert ran_on == [threading.current_thread().name]
