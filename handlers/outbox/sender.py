"""The sender: claims what the outbox owes and sends each delivery by its route's transport.

It is handed everything it needs with the desk (`outbound.Outbound`), the routes included, and
imports no surface. Deliveries are claimed in batches under a lease, so two replicas never send
the same row at once; a delivery that can never arrive is recorded as failed and its route's
fallback returns what it owes instead (the admins asked to decide, the owner asked to record an
answer), which the sender sends once the batch is done: nothing starts a send inside a send.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from handlers.outbox import mail, slack
from handlers.outbox.answering import SENDER_TURN
from handlers.outbox.attempts import put_back, render_failed
from handlers.outbox.batch import one_batch
from handlers.outbox.messages import Undeliverable
from handlers.outbox.outbound import Outbound
from handlers.outbox.routing import MailRoute, Route
from store.errors import Unavailable
from store.logfields import tagged
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.outbox.queue import DeliveryJob

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempt:
    """What one attempt at a delivery came to: whether it reached its recipient, and the
    deliveries its fallback owed in its place."""

    reached: bool
    owed: tuple[str, ...] = ()


def batch_size(desk: Outbound, limit: int) -> int:
    """Claim no more than can be sent well within the lease, or another replica takes them over."""
    if desk.pacer.per_second <= 0:
        return limit
    return max(1, min(limit, int(desk.pacer.per_second * desk.lease.total_seconds() / 2)))


def deliver(
    desk: Outbound,
    keys: list[str] | None = None,
    *,
    limit: int = 50,
    fresh_for: dt.timedelta = dt.timedelta(0),
) -> int:
    """Send the due deliveries (only `keys` when given); returns how many of them reached their
    recipient.

    `fresh_for`: leave alone what listeners owed that recently (see `store.outbox.queue.claim_due`).
    What fallbacks owe in place of deliveries that can never arrive is sent after the batch, in
    batches of its own; those are other deliveries, not counted here.
    """
    if desk.client is None:
        return 0
    # the sender's writes take turns with its renders: SQLite's lock is everyone's (`store.db`)
    with desk.db.writing_beside(SENDER_TURN):
        attempts = _send_batch(desk, keys, limit, fresh_for)
        owed = [key for attempt in attempts for key in attempt.owed]
        while owed:
            again = _send_batch(desk, owed, limit, dt.timedelta(0))
            owed = [key for attempt in again for key in attempt.owed]
    return sum(attempt.reached for attempt in attempts)


def _send_batch(desk: Outbound, keys: list[str] | None, limit: int, fresh_for: dt.timedelta) -> list[Attempt]:
    claimed = queue.claim_due(
        desk.db,
        desk.now(),
        leased_at=desk.wall(),
        keys=keys,
        limit=batch_size(desk, limit),
        lease=desk.lease,
        fresh_for=fresh_for,
    )
    # no post starts past half the lease: one Slack call (bot.settings bounds it) then ends in time
    deadline = time.monotonic() + desk.lease.total_seconds() / 2
    attempts: list[Attempt] = []
    # e-mails first: SMTP waits on no Slack pacing, so an e-mail must not wait behind posts that do
    # (a person's channel booked for the next half minute holds up only that person's messages)
    claimed.sort(key=lambda job: not isinstance(_route(desk, job), MailRoute))
    with one_batch():
        for job in claimed:
            if time.monotonic() > deadline:
                put_back(desk, job, dt.timedelta(0), "handed back unsent", in_doubt=job.maybe_posted)
                continue
            try:
                with tagged(delivery_key=job.key, delivery_kind=job.kind):
                    attempts.append(_send(desk, job, deadline))
            except Unavailable as away:
                # the claim stays ours until its lease runs out; the next sender looks before posting
                log.warning("delivery %s: %s; retried once its lease runs out", job.key, away)
            except Exception:
                # the claim stays ours until its lease runs out; the next sender looks before posting
                log.exception("delivery %s: unexpected error; retried once its lease runs out", job.key)
    return attempts


def _send(desk: Outbound, job: DeliveryJob, deadline: float) -> Attempt:
    """One attempt at a claimed delivery, by its route's transport."""
    route = _route(desk, job)
    if route is None:
        render_failed(desk, job, LookupError(f"no renderer for delivery kind {job.kind!r}"))
        return Attempt(False)
    try:
        if isinstance(route, MailRoute):
            return Attempt(mail.send(desk, job, route))
        return Attempt(slack.send(desk, job, route, deadline))
    except Undeliverable as never:
        log.warning("delivery %s to %s failed for good: %s", job.key, job.recipient, never.error)
        # the fallback before the failure is recorded: it owes by keys, so a second run owes
        # nothing twice, while a failure recorded first and a fallback the database could not
        # take then would leave nobody told (the claim stays ours; its lease running out retries both)
        owed: Sequence[str] = route.fallback(desk, job, never.error) if route.fallback else ()
        queue.mark_failed(desk.db, job, never.error)
        return Attempt(False, tuple(owed))


def _route(desk: Outbound, job: DeliveryJob) -> Route[Any] | None:
    try:
        return desk.routes.get(DeliveryKind(job.kind))
    except ValueError:  # a kind this version does not know (written by another version)
        return None


def send_soon(desk: Outbound, keys: Sequence[str]) -> None:
    """Send these deliveries now, off the listener's thread when the desk has an executor.

    Listeners call this right after their store call: the messages usually reach Slack within
    milliseconds, and if Slack is slow or down the worker retries them later from the outbox.
    Where a worker process sends (`worker_sends`), the store call's commit already woke it.
    A process that is stopping has shut its executor: a listener that acked before the stop and
    finishes after it leaves its messages owed, for the next process, and its work stands (it
    must not tell the person that nothing was changed).
    """
    if not keys or desk.worker_sends:
        return
    if desk.executor is None:
        deliver(desk, list(keys))
        return
    try:
        desk.executor.submit(_deliver_logged, desk, list(keys))
    except RuntimeError:  # "cannot schedule new futures after shutdown": the process is stopping
        log.info("stopping: %s stay owed for the next process to send", list(keys))


def _deliver_logged(desk: Outbound, keys: list[str]) -> None:
    """`deliver` on the executor's thread, whose exceptions nobody else would see. The database
    away (a lock, the sender's turn, a timeout) is a warning: what was not claimed stays owed and
    what was stays under its lease, for a later delivery pass; anything else is a bug, logged with
    its traceback."""
    try:
        deliver(desk, keys)
    except Unavailable as away:
        log.warning("sending %s: %s; the delivery worker will retry", keys, away)
    except Exception:
        log.exception("sending %s failed; the delivery worker will retry", keys)
