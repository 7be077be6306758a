"""Sending what the outbox holds: render each delivery from current data, send it, record it.

Every delivery kind has a renderer (the one map is `handlers.renderers`). Rendering happens at
send time, so a message delayed by a Slack outage shows the state of things when it goes out.
Failures are sorted four ways: Slack asks us to slow down (retry after `Retry-After`), Slack or
the network hiccups (retry with back-off), the message can never arrive (the person left:
record it and let the kind's fallback tell someone who can act), or the renderer raised (or the
kind has none): retried a few times, then failed for good.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError

from handlers.desk import Desk
from store import deliveries
from store.deliveries import DeliveryJob
from store.delivery_kinds import DeliveryKind
from store.errors import Unavailable

log = logging.getLogger(__name__)

#: errors after which the same call can never succeed
PERMANENT_ERRORS = frozenset(
    {
        "user_not_found",
        "account_inactive",
        "user_disabled",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "cannot_dm_bot",
        "message_not_found",
        "cant_update_message",
        "invalid_blocks",
        "msg_too_long",
        "no_text",
    }
)
MAX_BACKOFF = dt.timedelta(minutes=15)
#: a delivery whose renderer still raises on this attempt fails for good (a bug, not a hiccup)
MAX_RENDER_ATTEMPTS = 5


class NotYet(Exception):
    """A renderer's way to say "try again shortly" (e.g. the message to rewrite is still on its way)."""


