"""Answering Slack the moment a listener acks, not at Bolt's next look.

Bolt runs each listener on its executor and, on the request's thread, looks every 10 ms whether
`ack()` was called (`slack_bolt/listener/thread_runner.py`): every ack, a bare app's included,
waits for the next look, 11 ms at best, while our listeners ack within a millisecond or two.

Here the request's `ack` says when it is called (`SignallingAck`, put in the context by the
`signal` middleware), and the executor (`AckWaitingExecutor`) hands the listener to a thread and
waits for that (or for the listener to end, when it fails before acking) before handing back to
Bolt, whose first look then finds the ack: the answer leaves as soon as it is given. What the
listener does after its ack (`views.open`, `views.update`, `respond`) goes on on the listener's
thread exactly as before (an Approve's decision waits its turn on another, `handlers.kit.later`);
nothing of it holds the answer.
Bolt's own look stays as the fallback: a listener that takes longer than `ACK_WAIT` to ack is
answered as Bolt would.

The work after the ack then waits for the answer to be written (`answered_after_write`, which the
HTTP layer wraps each dispatch in and ends once the server has written the answer), at most
`WRITE_WAIT`: otherwise that work (an Approve's decision, a Python-heavy store call) takes the
interpreter from the request's thread, which then waits a switch interval (5 ms) or more before
it may write the answer it already has. In Socket Mode nothing waits (no dispatch is wrapped).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from slack_bolt import Ack, BoltContext, BoltResponse

P = ParamSpec("P")
T = TypeVar("T")

#: the longest the request's thread waits for the ack before leaving it to Bolt's own look:
#: Slack's 3 s
ACK_WAIT = 3.0

#: the longest the work after an ack waits for its answer to be written (a client that never
#: reads it must not hold the work up)
WRITE_WAIT = 0.1

#: the ack of the request this thread is dispatching, from the middleware to the executor (both
#: run on the request's thread, the middleware first)
_dispatching = threading.local()


class SignallingAck(Ack):
    """Bolt's `ack`, which also says that it was called."""

    def __init__(self, written: threading.Event | None = None) -> None:
        super().__init__()
        self.given = threading.Event()
        #: set once the answer is written, when the HTTP layer says it will (else None)
        self.written = written
        #: the request's thread: an ack given there (a middleware's) must not wait for the answer
        #: that thread has yet to write
        self.dispatcher = threading.get_ident()

    def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        try:
            return super().__call__(*args, **kwargs)
        finally:
            self.given.set()
            if self.written is not None and threading.get_ident() != self.dispatcher:
                # the answer first, then the work after the ack
                self.written.wait(WRITE_WAIT)
            else:
                # let the request's thread, woken by the set, take the interpreter now rather
                # than when this thread next waits on the database or Slack
                time.sleep(0)


@contextmanager
def answered_after_write() -> Iterator[threading.Event]:
    """Around one dispatch on the request's thread: its listener's work after the ack waits until
    the event this yields is set (the caller sets it once the answer is written; it is set on
    the way out of an error, and the wait is bounded anyway)."""
    written = threading.Event()
    _dispatching.written = written
    try:
        yield written
    except BaseException:
        written.set()
        raise
    finally:
        _dispatching.written = None


def signal(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse:
    """The middleware that gives each request a `SignallingAck` (before any listener can ack)."""
    ack = SignallingAck(getattr(_dispatching, "written", None))
    context["ack"] = ack
    _dispatching.ack = ack
    return next()


class AckWaitingExecutor(ThreadPoolExecutor):
    """Bolt's listener executor: runs the listener on a thread of its own and returns once the
    listener of the request being dispatched has acked (or ended)."""

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future = super().submit(fn, *args, **kwargs)
        ack: SignallingAck | None = getattr(_dispatching, "ack", None)
        _dispatching.ack = None  # one wait per request: a later submit (a lazy listener) does not
        if ack is not None:
            future.add_done_callback(lambda _: ack.given.set())
            ack.given.wait(ACK_WAIT)
        return future
