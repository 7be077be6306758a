"""A click's work after its ack, off the listener's thread: `Desk.decisions` runs it.

Used where the work is a decision (an Approve): a click acks at once and its decision waits its
turn, so clicks faster than decisions queue instead of piling up on the listener threads, where
they took the interpreter from the next click's ack (`bot.app.OneAtATime`). The work must answer
the person itself (`handlers.kit.refusals.answered`): nobody waits for its result.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from handlers.kit.desk import Desk

log = logging.getLogger(__name__)


def later(desk: Desk, work: Callable[[], None]) -> None:
    """Run `work` on the desk's decisions thread, or here when it has none (or is shut: the
    process is stopping, and a click acked before the stop is still decided)."""
    if desk.decisions is None:
        work()
        return
    try:
        desk.decisions.submit(_logged, work)
    except RuntimeError:  # "cannot schedule new futures after shutdown"
        work()


def _logged(work: Callable[[], None]) -> None:
    """`work` on the decisions thread, whose exceptions nobody else would see: `answered` turns
    every failure into words for the person, so one reaching here is a bug in that answer."""
    try:
        work()
    except Exception:
        log.exception("a decision after its ack failed")