@dataclass(frozen=True)
class Outgoing:
    """One Slack message to post (to a user's DM or a channel) or to rewrite in place."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    #: set both to rewrite an existing message with chat.update
    channel: str | None = None
    ts: str | None = None


#: the messages a delivery sends or rewrites now; empty when there is nothing left to say
Renderer = Callable[[Desk, DeliveryJob], list[Outgoing]]
#: what to do when a delivery can never arrive (e.g. reroute to the admins); gets Slack's error
Fallback = Callable[[Desk, DeliveryJob, str], None]


@dataclass(frozen=True)
class Route:
    render: Renderer
    fallback: Fallback | None = None


#: every delivery kind → how it is rendered (built by `handlers.renderers`)
Renderers = Mapping[DeliveryKind, Route]


def _route(kind: str) -> Route | None:
    # imported when sending, not at load: the renderer modules import this one for `Outgoing`
    from handlers import renderers

    try:
        return renderers().get(DeliveryKind(kind))
    except ValueError:  # a kind this version does not know (written by another version)
        return None


def batch_size(desk: Desk, limit: int) -> int:
    """Claim no more than can be sent well within the lease, or another replica takes them over."""
    if desk.pacer.per_second <= 0:
        return limit
    return max(1, min(limit, int(desk.pacer.per_second * desk.lease.total_seconds() / 2)))


def backoff(desk: Desk, attempts: int) -> dt.timedelta:
    return min(dt.timedelta(seconds=desk.retry_base_seconds * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def deliver(desk: Desk, keys: list[str] | None = None, *, limit: int = 50) -> int:
    """Send the due deliveries (only `keys` when given); returns how many reached Slack."""
    if desk.client is None:
        return 0
    sent = 0
    claimed = deliveries.claim_due(
        desk.db, desk.now(), keys=keys, limit=batch_size(desk, limit), lease=desk.lease
    )
    # past half the lease, hand the rest back rather than risk another replica sending them too
    deadline = time.monotonic() + desk.lease.total_seconds() / 2
    for job in claimed:
        if time.monotonic() > deadline:
            deliveries.mark_retry(desk.db, job, desk.now(), dt.timedelta(0), "handed back unsent")
            continue
        if _send(desk, job, deadline):
            sent += 1
    return sent


def marker(key: str) -> str:
    """The block id that names which delivery posted a message (so a retry can find it)."""
    return "rd-" + hashlib.sha256(key.encode()).hexdigest()[:24]


def _marked(blocks: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    if not blocks or "block_id" in blocks[0]:
        return blocks
    return [{**blocks[0], "block_id": marker(key)}, *blocks[1:]]


def _landed_before(desk: Desk, job: DeliveryJob, target: str) -> tuple[str, str] | None:
    """Did a sender that died mid-send already post this? Look for its marker in the channel.

    Only claims taken over from an expired lease pay for this look-up: the one window in which a
    message can reach Slack without the outbox knowing is between `chat.postMessage` and
    recording its ts.
    """
    assert desk.client is not None
    channel = target
    if target.startswith(("U", "W")):
        channel = desk.client.conversations_open(users=target)["channel"]["id"]
    wanted = marker(job.key)
    for message in desk.client.conversations_history(channel=channel, limit=50).get("messages", []):
        blocks = message.get("blocks") or []
        if blocks and blocks[0].get("block_id") == wanted:
            log.info("delivery %s had reached Slack before its sender died: not sent again", job.key)
            return channel, str(message["ts"])
    return None


def _send(desk: Desk, job: DeliveryJob, deadline: float = float("inf")) -> bool:
    assert desk.client is not None
    try:
        try:
            messages = _render(desk, job)
        except (NotYet, SlackClientError, OSError, Unavailable):
            raise
        except Exception as exc:
            _render_failed(desk, job, exc)
            return False
        channel = ts = None
        for message in messages:
            if message.ts and message.channel:
                desk.client.chat_update(
                    channel=message.channel, ts=message.ts, text=message.text, blocks=message.blocks
                )
            else:
                blocks = _marked(message.blocks, job.key)
                landed = (
                    _landed_before(desk, job, message.channel or job.recipient) if job.recovered else None
                )
                if landed is not None:
                    channel, ts = landed
                    continue
                desk.pacer.wait(message.channel or job.recipient)
                if time.monotonic() > deadline:
                    raise NotYet("the send lease is running out: handing the message back")
                response = desk.client.chat_postMessage(
                    channel=message.channel or job.recipient,
                    text=message.text,
                    blocks=blocks or None,
                    unfurl_links=False,
                )
                channel, ts = response.get("channel"), response.get("ts")
        deliveries.mark_sent(desk.db, job, desk.now(), channel=channel, ts=ts)
        return bool(messages)
    except NotYet as wait:
        deliveries.mark_retry(desk.db, job, desk.now(), backoff(desk, job.attempts), str(wait))
    except SlackApiError as exc:
        error = str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
        if error in PERMANENT_ERRORS:
            log.warning("delivery %s to %s failed for good: %s", job.key, job.recipient, error)
            deliveries.mark_failed(desk.db, job, error)
            route = _route(job.kind)
            if route is not None and route.fallback is not None:
                route.fallback(desk, job, error)
            return False
        delay = backoff(desk, job.attempts)
        if exc.response.status_code == 429 or error == "ratelimited":
            retry_after = int(
                exc.response.headers.get("Retry-After", exc.response.headers.get("retry-after", 1))
            )
            delay = dt.timedelta(seconds=max(retry_after, 1))
        log.warning(
            "delivery %s: Slack answered %s; retrying in %ss", job.key, error, int(delay.total_seconds())
        )
        deliveries.mark_retry(desk.db, job, desk.now(), delay, error)
    except (SlackClientError, OSError, Unavailable) as exc:
        delay = backoff(desk, job.attempts)
        log.warning(
            "delivery %s: Slack or the database unreachable (%s); retrying in %ss",
            job.key,
            exc.__class__.__name__,
            int(delay.total_seconds()),
        )
        deliveries.mark_retry(desk.db, job, desk.now(), delay, exc.__class__.__name__)
    return False


def _render(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    route = _route(job.kind)
    if route is None:
        raise LookupError(f"no renderer for delivery kind {job.kind!r}")
    return route.render(desk, job)


def _render_failed(desk: Desk, job: DeliveryJob, exc: Exception) -> None:
    """A renderer that raises is a bug or a row that does not fit its kind: a few tries, then failed."""
    error = f"render error: {exc.__class__.__name__}: {exc}"
    if job.attempts < MAX_RENDER_ATTEMPTS:
        log.debug("delivery %s: %s (attempt %s)", job.key, error, job.attempts)
        deliveries.mark_retry(desk.db, job, desk.now(), backoff(desk, job.attempts), error)
        return
    log.error(
        "delivery %s (%s) failed for good after %s attempts: %s",
        job.key,
        job.kind,
        job.attempts,
        error,
        exc_info=exc,
    )
    deliveries.mark_failed(desk.db, job, error)


def send_soon(desk: Desk, keys: list[str] | tuple[str, ...]) -> None:
    """Send these deliveries now, off the listener's thread when the desk has an executor.

    Listeners call this right after their store call: the messages usually reach Slack within
    milliseconds, and if Slack is slow or down the worker retries them later from the outbox.
    """
    if not keys:
        return
    if desk.executor is None:
        deliver(desk, list(keys))
        return
    desk.executor.submit(_deliver_logged, desk, list(keys))


def _deliver_logged(desk: Desk, keys: list[str]) -> None:
    try:
        deliver(desk, keys)
    except Exception:
        log.exception("sending %s failed; the delivery worker will retry", keys)
