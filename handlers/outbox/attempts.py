"""Putting a delivery back after an attempt that did not settle it, the same way for both
transports: when it is due again, and whether a post of it may already sit in Slack (and then how
long Slack may still take to store it)."""

from __future__ import annotations

import datetime as dt
import logging
import time

from handlers.outbox.outbound import Outbound
from store.errors import Unavailable
from store.outbox import queue
from store.outbox.queue import DeliveryJob

log = logging.getLogger(__name__)

MAX_BACKOFF = dt.timedelta(minutes=15)
#: a delivery whose renderer still raises on this attempt fails for good (a bug, not a hiccup)
MAX_RENDER_ATTEMPTS = 5


def backoff(desk: Outbound, attempts: int) -> dt.timedelta:
    """The first retry after `retry_base_seconds`, doubling with each attempt, 15 minutes at most."""
    return min(dt.timedelta(seconds=desk.retry_base_seconds * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def in_flight(desk: Outbound) -> dt.timedelta:
    """How long after it was sent a post whose answer never came may still land in Slack.

    Half the lease: no post starts past half its claim's lease (`handlers.outbox.sender`), so a
    sender that died mid-post has had at least that long before another takes its claim over and
    looks; a post that timed out waits as long before its look-up. The settings make it longer
    than one Slack call can take (`bot.settings`: the lease outlasts three timeouts), so a post
    Slack is still holding when the client gives up has that much more time to land.
    """
    return desk.lease / 2


def in_flight_left(desk: Outbound, posted_at: float | None) -> dt.timedelta:
    """What is left of the in-flight window of a post sent at `posted_at` (`time.monotonic()`)."""
    if posted_at is None:
        return dt.timedelta(0)
    return max(in_flight(desk) - dt.timedelta(seconds=time.monotonic() - posted_at), dt.timedelta(0))


def put_back(desk: Outbound, job: DeliveryJob, delay: dt.timedelta, error: str, in_doubt: bool) -> None:
    """Retry after `delay`; a delivery that may have been posted keeps its doubt for the next sender.

    When the database cannot record even that, the claim is left as it is: once its lease runs
    out the next sender takes it over in doubt and looks for the message before posting.
    """
    try:
        if in_doubt:
            queue.mark_uncertain(desk.db, job, desk.wall(), delay, f"{error} (outcome unknown)")
        else:
            queue.mark_retry(desk.db, job, desk.now(), delay, error)
    except Unavailable:
        log.warning("delivery %s: the database is unavailable; retried once its lease runs out", job.key)


def render_failed(desk: Outbound, job: DeliveryJob, exc: Exception) -> None:
    """A renderer that raises is a bug or a row that does not fit its kind: a few tries, then failed."""
    error = f"render error: {exc.__class__.__name__}: {exc}"
    if job.attempts < MAX_RENDER_ATTEMPTS:
        log.debug("delivery %s: %s (attempt %s)", job.key, error, job.attempts)
        queue.mark_retry(desk.db, job, desk.now(), backoff(desk, job.attempts), error)
        return
    log.error(
        "delivery %s (%s) failed for good after %s attempts: %s",
        job.key,
        job.kind,
        job.attempts,
        error,
        exc_info=exc,
    )
    queue.mark_failed(desk.db, job, error)
