"""Acks come first: how many answers to Slack this process is making right now, and the sender's
turn.

Where one process both acks and sends (the laptop default), an ack that arrives while a message
is being rendered shares the interpreter with it, and Slack's 3-second clock runs on the ack
only. So the sender's Python-heavy work — a render, and on SQLite a write — is done one thread at
a time per process (`SENDER_TURN`), and a render, in its turn, first waits until no answer is in
the making, at most `YIELD_SECONDS` each time, so a steady stream of clicks slows the sending but
never stops it. Writes do not wait for answers (a message's claim, booking and record would each
add the wait). In a `worker` nothing answers Slack; the turn still keeps a write, which holds
SQLite's lock for every process, from sharing the interpreter with a render.

Why one turn: with all sixteen sending threads rendering at once, a listener acking a click got a
sixteenth of the interpreter (`bench/run.py`: the advocate picker's ack p50 60 ms with sixteen,
39 ms with two, 30 ms with one; the bare Bolt app's 11 ms); and waiting for no answer before each
claim and each send outside a turn woke every sending thread at once when an answer was given,
and the submit's p99 on `bench/run.py --quick` doubled. In a turn only one thread wakes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from store.errors import Unavailable

#: the longest one render waits, in its turn, for the answers in the making to be given
YIELD_SECONDS = 0.05
#: the longest a sending thread waits for its turn: past it the database counts as unavailable,
#: as for a writer that waited too long for SQLite's lock (the delivery is retried)
TURN_SECONDS = 2.0


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


class SenderTurn:
    """What one sending thread of this process does at a time: a render, or a write to SQLite
    (`store.db.Database.writing_beside`). Reentrant, since a render may write; bounded: a turn
    not given within `longest` seconds raises `Unavailable`, so a holder stuck behind another
    process's lock (an import) never holds every other sending thread for longer than that."""

    def __init__(self, longest: float = TURN_SECONDS) -> None:
        self._lock = threading.RLock()
        self._longest = longest

    def __enter__(self) -> None:
        if not self._lock.acquire(timeout=self._longest):
            raise Unavailable("another sending thread of this process kept its turn too long")

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


#: this process's sending threads' one turn
SENDER_TURN = SenderTurn()
