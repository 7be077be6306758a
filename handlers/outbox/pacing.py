"""Keeping this process's fan-out of Slack messages inside Slack's rate limits."""

from __future__ import annotations

import threading
import time

from handlers.outbox.messages import NotYet


class Pacer:
    """Keeps this process's chat.postMessage fan-out inside Slack's rate limits.

    Slack allows about one message per second per channel (short bursts tolerated) under a
    workspace-wide ceiling it does not publish. So a burst of DMs to many people is spaced by
    `1 / per_second` overall, and messages to the same channel by `per_channel_seconds`. A 429
    that gets through anyway puts the post back in the outbox, due again after `Retry-After`
    (posts are never retried inside the call: see `bot.slack_client`). `per_second <= 0`
    switches pacing off (benchmarks).

    A process that stops `close`s it: a post waiting for its slot then goes back to the outbox
    unsent (`NotYet`), for the next process, instead of holding the stop for its turn.
    """

    def __init__(self, per_second: float = 10.0, per_channel_seconds: float = 1.0) -> None:
        self.per_second = per_second
        self.per_channel_seconds = per_channel_seconds
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._next_any = 0.0
        self._next_channel: dict[str, float] = {}

    def close(self) -> None:
        self._closed.set()

    def wait(self, channel: str) -> None:
        """Block until a message to `channel` may go out, and book its slot; `NotYet` once closed."""
        if self._closed.is_set():
            raise NotYet("the process is stopping: handing the message back")
        if self.per_second <= 0:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_any, self._next_channel.get(channel, 0.0))
            # the overall spacing counts from its own last slot, not from this post's: a post that
            # waits for its busy channel must not hold back posts to every other channel
            self._next_any = max(now, self._next_any) + 1.0 / self.per_second
            self._next_channel[channel] = slot + self.per_channel_seconds
            if len(self._next_channel) > 10_000:
                self._next_channel = {c: t for c, t in self._next_channel.items() if t > now}
        if slot > now and self._closed.wait(slot - now):
            raise NotYet("the process is stopping: handing the message back")
