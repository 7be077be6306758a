"""Sending one delivery to Slack: render it from current data, post or rewrite, record it.

Rendering happens at send time, so a message delayed by a Slack outage shows the state of things
when it goes out. Outcomes are sorted four ways:

* Slack answered and refused for now (429, a hiccup): nothing was posted, retry later (after
  `Retry-After` on a 429);
* the answer never came (a timeout, a dropped connection, a 5xx): the post may have landed or
  may still land, so the delivery is retried *in doubt* once the post can no longer be in flight,
  and that attempt looks for it before posting again (and once more after posting again);
* the message can never arrive (the person left): `Undeliverable`, for the sender to record and
  hand to the kind's fallback;
* the renderer raised: retried a few times, then failed for good (`attempts.render_failed`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import replace
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError

from handlers.outbox import posted
from handlers.outbox.answering import ANSWERING, SENDER_TURN
from handlers.outbox.attempts import backoff, in_flight, in_flight_left, put_back, render_failed
from handlers.outbox.messages import NotYet, Outgoing, Undeliverable
from handlers.outbox.outbound import Outbound
from handlers.outbox.posted import marked
from handlers.outbox.routing import SlackRoute
from store.errors import Unavailable
from store.outbox import queue
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


def send(desk: Outbound, job: DeliveryJob, route: SlackRoute[Any], deadline: float) -> bool:
    """One attempt at a claimed delivery; True when it reached Slack.

    `in_doubt` is True while a post of this delivery may sit in Slack unrecorded: from the claim
    of a `maybe_posted` delivery until the look-up says it is not there, and from the moment a
    post is sent until Slack answers it. It decides how a failed attempt is put back: a post
    whose answer never came is looked for only once it can no longer be in flight. A delivery
    posted again after a look-up found nothing stays in doubt a while longer and is looked for
    once more (`posted.keep_one` deletes a copy that landed late).
    """
    assert desk.client is not None
    in_doubt = job.maybe_posted
    reposting = False
    posted_at: float | None = None
    try:
        if in_doubt:
            landed = posted.keep_one(desk.client, job)
            if landed is None and job.channel and job.ts:  # its recorded post, beyond the look-up's reach
                landed = (job.channel, job.ts)
            if landed is not None:
                log.info("delivery %s is in Slack once: not posted again", job.key)
                queue.mark_sent(desk.db, job, desk.now(), channel=landed[0], ts=landed[1])
                return True
            in_doubt, reposting = False, True
        try:
            messages = _render(desk, job, route)
        except (NotYet, SlackClientError, OSError, Unavailable):
            raise
        except Exception as exc:
            render_failed(desk, job, exc)
            return False
        channel = ts = None
        for message in messages:
            if message.home is not None:
                desk.client.views_publish(user_id=job.recipient, view=message.home)
                continue
            if message.channel and message.ts:
                desk.client.chat_update(
                    channel=message.channel, ts=message.ts, text=message.text, blocks=message.blocks
                )
                continue
            # a slot it could not use before the claim's deadline is not booked (handed back instead)
            desk.pacer.wait(desk.db, job.recipient, latest=time.time() + deadline - time.monotonic())
            if time.monotonic() > deadline:
                raise NotYet("the send lease is running out: handing the message back")
            in_doubt, posted_at = True, time.monotonic()
            try:
                response = _post(desk, job, message)
            except SlackApiError as exc:
                # Slack answered: below 500 it refused the post; a 5xx may come after storing it
                in_doubt = exc.response.status_code >= 500
                raise
            # posted: until the database records it, the delivery stays in doubt, so a sender
            # that takes it over (the database was locked or down just now) looks before posting
            channel, ts = response.get("channel"), response.get("ts")
        if reposting and channel and ts:
            queue.mark_reposted(desk.db, job, desk.wall(), in_flight(desk), channel=channel, ts=ts)
        elif messages:
            queue.mark_sent(desk.db, job, desk.now(), channel=channel, ts=ts)
        else:
            queue.mark_said_nothing(desk.db, job, desk.now())
        return bool(messages)
    except NotYet as wait:
        delay = dt.timedelta(seconds=wait.after) if wait.after is not None else backoff(desk, job.attempts)
        put_back(desk, job, delay, str(wait), in_doubt)
    except SlackApiError as exc:
        _refused(desk, job, exc, in_doubt, in_flight_left(desk, posted_at))
    except (SlackClientError, OSError, Unavailable) as exc:
        delay = max(
            backoff(desk, job.attempts), in_flight_left(desk, posted_at) if in_doubt else dt.timedelta(0)
        )
        log.warning(
            "delivery %s: Slack or the database unreachable (%s)%s; retrying in %ss",
            job.key,
            exc.__class__.__name__,
            ", the post may have landed" if in_doubt else "",
            int(delay.total_seconds()),
        )
        put_back(desk, job, delay, exc.__class__.__name__, in_doubt)
    return False


def _render(desk: Outbound, job: DeliveryJob, route: SlackRoute[Any]) -> list[Outgoing]:
    """The delivery's messages now, its one new post (if any) carrying the delivery's marker."""
    with SENDER_TURN:  # one at a time, acks first (`handlers.outbox.answering`)
        ANSWERING.wait_for_none()
        messages = route.render(desk, job)
    posts = [m for m in messages if m.is_post]
    if len(posts) > 1:
        raise ValueError(f"a {job.kind} delivery rendered several new messages: it may post one")
    return [replace(m, blocks=marked(m.blocks, job.key)) if m in posts else m for m in messages]


def _post(desk: Outbound, job: DeliveryJob, message: Outgoing) -> Any:
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


def _refused(
    desk: Outbound, job: DeliveryJob, exc: SlackApiError, in_doubt: bool, in_flight_for: dt.timedelta
) -> None:
    """Slack said no: for good (`Undeliverable`), or for now (retried, after `Retry-After`; a 5xx
    that may have come after Slack stored the post, once it can no longer be in flight)."""
    error = str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
    if error in PERMANENT_ERRORS:
        raise Undeliverable(error)
    delay = max(backoff(desk, job.attempts), in_flight_for if in_doubt else dt.timedelta(0))
    if exc.response.status_code == 429 or error == "ratelimited":
        retry_after = exc.response.headers.get("Retry-After", exc.response.headers.get("retry-after", 1))
        delay = dt.timedelta(seconds=max(int(retry_after), 1))
    log.warning("delivery %s: Slack answered %s; retrying in %ss", job.key, error, int(delay.total_seconds()))
    put_back(desk, job, delay, error, in_doubt)
