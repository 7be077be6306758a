"""What a nomination owes people, written in the transaction of the change it reports: the
deciders' DM, the contact's invitation, the nominator's news, the rewrite of the deciders' DMs,
and the reminders of a nomination that waits a week.

Keys name each message once: `nomination-decide:<id>:<user>`, `nomination-invite:<id>`,
`nomination-news:<id>:<status>:<user>`, `nomination-refresh:<id>:<status>`, and
`nomination-remind:<id>:<status>[:<user>]` (a reminder per wait, so each wait reminds once).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Account, Nomination, NominationStatus
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.outbox.payloads import NominationPayload

REMINDER = "reminder"
#: the news of an invitation that can never be e-mailed
UNDELIVERABLE = "undeliverable"
#: the prefixes of the keys of the deciders' DMs (a decision rewrites them)
DECIDER_KEYS = ("nomination-decide:{id}:", "nomination-remind:{id}:proposed:")
#: the prefix of the keys of the news DMs about a nomination (only erasure rewrites them)
NEWS_KEYS = ("nomination-news:{id}:",)
#: a refresh that rewrites every DM about the nomination, news included: the contact was removed
ERASED = "erased"


def nominee_recipient(nomination_id: int) -> str:
    """The outbox recipient of an e-mail to a nominated contact (the address is read when it is sent)."""
    return f"nominee:{nomination_id}"


def nomination_of_recipient(recipient: str) -> int:
    prefix, _, number = recipient.partition(":")
    if prefix != "nominee" or not number.isdigit():
        raise ValueError(f"{recipient!r} is not a nominee recipient")
    return int(number)


def deciders_of(session: Session, nomination: Nomination, admins: Iterable[str]) -> tuple[str, ...]:
    """Who decides a nomination: the account's owner in Slack, else the program admins."""
    owner = session.scalar(select(Account.owner_slack_id).where(Account.id == nomination.account_id))
    return (owner,) if owner else tuple(sorted(admins))


def _owe(
    session: Session,
    key: str,
    kind: DeliveryKind,
    recipient: str,
    nomination: Nomination,
    now: dt.datetime,
    about: str = "",
) -> list[str]:
    payload = NominationPayload(nomination.id, about)
    added = queue.enqueue(session, key=key, kind=kind, recipient=recipient, now=now, payload=payload)
    return [key] if added else []


def owe_decisions(
    session: Session, nomination: Nomination, deciders: Iterable[str], now: dt.datetime
) -> tuple[str, ...]:
    """Each decider's DM with **Invite them** / **Not now**."""
    keys: list[str] = []
    for decider in deciders:
        key = f"nomination-decide:{nomination.id}:{decider}"
        keys += _owe(session, key, DeliveryKind.NOMINATION_DECISION, decider, nomination, now)
    return tuple(keys)


def owe_invitation(
    session: Session,
    nomination: Nomination,
    now: dt.datetime,
    *,
    reminder: bool = False,
    again_at: str | None = None,
) -> tuple[str, ...]:
    """The contact's e-mail invitation to join (or its one reminder; or, with `again_at` the name
    of an hour, a copy asked for on the lost-link page: one that hour, however often it is asked)."""
    key = f"nomination-remind:{nomination.id}:invited" if reminder else f"nomination-invite:{nomination.id}"
    if again_at is not None:
        key = f"nomination-invite:{nomination.id}:again:{again_at}"
    about = REMINDER if reminder else ""
    recipient = nominee_recipient(nomination.id)
    return tuple(_owe(session, key, DeliveryKind.NOMINATION_INVITE, recipient, nomination, now, about))


def owe_news(
    session: Session,
    nomination: Nomination,
    people: Iterable[str | None],
    now: dt.datetime,
    *,
    but: str,
    about: str | None = None,
) -> tuple[str, ...]:
    """`people` in Slack (the nominator, the owner…) told the nomination's new status (or
    `about`), not `but` who caused it."""
    told = sorted({person for person in people if person and person != but and person.startswith(("U", "W"))})
    said = about or nomination.status
    keys: list[str] = []
    for person in told:
        key = f"nomination-news:{nomination.id}:{said}:{person}"
        keys += _owe(session, key, DeliveryKind.NOMINATION_NEWS, person, nomination, now, said)
    return tuple(keys)


def owe_refresh(
    session: Session, nomination: Nomination, by: str, now: dt.datetime, *, why: str | None = None
) -> tuple[str, ...]:
    """The deciders' DMs rewritten with the nomination as it now stands (no buttons once decided);
    `why` ERASED: the news DMs too, once (the contact's name and address are gone)."""
    about = why or nomination.status
    key = f"nomination-refresh:{nomination.id}:{about}"
    return tuple(_owe(session, key, DeliveryKind.NOMINATION_REFRESH, by[:32], nomination, now, about))


def owe_reminder_to_deciders(
    session: Session, nomination: Nomination, deciders: Iterable[str], now: dt.datetime
) -> tuple[str, ...]:
    keys: list[str] = []
    for decider in deciders:
        key = f"nomination-remind:{nomination.id}:{NominationStatus.PROPOSED}:{decider}"
        keys += _owe(session, key, DeliveryKind.NOMINATION_DECISION, decider, nomination, now, REMINDER)
    return tuple(keys)
