"""Sending what the outbox holds: render each delivery from current data, send it, record it.

Every delivery kind has a renderer (the one map is `handlers.renderers`). Rendering happens at
send time, so a message delayed by a Slack outage shows the state of things when it goes out.
Outcomes are sorted four ways:

* Slack answered and refused for now (429, a hiccup): nothing was posted, retry later (after
  `Retry-After` on a 429);
* the answer never came (a timeout, a dropped connection, a 5xx): the post may have landed, so
  the delivery is retried *in doubt*, and the next attempt looks for it before posting again;
* the message can never arrive (the person left): recorded, and the kind's fallback tells
  someone who can act;
* the renderer raised (or the kind has none): retried a few times, then failed for good.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar, cast

from slack_sdk.errors import SlackApiError, SlackClientError

from handlers.kit.desk import Desk
from handlers.outbox.posted import find_posted, marked
from store.errors import Unavailable
from store.outbox import queue
from store.outbox.kinds import MAIL_KINDS, DeliveryKind
from store.outbox.queue import DeliveryJob

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

T = TypeVar("T")
#: what the renderers of the batch being sent already read (e.g. a request's card), by name
_in_hand: ContextVar[dict[Hashable, object] | None] = ContextVar("in_hand", default=None)


@contextmanager
def one_batch() -> Iterator[None]:
    """While a claimed batch is rendered, what one renderer reads (`in_hand`) the next reuses.

    The deliveries a click owes (the decider's DM and the requester's receipt; the outcome, the
    rewrite and the Home refresh) are claimed together and describe the same moment, so reading
    the request again for each of them only costs database round trips.
    """
    token = _in_hand.set({})
    try:
        yield
    finally:
        _in_hand.reset(token)


def in_hand(what: Hashable, read: Callable[[], T]) -> T:
    """`read()` once per batch (every time outside one)."""
    held = _in_hand.get()
    if held is None:
        return read()
    if what not in held:
        held[what] = read()
    return cast(T, held[what])


class NotYet(Exception):
    """A renderer's way to say "try again shortly" (e.g. the message to rewrite is still on its way)."""


@dataclass(frozen=True)
class Upload:
    """A file a message carries (the digest's chart): shared with `files_upload_v2`."""

    filename: str
    title: str
    content: bytes
    alt_text: str = ""


@dataclass(frozen=True)
class Outgoing:
    """One Slack message: posted to the delivery's recipient, or (`channel` and `ts`) rewritten.

    A delivery posts at most one message, so its marker names exactly one message in Slack. A
    message with an `upload` is the file's share message; its blocks (with the marker) ride on
    `files.completeUploadExternal`, so a sender in doubt finds it like any other post.
    """

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    channel: str | None = None
    ts: str | None = None
    upload: Upload | None = None


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
    from handlers.routes import routes

    try:
        return routes().get(DeliveryKind(kind))
    except ValueError:  # a kind this version does not know (written by another version)
        return None


def batch_size(desk: Desk, limit: int) -> int:
    """Claim no more than can be sent well within the lease, or another replica takes them over."""
    if desk.pacer.per_second <= 0:
        return limit
    return max(1, min(limit, int(desk.pacer.per_second * desk.lease.total_seconds() / 2)))


