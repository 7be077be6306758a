"""A process's life — starting, ready, draining — and the SIGTERM / SIGINT that begin its end.

`docker stop`, Kubernetes and Ctrl-C all say "stop" with a signal. The handler only records it
(a signal handler must not block); the process's main thread, waiting in `wait_for_stop`, then
drains in order: readiness turns 503 at once (`/readyz`), the listener stops accepting, what is
in flight finishes within its bound, and the process exits 0.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType

log = logging.getLogger("refdesk")

#: what is in flight when the stop comes (an HTTP request, a Socket Mode envelope) is answered
#: within this: below Slack's 3 s, so the ack of a request already sent still counts
HTTP_DRAIN_SECONDS = 2.5

#: what else must hold for the process to be ready (Socket Mode connected, ...): None, or why not
Check = Callable[[], str | None]


class Lifecycle:
    def __init__(self) -> None:
        self._started = threading.Event()
        self._stopping = threading.Event()
        self._checks: list[Check] = []
        #: `time.monotonic()` when the stop was asked for
        self.stop_asked_at: float | None = None

    def add_check(self, check: Check) -> None:
        self._checks.append(check)

    def started(self) -> None:
        self._started.set()

    @property
    def draining(self) -> bool:
        return self._stopping.is_set()

    def not_ready(self) -> str | None:
        """Why the process should get no new work now, or None when it is ready."""
        if self.draining:
            return "draining"
        if not self._started.is_set():
            return "starting"
        for check in self._checks:
            problem = check()
            if problem is not None:
                return problem
        return None

    def stop(self, reason: str = "asked to") -> None:
        """Begin the drain (what SIGTERM and SIGINT do); later calls change nothing."""
        if not self._stopping.is_set():
            self.stop_asked_at = time.monotonic()
            log.info("stopping (%s): no new work taken, finishing what is in hand", reason)
            self._stopping.set()

    def wait_for_stop(self, timeout: float | None = None) -> bool:
        return self._stopping.wait(timeout)

    def handle_signals(self) -> None:
        """SIGTERM and SIGINT begin the drain (main thread only, as Python wants)."""

        def on_signal(number: int, _frame: FrameType | None) -> None:
            self.stop(signal.Signals(number).name)

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)

    def elapsed(self) -> float:
        """Seconds since the stop was asked for (0 before)."""
        return 0.0 if self.stop_asked_at is None else time.monotonic() - self.stop_asked_at

    def exit_by(self, seconds: float) -> None:
        """Exit 0 at `seconds` after the stop whatever is still running: a send still in hand then
        is left under its claim's lease, and the next sender looks in Slack before posting it."""

        def deadline() -> None:
            time.sleep(self.remaining(seconds))
            log.warning("stopped after %g s with work still in hand: claims left to their lease", seconds)
            logging.shutdown()
            os._exit(0)

        threading.Thread(target=deadline, name="stop-deadline", daemon=True).start()

    def remaining(self, budget: float) -> float:
        """Seconds left of `budget` counted from the stop (the whole budget before it)."""
        if self.stop_asked_at is None:
            return budget
        return max(0.0, budget - (time.monotonic() - self.stop_asked_at))
