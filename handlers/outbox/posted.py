"""Finding a delivery's own message in Slack, so a post whose outcome is unknown is never repeated.

Every message a delivery posts carries a marker: the block id `rd-<hash of the delivery key>` on
its first block that has no id of its own. A sender that cannot know whether its post landed (it
died, or Slack's answer never came) leaves the delivery in doubt; the next sender reads the
recipient's conversation for the marker before posting again.
"""

from __future__ import annotations

import hashlib
from typing import Any

from slack_sdk import WebClient

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


def find_posted(client: WebClient, job: DeliveryJob) -> tuple[str, str] | None:
    """(channel, ts) of the message this delivery already posted to its recipient, if any."""
    channel = job.recipient
    if channel.startswith(("U", "W")):
        channel = client.conversations_open(users=channel)["channel"]["id"]
    wanted = marker(job.key)
    for message in client.conversations_history(channel=channel, limit=HISTORY_DEPTH).get("messages", []):
        if any(block.get("block_id") == wanted for block in message.get("blocks") or []):
            return channel, str(message["ts"])
    return None
