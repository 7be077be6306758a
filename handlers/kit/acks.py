"""Answering Slack the moment a listener acks, not at Bolt's next look.

Bolt runs each listener on its executor and, on the request's thread, looks every 10 ms whether
`ack()` was called (`slack_bolt/listener/thread_runner.py`): every ack, a bare app's included,
waits for the next look, 11 ms at best, while our listeners ack within a millisecond or two.

Here the request's `ack` says when it is called (`SignallingAck`, put in the context by the
`signal` middleware), and the executor (`AckWaitingExecutor`) hands the listener to a thread and
waits for that (or for the listener to end, when it fails before acking) before handing back to
Bolt, whose first look then finds the ack: the answer leaves as soon as it is given. What the
listener does after its ack (`views.open`, `views.update`, `respond`, the store call of an
Approve) goes on on the listener's thread exactly as before; nothing of it holds the answer.
Bolt's own look stays as the fallback: a listener that takes longer than `ACK_WAIT` to ack is
answered as Bolt would.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from slack_bolt import Ack, BoltContext, BoltResponse

P = ParamSpec("P")
T = TypeVar("T")

#: the longest the request's thread waits for the ack before leaving it to Bolt's own look:
#: Slack's 3 s
ACK_WAIT = 3.0

#: the ack of the request this thread is dispatching, from the middleware to the executor (both
#: run on the request's thread, the middleware first)
_dispatching = threading.local()


class SignallingAck(Ack):
    """Bolt's `ack`, which also says that it was called."""

    def __init__(self) -> None:
        super().__init__()
        self.given = threading.Event()

    def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        try:
            return super().__call__(*args, **kwargs)
        finally:
            self.given.set()
            # let the request's thread, woken by the set, take the interpreter now rather than
            # when this thread next waits on the database or Slack
            time.sleep(0)


def signal(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse:
    """The middleware that gives each request a `SignallingAck` (before any listener can ack)."""
    ack = SignallingAck()
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
