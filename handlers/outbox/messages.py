"""What a renderer hands the sender: Slack messages (`Outgoing`, with an `Upload` when one carries a
file) or an e-mail (`Mail`), and the two ways it says it cannot: not yet, or never."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

#: the soonest a delivery waiting for others looks again (they are usually sent within it)
LOOK_AGAIN_SECONDS = 1.0


class NotYet(Exception):
    """A renderer's way to say "try again shortly" (e.g. the message to rewrite is still on its way);
    `after`: in how many seconds it may go (the pacer knows), else the retry back-off decides."""

    def __init__(self, why: str, after: float | None = None) -> None:
        super().__init__(why)
        self.after = after

    @classmethod
    def behind(cls, why: str, due: dt.datetime, now: dt.datetime) -> NotYet:
        """Wait for deliveries the last of which is due at `due`: look again then (at least a
        second from now), not after the doubling back-off, which is for a Slack that is down — a
        rewrite waiting for a message queued behind Slack's pace would look again ever later."""
        return cls(why, after=max(LOOK_AGAIN_SECONDS, (due - now).total_seconds()))


class Undeliverable(Exception):
    """This delivery can never arrive (the person left Slack, the mail server refused the address,
    the program has no mail settings): it fails for good, and its route's fallback tells someone
    who can act."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass(frozen=True)
class Upload:
    """A file a message carries (the digest's chart): shared with `files_upload_v2`."""

    filename: str
    title: str
    content: bytes
    alt_text: str = ""


@dataclass(frozen=True)
class Outgoing:
    """One Slack message: posted to the delivery's recipient, or (`channel` and `ts`) rewritten —
    or (`home`) the recipient's Home tab, published.

    A delivery posts at most one message, so its marker names exactly one message in Slack. A
    message with an `upload` is the file's share message; its blocks (with the marker) ride on
    `files.completeUploadExternal`, so a sender in doubt finds it like any other post. A Home is
    published by the sender, like a post, so the Web API call happens outside the render (one
    render at a time per process: a call inside it would hold every other delivery for as long as
    Slack takes to answer); publishing is idempotent and is not a chat message, so it is neither
    marked nor paced.
    """

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    channel: str | None = None
    ts: str | None = None
    upload: Upload | None = None
    home: dict[str, Any] | None = None

    @property
    def is_post(self) -> bool:
        """A new chat message (neither a rewrite nor a Home)."""
        return self.home is None and not (self.channel and self.ts)


@dataclass(frozen=True)
class Mail:
    """One e-mail to an advocate, multipart text and HTML."""

    to_name: str
    to_address: str
    subject: str
    text: str
    html: str
    #: the account's owner: the program writes on their behalf, so replies go to them
    reply_to: str | None = None
    reply_to_name: str = ""
    #: the name it comes from, at the program's address ("Olivia Owner (Northwind)"); None: the
    #: sender setting as it is
    from_name: str | None = None
