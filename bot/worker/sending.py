"""The worker's senders: threads that send what the outbox owes the moment it is owed.

One waker thread says when to look: on PostgreSQL a connection that `LISTEN`s for the enqueues'
`NOTIFY` (`store.outbox.wakeup`), on SQLite a cheap read every `SQLITE_POLL_SECONDS`; and, either
way, every REFDESK_DELIVERY_INTERVAL for retries that came due and leases that ran out. On a wake
every sender thread claims small batches (`FOR UPDATE SKIP LOCKED` on PostgreSQL: threads and
other workers claim side by side) until a pass sends nothing, then waits for the next wake.

Stopping (`stop`) lets each thread finish the delivery in hand — sent and recorded, or put back —
and take no other; a claim still held when the bound runs out stays under its lease, and the next
sender looks in Slack before posting it again. So a stop never sends a message twice nor loses one.
"""

from __future__ import annotations

import logging
import threading
import time

from handlers.kit.desk import Desk
from handlers.outbox.sender import deliver
from store.errors import Unavailable
from store.outbox.queue import anything_due
from store.outbox.wakeup import Listener

log = logging.getLogger(__name__)

#: SQLite has no NOTIFY: how often the worker looks for something due (a notice reaches Slack
#: within about this, as one from `serve` does)
SQLITE_POLL_SECONDS = 0.25
#: what one sender thread claims at a time: small, so the other threads share a burst
BATCH = 4
#: how long after a lost LISTEN connection the waker opens a new one
RELISTEN_SECONDS = 2.0


class Senders:
    def __init__(self, desk: Desk, threads: int, interval: float) -> None:
        self.desk = desk
        self.interval = interval
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._generation = 0
        self._threads = [
            threading.Thread(target=self._send, name=f"sender-{n}", daemon=True) for n in range(threads)
        ]
        self._waker = threading.Thread(target=self._watch, name="outbox-waker", daemon=True)

    def start(self) -> None:
        self._waker.start()
        for thread in self._threads:
            thread.start()

    def stop(self, within: float) -> bool:
        """Finish the deliveries in hand and take no more; True when every thread was done in time."""
        self._stop.set()
        self.wake()
        deadline = time.monotonic() + within
        for thread in [*self._threads, self._waker]:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in self._threads)

    def wake(self) -> None:
        with self._wake:
            self._generation += 1
            self._wake.notify_all()

    # -- the senders ---------------------------------------------------------------------------

    def _send(self) -> None:
        seen = -1
        while not self._stop.is_set():
            with self._wake:
                if self._generation == seen:
                    self._wake.wait(self.interval)
                seen = self._generation
            while not self._stop.is_set() and self._one_batch():
                pass

    def _one_batch(self) -> bool:
        """Send one small batch; True when it sent something (there may be more)."""
        try:
            return deliver(self.desk, limit=BATCH) > 0
        except Unavailable:
            return False  # the database is away: the next wake tries again
        except Exception:
            log.exception("a delivery pass failed; the next wake tries again")
            return False

    # -- the waker -------------------------------------------------------------------------------

    def _watch(self) -> None:
        if self.desk.db.dialect == "postgresql":
            self._listen()
        else:
            self._poll()

    def _poll(self) -> None:
        while not self._stop.wait(SQLITE_POLL_SECONDS):
            try:
                due = anything_due(self.desk.db, self.desk.now(), self.desk.wall())
            except Unavailable:
                continue
            if due:
                self.wake()

    def _listen(self) -> None:
        listener: Listener | None = None
        while not self._stop.is_set():
            try:
                if listener is None:
                    listener = Listener(self.desk.db)
                    self.wake()  # what was owed while nobody listened
                if listener.wait(timeout=min(1.0, self.interval)):
                    self.wake()
            except Exception as error:
                log.warning(
                    "outbox wake-ups lost (%s): sending every %g s until they are back", error, self.interval
                )
                if listener is not None:
                    listener.close()
                listener = None
                self._stop.wait(RELISTEN_SECONDS)
        if listener is not None:
            listener.close()
