"""Finding a delivery's own message in Slack, so a post whose outcome is unknown is never repeated.

Every message a delivery posts carries a marker: the block id `rd-<hash of the delivery key>` on
its first block that has no id of its own. A sender that cannot know whether its post landed (it
died, or Slack's answer never came) leaves the delivery in doubt; the next sender, once the post
can no longer be in flight (`attempts.in_flight`), reads the recipient's conversation for the
marker before posting again. A delivery posted again after a look-up found nothing is looked for
once more later: should the first post land after all, the person would see it twice, so every
copy but the one the delivery keeps is deleted.
"""

from __future__ import annotations

import hashlib
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from store.outbox.queue import DeliveryJob

#: how far back a look-up reads: the marked message is among the conversation's latest
HISTORY_DEPTH = 50


def marker(key: str) -> str:
    """The block id that names which delivery posted a message."""
    return "rd-" + hashlib.sha256(key.encode()).hexdigest()[:24]


def marked(blocks: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """`blocks` with the delivery's marker on the first block free to carry it."""
    for i, block in enumerate(blocks):
        if "block_id" not in block:
            return [*blocks[:i], {**block, "block_id": marker(key)}, *blocks[i + 1 :]]
    raise ValueError(f"delivery {key}: no block can carry its marker (every message needs one)")


def keep_one(client: WebClient, job: DeliveryJob) -> tuple[str, str] | None:
    """(channel, ts) of the one message of this delivery left in its recipient's conversation, if
    it posted any: the one recorded (`job.ts`) if it is there, else the first posted; any other
    copy is deleted."""
    channel = job.recipient
    if channel.startswith(("U", "W")):
        channel = client.conversations_open(users=channel)["channel"]["id"]
    wanted = marker(job.key)
    copies = [
        str(message["ts"])
        for message in client.conversations_history(channel=channel, limit=HISTORY_DEPTH).get("messages", [])
        if any(block.get("block_id") == wanted for block in message.get("blocks") or [])
    ]
    if not copies:
        return None
    kept = job.ts if job.ts in copies else min(copies, key=float)
    for ts in copies:
        if ts != kept:
            _delete(client, channel, ts)
    return channel, kept


def _delete(client: WebClient, channel: str, ts: str) -> None:
    try:
        client.chat_delete(channel=channel, ts=ts)
    except SlackApiError as exc:
        if exc.response.get("error") != "message_not_found":  # deleted already: what was wanted
            raise
