"""The thread pools work runs on after an ack: each task in the context of whoever handed it over,
so a Slack payload's log fields (`store.logfields`) follow it; and the decisions' own, one thread
(`OneAtATime`), with its answers beside it.

They live in the kit because listeners hand work to them (`handlers.kit.later`,
`handlers.outbox.sender.send_soon`); `bot.app` builds them for each process."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

#: decisions waiting for `OneAtATime`'s thread at most: about 2 s of them at 10–13 ms each
DECISIONS_WAITING = 150
#: how long a listener waits for room among them before it decides on its own thread
ROOM_WAIT = 0.5
#: threads that say what the decisions came to (a refusal in place, a modal opened)
ANSWER_THREADS = 4


class CarryingExecutor(ThreadPoolExecutor):
    """A thread pool whose tasks run in the context of whoever submitted them, so the log fields
    of a Slack payload (`store.logfields`) follow its listener and the sends it started."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


class NotTaken(Exception):
    """The decisions did not take the work: the process is stopping, or they stayed full for as
    long as a listener waits for room. The listener decides it itself."""


class Decisions(Protocol):
    """Where a click's decision runs after its ack, and what it came to is said (`OneAtATime`)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]: ...

    def answer(self, fn: Callable[..., Any], /, *args: Any) -> None: ...

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None: ...


class OneAtATime(CarryingExecutor):
    """Clicks' decisions after their ack (`handlers.kit.later`): one at a time, in the order the
    listeners hand them over; what each came to is said on threads of its own (`answer`).

    Decided on the listener threads, clicks faster than decisions piled up: ten decisions at once
    each took 167 ms, and the next click's listener thread waited about 9 ms for the interpreter
    before it could ack (docs/performance.md). Here they queue instead. Only the store's work
    waits in the queue; what is said to Slack after it waits for no decision and no paced send.

    At most `waiting` decisions wait. Past that a listener waits up to `ROOM_WAIT` for room after
    its ack, then decides on its own thread, as before this executor: a flood slows the acks (a
    listener thread held for as long), it does not queue without end. The bound is what the stop
    can decide in its time (REFDESK_STOP_SECONDS), not what a flood needs: the benchmark's needs
    room for 400 and then meets its targets (docs/performance.md). At 10–13 ms a decision, an
    Approve that must open the picker does so about 2 s after its click, inside its
    `trigger_id`'s 3 s; under a flood in one process, decisions take about twice as long, and
    the picker's trigger can expire: the owner is told to click again, and nothing was written.

    `shutdown` decides everything handed over, then says what it came to: nothing is cancelled."""

    def __init__(self, waiting: int = DECISIONS_WAITING, answers: int = ANSWER_THREADS) -> None:
        super().__init__(max_workers=1, thread_name_prefix="decide")
        self._answers = CarryingExecutor(max_workers=answers, thread_name_prefix="answer")
        self._room = threading.BoundedSemaphore(waiting)
        self._count = 0
        self._count_lock = threading.Lock()
        self._stopping = False

    @property
    def waiting(self) -> int:
        """Decisions handed over and not finished (the one in progress included)."""
        return self._count

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if self._stopping:
            raise NotTaken("the process is stopping")
        if not self._room.acquire(timeout=ROOM_WAIT):
            raise NotTaken(f"{self._count} decisions wait already")
        self._counted(+1)
        try:
            future = super().submit(fn, *args, **kwargs)
        except RuntimeError as error:  # shut down since the look above
            self._done(None)
            if self._stopping:
                raise NotTaken("the process is stopping") from error
            raise
        future.add_done_callback(self._done)
        return future

    def answer(self, fn: Callable[..., Any], /, *args: Any) -> None:
        """Say what a decision came to on the answers' threads (here, once they are shut)."""
        try:
            self._answers.submit(fn, *args)
        except RuntimeError:  # "cannot schedule new futures after shutdown"
            fn(*args)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._stopping = True
        super().shutdown(wait=wait, cancel_futures=cancel_futures)
        self._answers.shutdown(wait=wait, cancel_futures=cancel_futures)

    def _done(self, _: Future[Any] | None) -> None:
        self._counted(-1)
        self._room.release()

    def _counted(self, change: int) -> None:
        with self._count_lock:
            self._count += change
