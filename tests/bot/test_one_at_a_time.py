"""Where a click's decision runs after its ack (`handlers.kit.threads.OneAtATime`,
`handlers.kit.later`): one at a time, what it came to said on threads of its own, at most so many
waiting, and on the listener's own thread when there is no room in time or the process stops."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

import pytest

from handlers.kit import threads
from handlers.kit.desk import Desk
from handlers.kit.later import decide_later
from handlers.kit.threads import NotTaken, OneAtATime
from store.db import Database
from store.rules.policy import Policy

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def held(decisions: OneAtATime) -> threading.Event:
    """A decision in progress until the event is set: what is handed over after it waits."""
    turn = threading.Event()
    decisions.submit(turn.wait, 10)
    return turn


def recorder(ran_on: dict[str, object]) -> tuple[Callable[[], int], Callable[[Future[int]], None]]:
    """A decision that refuses, and an answer that records on which threads both ran and what the
    answer was handed."""

    def decide() -> int:
        ran_on["decide"] = threading.current_thread().name
        raise LookupError("refused")

    def answer(outcome: Future[int]) -> None:
        ran_on["answer"] = threading.current_thread().name
        ran_on["outcome"] = outcome.exception()

    return decide, answer


def test_past_the_room_for_waiting_decisions_a_listener_waits_for_room(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(threads, "ROOM_WAIT", 10.0)
    decisions = OneAtATime(waiting=2)
    turn = held(decisions)
    decisions.submit(lambda: None)
    taken: list[object] = []

    def third_click() -> None:
        try:
            taken.append(decisions.submit(lambda: None))
        except NotTaken as refused:
            taken.append(refused)

    listener = threading.Thread(target=third_click)
    listener.start()
    listener.join(0.3)
    assert listener.is_alive() and not taken, "two wait already: the third click's listener waits"
    assert decisions.waiting == 2
    turn.set()
    listener.join(5)
    assert not listener.is_alive() and isinstance(taken[0], Future), taken
    decisions.shutdown(wait=True)
    assert decisions.waiting == 0


def test_with_no_room_in_time_or_once_stopping_the_decisions_take_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(threads, "ROOM_WAIT", 0.2)
    decisions = OneAtATime(waiting=1)
    turn = held(decisions)

    started = time.monotonic()
    with pytest.raises(NotTaken):
        decisions.submit(lambda: None)
    assert time.monotonic() - started >= 0.2, "it waited for room first"
    turn.set()
    decisions.shutdown(wait=True)
    with pytest.raises(NotTaken):
        decisions.submit(lambda: None)
    assert decisions.waiting == 0


def test_the_decision_runs_in_its_turn_and_what_it_came_to_is_said_on_an_answer_thread(
    db: Database, policy: Policy
) -> None:
    desk = Desk(db=db, policy=policy, clock=lambda: NOW, decisions=OneAtATime())
    ran_on: dict[str, object] = {}

    decide_later(desk, *recorder(ran_on))

    assert desk.decisions is not None
    desk.decisions.shutdown(wait=True)  # decides what it was handed, then says it
    assert str(ran_on["decide"]).startswith("decide") and str(ran_on["answer"]).startswith("answer")
    assert isinstance(ran_on["outcome"], LookupError), "the decision's refusal, for the answer to say"


def test_the_stop_decides_and_answers_every_click_handed_over() -> None:
    decisions = OneAtATime()
    turn = held(decisions)
    answered: list[int] = []
    for click in range(5):
        decisions.submit(lambda click=click: decisions.answer(answered.append, click))

    turn.set()
    decisions.shutdown(wait=True)

    assert sorted(answered) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("why", ["full", "stopping"])
def test_a_click_the_decisions_do_not_take_is_decided_and_answered_on_its_listener_s_thread(
    db: Database, policy: Policy, monkeypatch: pytest.MonkeyPatch, why: str
) -> None:
    monkeypatch.setattr(threads, "ROOM_WAIT", 0.05)
    decisions = OneAtATime(waiting=1)
    desk = Desk(db=db, policy=policy, clock=lambda: NOW, decisions=decisions)
    turn = held(decisions)
    if why == "stopping":
        turn.set()
        decisions.shutdown(wait=True)
    ran_on: dict[str, object] = {}

    decide_later(desk, *recorder(ran_on))

    here = threading.current_thread().name
    assert ran_on["decide"] == here and ran_on["answer"] == here
    assert isinstance(ran_on["outcome"], LookupError)
    turn.set()
    decisions.shutdown(wait=True)
