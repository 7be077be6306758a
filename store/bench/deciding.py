"""The owner's decision on a nomination (**Invite them** / **Not now**), and the week-old
nominations that remind whoever they wait for, once.

A decision is a conditional update (`... WHERE status = 'proposed'`): a double click, the owner
and an admin at once, or a DM and its reminder clicked one after the other decide once; the
others hear it was already decided.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from store import forgotten
from store.act import Act
from store.bench import notices
from store.db import Database
from store.errors import AlreadySettled, Gone, Invalid, NotAllowed
from store.models import Account, AccountStatus, Nomination, NominationStatus

REASON_MAX = 1000
#: how long a nomination waits for the owner's decision, or the contact's answer, before it
#: reminds them (product.md, flow 16: a week)
REMIND_AFTER = dt.timedelta(days=7)


@dataclass(frozen=True)
class NominationMoved:
    nomination_id: int
    status: str
    delivery_keys: tuple[str, ...]
    #: the advocate the contact became (**Join the program**)
    advocate_id: int | None = None
    #: False when it had already moved so (a second click of the same answer: nothing new)
    changed: bool = True


def invite(db: Database, nomination_id: int, act: Act) -> NominationMoved:
    """**Invite them**: the contact is e-mailed on the owner's behalf, the nominator told."""
    with db.transaction() as session:
        nomination = _decidable(session, nomination_id, act)
        why_not = _why_not_invite(session, nomination)
        if why_not is not None:
            raise Invalid({"nomination": why_not})
        _move(
            session,
            nomination,
            NominationStatus.INVITED,
            decided_by=act.user,
            decided_at=act.now,
            invited_at=act.now,
        )
        keys = (
            *notices.owe_invitation(session, nomination, act.now),
            *notices.owe_news(session, nomination, [nomination.nominated_by], act.now, but=act.user),
            *notices.owe_refresh(session, nomination, act.user, act.now),
        )
        return NominationMoved(nomination.id, nomination.status, keys)


def not_now(db: Database, nomination_id: int, reason: str, act: Act) -> NominationMoved:
    """**Not now**, with a reason the nominator reads; the contact hears nothing."""
    reason = reason.strip()
    if not reason:
        raise Invalid({"reason": "Say why, for the person who nominated them."})
    if len(reason) > REASON_MAX:
        raise Invalid({"reason": f"Keep it under {REASON_MAX} characters."})
    with db.transaction() as session:
        nomination = _decidable(session, nomination_id, act)
        _move(
            session,
            nomination,
            NominationStatus.NOT_NOW,
            decided_by=act.user,
            decided_at=act.now,
            reason=reason,
            open_key=None,
        )
        keys = (
            *notices.owe_news(session, nomination, [nomination.nominated_by], act.now, but=act.user),
            *notices.owe_refresh(session, nomination, act.user, act.now),
        )
        return NominationMoved(nomination.id, nomination.status, keys)


def check_decider(db: Database, nomination_id: int, act: Act) -> None:
    """Before **Not now** opens its reason modal: `act.user` may decide it, and it is still open."""
    with db.transaction(readonly=True) as session:
        _decidable(session, nomination_id, act)


def _decidable(session: Session, nomination_id: int, act: Act) -> Nomination:
    nomination = session.get(Nomination, nomination_id) if 0 < nomination_id < 2**31 else None
    if nomination is None:
        raise Gone(f"no nomination {nomination_id}")
    owner = session.scalar(select(Account.owner_slack_id).where(Account.id == nomination.account_id))
    if not act.may_act_for(owner):
        raise NotAllowed("decide this nomination", (owner,) if owner else ())
    if nomination.status != NominationStatus.PROPOSED:
        raise AlreadySettled(nomination.status, nomination.decided_by)
    return nomination


def _move(session: Session, nomination: Nomination, target: NominationStatus, **values: object) -> None:
    """proposed → `target`, or `AlreadySettled` when someone else decided first."""
    won = session.execute(
        update(Nomination)
        .where(Nomination.id == nomination.id, Nomination.status == NominationStatus.PROPOSED)
        .values(status=target, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(nomination)
    if not won:
        raise AlreadySettled(nomination.status, nomination.decided_by)


def invitation_undeliverable(
    db: Database, nomination_id: int, now: dt.datetime, *, admins: Iterable[str]
) -> tuple[str, ...]:
    """The invitation can never be e-mailed (a refused address, no mail settings): whoever decided
    and the nominator are told, so someone can invite them in person."""
    with db.transaction() as session:
        nomination = session.get(Nomination, nomination_id)
        if nomination is None or nomination.status != NominationStatus.INVITED:
            return ()
        people = [
            nomination.decided_by,
            nomination.nominated_by,
            *notices.deciders_of(session, nomination, admins),
        ]
        return notices.owe_news(session, nomination, people, now, but="", about=notices.UNDELIVERABLE)


def owe_reminders(db: Database, *, now: dt.datetime, after: dt.timedelta, admins: Iterable[str]) -> list[str]:
    """Nominations waiting `after` or longer remind whoever they wait for, once per wait: the
    deciders (a DM with the buttons again) or the contact (the invitation again, with a fresh link)."""
    since = now - after
    with db.transaction() as session:
        keys: list[str] = []
        for nomination in session.scalars(
            select(Nomination)
            .where(
                or_(
                    and_(Nomination.status == NominationStatus.PROPOSED, Nomination.created_at <= since),
                    and_(Nomination.status == NominationStatus.INVITED, Nomination.invited_at <= since),
                )
            )
            .order_by(Nomination.id)
        ):
            if nomination.status == NominationStatus.PROPOSED:
                deciders = notices.deciders_of(session, nomination, admins)
                keys += notices.owe_reminder_to_deciders(session, nomination, deciders, now)
            elif _why_not_invite(session, nomination) is None:
                keys += notices.owe_invitation(session, nomination, now, reminder=True)
        return keys


def _why_not_invite(session: Session, nomination: Nomination) -> str | None:
    """Why the contact may not be e-mailed (now), or None: their account became do-not-contact
    since they were nominated, or they said **No, thanks** to another invitation."""
    status = session.scalar(select(Account.status).where(Account.id == nomination.account_id))
    if status == AccountStatus.DO_NOT_CONTACT:
        return "Their account is now do not contact: nobody there is invited."
    if nomination.email and forgotten.said_no_thanks(session, nomination.email):
        return "They said no, thanks to an invitation to the program: they are not invited again."
    return None