def backoff(desk: Desk, attempts: int) -> dt.timedelta:
    return min(dt.timedelta(seconds=desk.retry_base_seconds * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def deliver(
    desk: Desk,
    keys: list[str] | None = None,
    *,
    limit: int = 50,
    fresh_for: dt.timedelta = dt.timedelta(0),
) -> int:
    """Send the due deliveries (only `keys` when given); returns how many reached Slack.

    `fresh_for`: leave alone what listeners owed that recently (see `store.deliveries.claim_due`).
    """
    if desk.client is None:
        return 0
    sent = 0
    claimed = queue.claim_due(
        desk.db, desk.now(), keys=keys, limit=batch_size(desk, limit), lease=desk.lease, fresh_for=fresh_for
    )
    # no post starts past half the lease: one Slack call (bot.settings bounds it) then ends in time
    deadline = time.monotonic() + desk.lease.total_seconds() / 2
    with one_batch():
        for job in claimed:
            if time.monotonic() > deadline:
                _put_back(desk, job, dt.timedelta(0), "handed back unsent", in_doubt=job.maybe_posted)
                continue
            try:
                if _send(desk, job, deadline):
                    sent += 1
            except Exception:
                # the claim stays ours until its lease runs out; the next sender looks before posting
                log.exception("delivery %s: unexpected error; retried once its lease runs out", job.key)
    return sent


def _render(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    """The delivery's messages now, its one new post (if any) carrying the delivery's marker."""
    route = _route(job.kind)
    if route is None:
        raise LookupError(f"no renderer for delivery kind {job.kind!r}")
    messages = route.render(desk, job)
    posts = [m for m in messages if not (m.channel and m.ts)]
    if len(posts) > 1:
        raise ValueError(f"a {job.kind} delivery rendered several new messages: it may post one")
    return [replace(m, blocks=marked(m.blocks, job.key)) if m in posts else m for m in messages]


def _send(desk: Desk, job: DeliveryJob, deadline: float) -> bool:
    """One attempt at a claimed delivery; True when it reached Slack.

    `in_doubt` is True while a post of this delivery may sit in Slack unrecorded: from the claim
    of a `maybe_posted` delivery until the look-up says it is not there, and from the moment a
    post is sent until Slack answers it. It decides how a failed attempt is put back.
    """
    if job.kind in MAIL_KINDS:
        # imported here: the mail module uses this one's back-off
        from handlers.outbox.mail import send_mail

        return send_mail(desk, job)
    assert desk.client is not None
    in_doubt = job.maybe_posted
    try:
        if in_doubt:
            landed = find_posted(desk.client, job)
            if landed is not None:
                log.info("delivery %s had reached Slack unrecorded: not posted again", job.key)
                queue.mark_sent(desk.db, job, desk.now(), channel=landed[0], ts=landed[1])
                return True
            in_doubt = False
        try:
            messages = _render(desk, job)
        except (NotYet, SlackClientError, OSError, Unavailable):
            raise
        except Exception as exc:
            _render_failed(desk, job, exc)
            return False
        channel = ts = None
        for message in messages:
            if message.channel and message.ts:
                desk.client.chat_update(
                    channel=message.channel, ts=message.ts, text=message.text, blocks=message.blocks
                )
                continue
            desk.pacer.wait(job.recipient)
            if time.monotonic() > deadline:
                raise NotYet("the send lease is running out: handing the message back")
            in_doubt = True
            try:
                response = _post(desk, job, message)
            except SlackApiError as exc:
                # Slack answered: below 500 it refused the post; a 5xx may come after storing it
                in_doubt = exc.response.status_code >= 500
                raise
            # posted: until the database records it, the delivery stays in doubt, so a sender
            # that takes it over (the database was locked or down just now) looks before posting
            channel, ts = response.get("channel"), response.get("ts")
        queue.mark_sent(desk.db, job, desk.now(), channel=channel, ts=ts)
        return bool(messages)
    except NotYet as wait:
        _put_back(desk, job, backoff(desk, job.attempts), str(wait), in_doubt)
    except SlackApiError as exc:
        _refused(desk, job, exc, in_doubt)
    except (SlackClientError, OSError, Unavailable) as exc:
        delay = backoff(desk, job.attempts)
        log.warning(
            "delivery %s: Slack or the database unreachable (%s)%s; retrying in %ss",
            job.key,
            exc.__class__.__name__,
            ", the post may have landed" if in_doubt else "",
            int(delay.total_seconds()),
        )
        _put_back(desk, job, delay, exc.__class__.__name__, in_doubt)
    return False


def _post(desk: Desk, job: DeliveryJob, message: Outgoing) -> Any:
    """Post one new message: a chat message, or a file shared with the message's blocks."""
    assert desk.client is not None
    if message.upload is None:
        return desk.client.chat_postMessage(
            channel=job.recipient, text=message.text, blocks=message.blocks, unfurl_links=False
        )
    upload = message.upload
    response = desk.client.files_upload_v2(
        channel=job.recipient,
        file=upload.content,
        filename=upload.filename,
        title=upload.title,
        alt_txt=upload.alt_text or upload.title,
        blocks=json.dumps(message.blocks),
    )
    return {"channel": job.recipient, "ts": _share_ts(response, job.recipient)}


def _share_ts(response: Any, channel: str) -> str | None:
    """The ts of the file's share message in `channel`, when Slack says it."""
    shares = ((response.get("file") or {}).get("shares") or {}) if response is not None else {}
    for scope in shares.values():
        for share in (scope or {}).get(channel) or []:
            if share.get("ts"):
                return str(share["ts"])
    return None


def _put_back(desk: Desk, job: DeliveryJob, delay: dt.timedelta, error: str, in_doubt: bool) -> None:
    """Retry after `delay`; a delivery that may have been posted keeps its doubt for the next sender.

    When the database cannot record even that, the claim is left as it is: once its lease runs
    out the next sender takes it over in doubt and looks for the message before posting.
    """
    try:
        if in_doubt:
            queue.mark_uncertain(desk.db, job, desk.now(), delay, f"{error} (outcome unknown)")
        else:
            queue.mark_retry(desk.db, job, desk.now(), delay, error)
    except Unavailable:
        log.warning("delivery %s: the database is unavailable; retried once its lease runs out", job.key)


def _refused(desk: Desk, job: DeliveryJob, exc: SlackApiError, in_doubt: bool) -> None:
    error = str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
    if error in PERMANENT_ERRORS:
        log.warning("delivery %s to %s failed for good: %s", job.key, job.recipient, error)
        queue.mark_failed(desk.db, job, error)
        route = _route(job.kind)
        if route is not None and route.fallback is not None:
            route.fallback(desk, job, error)
        return
    delay = backoff(desk, job.attempts)
    if exc.response.status_code == 429 or error == "ratelimited":
        retry_after = exc.response.headers.get("Retry-After", exc.response.headers.get("retry-after", 1))
        delay = dt.timedelta(seconds=max(int(retry_after), 1))
    log.warning("delivery %s: Slack answered %s; retrying in %ss", job.key, error, int(delay.total_seconds()))
    _put_back(desk, job, delay, error, in_doubt)


def _render_failed(desk: Desk, job: DeliveryJob, exc: Exception) -> None:
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
