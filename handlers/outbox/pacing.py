"""Keeping the deployment's fan-out of Slack messages inside Slack's rate limits."""

from __future__ import annotations

import math
import threading
import time

from handlers.outbox.messages import NotYet
from store.db import Database
from store.outbox import pace

#: Slack's one post a second per channel, with a tenth to spare: a slot is when a post may start,
#: and the post before it may reach Slack later than its own slot (its render, a thread's wake-up),
#: so posts booked exactly a second apart arrived closer and Slack answered 429 (`bench.burst`:
#: 28–60 in a 200-person burst, each a slot of the workspace's pace spent for nothing)
CHANNEL_SECONDS = 1.1


class Pacer:
    """Keeps chat.postMessage fan-out inside Slack's rate limits, for every sending process at once.

    Slack allows about one message per second per channel (short bursts tolerated) under a
    workspace-wide ceiling of "several hundred messages per minute", counted per minute, with
    bursts granted. So `burst` posts to many people may go at once, then they are spaced by
    `1 / per_second` overall (`store.outbox.pace`: any minute holds at most `burst` more than the
    pace's), and messages to the same channel by `per_channel_seconds`. The slots
    are booked in the database (`store.outbox.pace`), so the rates are the deployment's: one
    `serve`, or two web replicas and three workers, post at `per_second` together. A 429 that gets
    through anyway puts the post back in the outbox, due again after `Retry-After` (posts are never
    retried inside the call: see `bot.slack_client`). `per_second <= 0` switches pacing off
    (benchmarks).

    A process that stops `close`s it: a post waiting for its slot then goes back to the outbox
    unsent (`NotYet`), for the next process, instead of holding the stop for its turn.

    A sending thread waits for a slot at most `max_wait`: a later one (a channel with several
    messages queued, a workspace-wide backlog) is not booked, and the post goes back to the
    outbox due at that slot. A thread asleep for its post's slot holds the rest of its claimed
    batch and sends nothing else; with every thread asleep like that, deliveries Slack does not
    pace at all (Home, rewrites, e-mails) waited behind them.
    """

    def __init__(
        self,
        per_second: float = 10.0,
        per_channel_seconds: float = CHANNEL_SECONDS,
        max_wait: float = 2.0,
        burst: int = 1,
    ) -> None:
        self.per_second = per_second
        self.per_channel_seconds = per_channel_seconds
        self.max_wait = max_wait
        self.burst = burst
        self._closed = threading.Event()

    def close(self) -> None:
        self._closed.set()

    def wait(self, db: Database, channel: str, latest: float = math.inf) -> None:
        """Block until a message to `channel` may go out, its slot booked in `db`; `NotYet` once
        closed, or (booking nothing) when its slot comes after `latest` (epoch seconds) or more
        than `max_wait` from now, saying when it may go."""
        if self._closed.is_set():
            raise NotYet("the process is stopping: handing the message back")
        if self.per_second <= 0:
            return
        latest = min(latest, time.time() + self.max_wait)
        slot, booked = pace.book(
            db, channel, time.time, 1.0 / self.per_second, self.per_channel_seconds, latest, burst=self.burst
        )
        now = time.time()  # the booking may have waited for the sender's turn
        if not booked:
            raise NotYet("its next slot is further off than a sender waits: handed back", after=slot - now)
        if slot > now and self._closed.wait(slot - now):
            raise NotYet("the process is stopping: handing the message back")
