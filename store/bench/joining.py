"""The contact's own answer to an invitation, on the page its e-mail links to: **Join the program**
makes them an advocate with the activities they ticked (the link proves the address: double
opt-in); **No, thanks** closes the nomination for good.

Both are conditional updates on the nomination's status, so two tabs, a double click or a join
racing a no each settle it once: the second **Join the program** finds the advocate the first one
made. Someone who said **No, thanks** may still join from the same link (their own action); once
joined, their own page is where they change their mind.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store import forgotten
from store.addresses import AddressKey
from store.bench import notices
from store.bench.deciding import NominationMoved
from store.db import Database
from store.errors import AlreadySettled, Gone, Invalid
from store.models import Account, AccountStatus, Advocate, Nomination, NominationStatus
from store.rules.policy import Policy

#: who answered, on the ledger of who did what: the contact on their page
CONTACT = "contact"


def join(
    db: Database,
    policy: Policy,
    nomination_id: int,
    activities: tuple[str, ...],
    *,
    now: dt.datetime,
    key: AddressKey | None,
) -> NominationMoved:
    """**Join the program** with what they are happy to do (each activity its own consent)."""
    if not activities:
        raise Invalid({"activities": "Tick at least one thing you are happy to do."})
    if any(activity not in policy.activities for activity in activities):
        raise Invalid({"activities": "Please tick from the list."})
    with db.transaction() as session:
        nomination = _answerable(session, nomination_id, key)
        if nomination.status == NominationStatus.JOINED:
            return NominationMoved(
                nomination.id, nomination.status, (), nomination.advocate_id, changed=False
            )
        _move(
            session,
            nomination,
            (NominationStatus.INVITED, NominationStatus.NO_THANKS),
            NominationStatus.JOINED,
        )
        if nomination.status != NominationStatus.JOINED:  # a "No, thanks" won the race
            raise AlreadySettled(nomination.status, CONTACT)
        if nomination.advocate_id is not None:  # the other tab's join won the race
            return NominationMoved(
                nomination.id, nomination.status, (), nomination.advocate_id, changed=False
            )
        advocate = _advocate(session, nomination, activities, now)
        nomination.advocate_id, nomination.answered_at, nomination.open_key = advocate.id, now, None
        keys = _told(session, nomination, now)
        return NominationMoved(nomination.id, nomination.status, keys, advocate.id)


def no_thanks(
    db: Database, nomination_id: int, *, now: dt.datetime, key: AddressKey | None
) -> NominationMoved:
    """**No, thanks**: closed for good; the nominator and the owner are told."""
    with db.transaction() as session:
        nomination = _answerable(session, nomination_id, key)
        if nomination.status == NominationStatus.NO_THANKS:
            return NominationMoved(nomination.id, nomination.status, (), changed=False)
        if nomination.status != NominationStatus.INVITED:
            raise AlreadySettled(nomination.status, CONTACT)
        _move(session, nomination, (NominationStatus.INVITED,), NominationStatus.NO_THANKS)
        if nomination.status != NominationStatus.NO_THANKS:
            raise AlreadySettled(nomination.status, CONTACT)
        nomination.answered_at, nomination.open_key = now, None
        return NominationMoved(nomination.id, nomination.status, _told(session, nomination, now))


def _answerable(session: Session, nomination_id: int, key: AddressKey | None) -> Nomination:
    """The nomination the contact answers: invited (or answered before), not withdrawn, its
    account not do-not-contact, its address not removed since."""
    nomination = session.get(Nomination, nomination_id) if 0 < nomination_id < 2**31 else None
    if nomination is None or nomination.email is None:
        raise Gone(f"no invitation {nomination_id}")
    answered = (NominationStatus.INVITED, NominationStatus.JOINED, NominationStatus.NO_THANKS)
    if nomination.status not in answered:
        raise AlreadySettled(nomination.status)
    status = session.scalar(select(Account.status).where(Account.id == nomination.account_id))
    if status == AccountStatus.DO_NOT_CONTACT or forgotten.forgotten_among(session, key, [nomination.email]):
        raise AlreadySettled(NominationStatus.WITHDRAWN)
    return nomination


def _move(
    session: Session, nomination: Nomination, sources: tuple[NominationStatus, ...], target: NominationStatus
) -> None:
    """Its status from one of `sources` to `target`, or left as another answer made it; re-read."""
    session.execute(
        update(Nomination)
        .where(Nomination.id == nomination.id, Nomination.status.in_(sources))
        .values(status=target)
        .execution_options(synchronize_session=False)
    )
    session.refresh(nomination)


def _advocate(
    session: Session, nomination: Nomination, activities: tuple[str, ...], now: dt.datetime
) -> Advocate:
    """The advocate they become: the account's advocate with their address if the CRM already
    had one, else a new one, with exactly the activities they ticked."""
    assert nomination.email is not None
    advocate = session.scalar(
        select(Advocate).where(
            Advocate.account_id == nomination.account_id, Advocate.person_key == nomination.email
        )
    )
    if advocate is None:
        advocate = Advocate(account_id=nomination.account_id, person_key=nomination.email)
        session.add(advocate)
    advocate.name = nomination.name
    advocate.title = advocate.title or nomination.title
    advocate.email = nomination.email
    advocate.activities = ";".join(activities)
    advocate.joined_at = now
    session.flush()
    return advocate


def _told(session: Session, nomination: Nomination, now: dt.datetime) -> tuple[str, ...]:
    owner = session.scalar(select(Account.owner_slack_id).where(Account.id == nomination.account_id))
    return (
        *notices.owe_news(session, nomination, [nomination.nominated_by, owner], now, but=CONTACT),
        *notices.owe_refresh(session, nomination, CONTACT, now),
    )
