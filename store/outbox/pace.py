"""Booking a post's slot in the database, so Slack's rates hold for the whole deployment.

Slack's ceiling for `chat.postMessage` is the workspace's, not a process's: with two workers (or
serve replicas that send) each pacing itself, the deployment would post twice as fast. So every
sending process books each post in `send_slots`, one short transaction: the next moment any post
may go (`REFDESK_POST_RATE` apart) and the next moment its channel may have one (a second apart).
Each booking is an atomic upsert, so two processes booking at once get different slots.
"""

from __future__ import annotations

import math

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
    db: Database, channel: str, now: float, gap: float, per_channel: float, latest: float = math.inf
) -> tuple[float, bool]:
    """The moment (epoch seconds, not before `now`) a post to `channel` may go, and whether it was
    booked: a slot after `latest` (the sender could no longer use it) is not, so a post handed
    back never pushes its channel's later posts further away.

    The overall spacing counts from its own last slot, not from this post's: a post that waits for
    its busy channel must not hold back the posts to every other channel.
    """
    try:
        with db.transaction() as session:
            overall = _advance(session, ANY, now, gap)
            slot = _advance(session, channel, overall, per_channel)
            if slot > latest:
                raise _TooLate(slot)  # rolled back: nothing booked
            if int(overall // FORGET_AFTER) != int((overall - gap) // FORGET_AFTER):  # about once a minute
                session.execute(
                    delete(SendSlot).where(SendSlot.name != ANY, SendSlot.next_at < now - FORGET_AFTER)
                )
    except _TooLate as late:
        return late.slot, False
    return slot, True


def _advance(session: Session, name: str, earliest: float, step: float) -> float:
    """Take the slot `name` has free from `earliest` on and move it `step` along; the slot taken."""
    upsert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = upsert(SendSlot).values(name=name, next_at=earliest + step)
    later = case((SendSlot.next_at > earliest, SendSlot.next_at), else_=earliest) + step
    taken = session.execute(
        statement.on_conflict_do_update(index_elements=[SendSlot.name], set_={"next_at": later}).returning(
            SendSlot.next_at
        )
    ).scalar_one()
    return float(taken) - step
