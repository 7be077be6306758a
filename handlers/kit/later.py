"""A click's decision after its ack, off the listener's thread: one at a time on
`Desk.decisions`, then answered on the sends' threads.

An Approve acks at once and its decision waits its turn, so clicks faster than decisions queue
instead of piling up on the listener threads, where they took the interpreter from the next
click's ack (`bot.app.OneAtATime`). Only the store call waits its turn: what is said to Slack
after it (the refusal in place, the picker opened, the messages owed) is handed to the sends'
executor, so a slow Slack never holds up the decisions behind it. Nobody waits for the outcome:
the answer must tell the person itself (`handlers.kit.refusals.answered`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from handlers.kit.desk import Desk

log = logging.getLogger(__name__)

T = TypeVar("T")


class NotTaken(Exception):
    """The decisions' executor did not take the work: it is shut (the process is stopping), or it
    stayed full for as long as a listener waits for room. The listener decides it itself."""


def decide_later(desk: Desk, decide: Callable[[], T], answer: Callable[[Future[T]], None]) -> None:
    """`decide` on the decisions thread, then `answer` with its outcome on the sends' executor;
    both here, one after the other, when the desk has no decisions thread or it takes no more."""
    if desk.decisions is not None:
        try:
            desk.decisions.submit(_decide_and_hand, desk, decide, answer)
            return
        except NotTaken as why:
            log.info("deciding on the listener's thread: %s", why)
    answer(_outcome(decide))


def _outcome(decide: Callable[[], T]) -> Future[T]:
    """What `decide` came to, its result or its exception, for the answer to read."""
    outcome: Future[T] = Future()
    try:
        outcome.set_result(decide())
    except Exception as error:
        outcome.set_exception(error)
    return outcome


def _decide_and_hand(desk: Desk, decide: Callable[[], T], answer: Callable[[Future[T]], None]) -> None:
    outcome = _outcome(decide)
    if desk.executor is not None:
        try:
            desk.executor.submit(_logged, answer, outcome)
            return
        except RuntimeError:  # "cannot schedule new futures after shutdown": the process is stopping
            pass
    _logged(answer, outcome)


def _logged(answer: Callable[[Future[T]], None], outcome: Future[T]) -> None:
    """The answer on a thread whose exceptions nobody else would see: `answered` turns every
    failure into words for the person, so one reaching here is a bug in that answer."""
    try:
        answer(outcome)
    except Exception:
        log.exception("answering a decision made after its ack failed")
