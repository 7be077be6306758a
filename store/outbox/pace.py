"""Booking a post's slot in the database, so Slack's rates hold for the whole deployment.

Slack's ceiling for `chat.postMessage` is the workspace's, not a process's: with two workers (or
serve replicas that send) each pacing itself, the deployment would post twice as fast. So every
sending process books each post in `send_slots`, one short transaction: the next moment any post
may go (`REFDESK_POST_RATE` apart) and the next moment its channel may have one (a second apart).
Each booking is an atomic upsert, so two processes booking at once get different slots.

The workspace-wide pace allows a burst: Slack counts its limits in windows of a minute and grants
bursts above the pace, so a spike of posts (a quarter-end morning) need not queue behind an even
spacing while the minute's budget is unspent. The slot kept for the workspace is the generic cell
rate algorithm's "theoretical arrival time": it moves one gap along with every post, and a post
may go as soon as it is no more than `burst - 1` gaps ahead of now. So `burst` posts may go at
once, any span of time holds at most `burst` posts plus the pace's, and an hour is paced exactly.
A channel's second allows no burst: Slack may drop a channel's messages beyond it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from sqlalchemy import case, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.db import Database
from store.models import SendSlot

#: the workspace-wide slot's name (channel ids never look like it)
ANY = "*"
#: a channel's slot older than this is forgotten (it no longer holds any post back)
FORGET_AFTER = 60.0


class _TooLate(Exception):
    def __init__(self, slot: float) -> None:
        super().__init__(slot)
        self.slot = slot


def book(
    db: Database,
    channel: str,
    now: float | Callable[[], float],
    gap: float,
    per_channel: float,
    latest: float = math.inf,
    burst: int = 1,
) -> tuple[float, bool]:
    """The moment (epoch seconds, not before `now`) a post to `channel` may go, and whether it was
    booked: a slot after `latest` (the sender could no longer use it) is not, so a post handed
    back never pushes its channel's later posts further away. `burst`: how many posts may go
    at once, `gap` apart on average, before the spacing applies to the whole deployment.

    The overall spacing counts from its own last slot, not from this post's: a post that waits for
    its busy channel must not hold back the posts to every other channel.

    `now` may be a clock, read once the booking may write: a sender that waited for its turn
    (`Database.writing_beside`) books from when it got it, not from before the wait.
    """
    try:
        with db.transaction() as session:
            at = now() if callable(now) else now
            overall = _advance(session, ANY, at, gap, ahead=(max(burst, 1) - 1) * gap)
            slot = _advance(session, channel, overall, per_channel)
            if slot > latest:
                raise _TooLate(slot)  # rolled back: nothing booked
            if int(overall // FORGET_AFTER) != int((overall - gap) // FORGET_AFTER):  # about once a minute
                session.execute(
                    delete(SendSlot).where(SendSlot.name != ANY, SendSlot.next_at < at - FORGET_AFTER)
                )
    except _TooLate as late:
        return late.slot, False
    return slot, True


def _advance(session: Session, name: str, earliest: float, step: float, ahead: float = 0.0) -> float:
    """Take the slot `name` has free from `earliest` on and move it `step` along; the slot taken,
    which may run up to `ahead` before the slot kept (a burst), never before `earliest`."""
    upsert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = upsert(SendSlot).values(name=name, next_at=earliest + step)
    later = case((SendSlot.next_at > earliest, SendSlot.next_at), else_=earliest) + step
    taken = session.execute(
        statement.on_conflict_do_update(index_elements=[SendSlot.name], set_={"next_at": later}).returning(
            SendSlot.next_at
        )
    ).scalar_one()
    return max(earliest, float(taken) - step - ahead)
