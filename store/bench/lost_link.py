"""A lost link (flow 18): whoever types an address on the lost-link page gets, if the address is
an advocate's (or an open invitation's), a fresh link by e-mail — and the same answer either way,
so the page never tells who is in the program.

At most one e-mail per person per hour (the key names the hour): the page cannot be used to
flood someone's inbox, however often their address is typed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from store.addresses import BadAddress, clean_address
from store.bench import notices
from store.customer.consent import mail_recipient
from store.db import Database
from store.models import Advocate, Nomination, NominationStatus
from store.outbox import queue
from store.outbox.kinds import DeliveryKind


def owe_fresh_links(db: Database, typed: str, now: dt.datetime) -> tuple[str, ...]:
    """The keys of the e-mails owed for `typed` (none for an unknown or malformed address)."""
    try:
        address = clean_address(typed)
    except BadAddress:
        return ()
    hour = now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H")
    keys: list[str] = []
    with db.transaction() as session:
        for advocate_id in session.scalars(
            select(Advocate.id).where(Advocate.email == address, Advocate.forgotten_at.is_(None))
        ):
            key = f"advocate-link:{advocate_id}:{hour}"
            recipient = mail_recipient(advocate_id)
            if queue.enqueue(session, key=key, kind=DeliveryKind.ADVOCATE_LINK, recipient=recipient, now=now):
                keys.append(key)
        for nomination in session.scalars(
            select(Nomination).where(
                Nomination.email == address, Nomination.status == NominationStatus.INVITED
            )
        ):
            keys += notices.owe_invitation(session, nomination, now, again_at=hour)
    return tuple(keys)
