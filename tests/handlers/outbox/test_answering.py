"""A render waits while an answer to Slack is in the making — and never longer than its bound; the
sender's turn is one thread's at a time, and not for ever."""

from __future__ import annotations

import threading
import time

from handlers.outbox.answering import Answering, SenderTurn
from store.errors import Unavailable


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


def test_the_senders_turn_is_one_thread_at_a_time_reentrant_and_bounded() -> None:
    turn = SenderTurn(longest=0.2)
    outcome: list[str] = []

    def other_sender() -> None:
        try:
            with turn:
                outcome.append("took it")
        except Unavailable:
            outcome.append("gave up")

    with turn:
        with turn:  # a render that writes: no deadlock
            pass
        rival = threading.Thread(target=other_sender)
        rival.start()
        rival.join(5)
    with turn:  # released by the holder: free again
        late = threading.Thread(target=other_sender)
    late.start()
    late.join(5)

    assert outcome == ["gave up", "took it"]
