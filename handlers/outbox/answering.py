"""Acks come first: how many answers to Slack this process is making right now, so the sender's
rendering can wait for a moment without one.

Where one process both acks and sends (the laptop default), an ack that arrives while a message
is being rendered shares the interpreter with it, and Slack's 3-second clock runs on the ack
only. So a render (one at a time per process, `handlers.outbox.slack`) waits — at most
`YIELD_SECONDS` each time, so a steady stream of clicks slows the sending but never stops it —
until no answer is in the making. In a `worker` nothing answers Slack and nothing waits.

Only the render waits: waiting also before each claim and each send woke every sending thread
at once when an answer was given, and the submit's p99 on `bench/run.py --quick` doubled.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: the longest one render waits for the answers in the making to be given
YIELD_SECONDS = 0.05


class Answering:
    """A count of answers in the making, and a wait for it to come down to none."""

    def __init__(self) -> None:
        self._count = 0
        self._none = threading.Condition()

    @contextmanager
    def one(self) -> Iterator[None]:
        """Around the making of one answer (a dispatch to Bolt, up to its ack)."""
        with self._none:
            self._count += 1
        try:
            yield
        finally:
            with self._none:
                self._count -= 1
                if self._count == 0:
                    self._none.notify_all()

    def wait_for_none(self, longest: float = YIELD_SECONDS) -> bool:
        """Wait until no answer is in the making, at most `longest` seconds; True if none is."""
        with self._none:
            return self._none.wait_for(lambda: self._count == 0, timeout=longest)


#: this process's answers to Slack
ANSWERING = Answering()
