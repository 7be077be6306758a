"""A click's decision after its ack, off the listener's thread: in its turn on `Desk.decisions`,
then what it came to said on that executor's answer threads.

An Approve acks at once and its decision waits its turn, so clicks faster than decisions queue
instead of piling up on the listener threads, where they took the interpreter from the next
click's ack (`handlers.kit.threads.OneAtATime`). `decide` is the store's part: everything that
writes, so what the stop decides is all that needs deciding. `answer` is what is said to Slack
(the refusal in place, the picker opened, the messages sent), so a slow Slack never holds the
decisions behind it. Nobody waits for either: the answer tells the person itself
(`handlers.kit.refusals.answered`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from handlers.kit.desk import Desk
from handlers.kit.threads import Decisions, NotTaken

log = logging.getLogger(__name__)

T = TypeVar("T")


def decide_later(desk: Desk, decide: Callable[[], T], answer: Callable[[Future[T]], None]) -> None:
    """`decide` in its turn, then `answer` with its outcome; both here, one after the other, when
    the desk has no decisions thread or it takes no more (stopping, or full for too long)."""
    if desk.decisions is not None:
        try:
            desk.decisions.submit(_decide_and_hand, desk.decisions, decide, answer)
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


def _decide_and_hand(
    decisions: Decisions, decide: Callable[[], T], answer: Callable[[Future[T]], None]
) -> None:
    """On the decisions thread, whose exceptions nobody else would see: `_outcome` keeps the
    decision's, so one reaching here is a bug in handing the answer over."""
    try:
        decisions.answer(_logged, answer, _outcome(decide))
    except Exception:
        log.exception("handing over the answer to a decision made after its ack failed")


def _logged(answer: Callable[[Future[T]], None], outcome: Future[T]) -> None:
    """The answer on a thread whose exceptions nobody else would see: `answered` turns every
    failure into words for the person, so one reaching here is a bug in that answer."""
    try:
        answer(outcome)
    except Exception:
        log.exception("answering a decision made after its ack failed")
