"""The sender's turn waits while an answer to Slack is in the making — and never longer than its bound."""

from __future__ import annotations

import threading
import time

from handlers.outbox.answering import Answering, SenderTurn


def make_answer(answering: Answering, seconds: float, started: threading.Event) -> threading.Thread:
    def answer() -> None:
        with answering.one():
            started.set()
            time.sleep(seconds)

    thread = threading.Thread(target=answer)
    thread.start()
    return thread


def timed_wait(answering: Answering, longest: float) -> tuple[bool, float]:
    """What `wait_for_none(longest)` said, and how long it took to say it."""
    began = time.monotonic()
    none = answering.wait_for_none(longest)
    return none, time.monotonic() - began


def test_with_no_answer_in_the_making_a_render_does_not_wait() -> None:
    answering = Answering()

    none, waited = timed_wait(answering, 1.0)
    assert none and waited < 0.01


def test_a_render_goes_on_as_soon_as_the_answer_in_the_making_is_given() -> None:
    answering, started = Answering(), threading.Event()
    thread = make_answer(answering, 0.1, started)
    assert started.wait(5)

    none, waited = timed_wait(answering, 2.0)
    thread.join(5)

    assert none
    assert 0.05 < waited < 0.5, waited


def test_a_render_waits_for_answers_no_longer_than_its_bound() -> None:
    answering, started = Answering(), threading.Event()
    thread = make_answer(answering, 1.0, started)
    assert started.wait(5)

    none, waited = timed_wait(answering, 0.05)
    thread.join(5)

    assert not none
    assert 0.04 < waited < 0.5, waited
    assert answering.wait_for_none(0)  # and the count came down once the answer was given


def test_the_senders_turn_is_one_thread_at_a_time_reentrant_and_waits_for_answers_only_when_taken() -> None:
    answering, started = Answering(), threading.Event()
    turn = SenderTurn(answering)
    entered: list[float] = []

    def other_sender() -> None:
        with turn:
            entered.append(time.monotonic())

    with turn:
        thread = make_answer(answering, 0.3, started)  # an answer begins while this thread renders
        assert started.wait(5)
        began = time.monotonic()
        with turn:  # a render that writes: no second wait for the answer, no deadlock
            nested = time.monotonic() - began
        rival = threading.Thread(target=other_sender)
        rival.start()
        time.sleep(0.1)
        assert entered == []  # the other sender waits for this one's turn
    rival.join(5)
    thread.join(5)

    assert nested < 0.05, nested
    assert len(entered) == 1
    # and, taking the turn while the answer was still in the making, it waited for it (≤ 50 ms)
    assert entered[0] - began >= 0.1
