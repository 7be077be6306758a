"""Nominations as people read them: one (the deciders' DM, the nominator's news, the contact's
invitation and page), the open ones with their age (the admins' App Home), and those waiting for
one owner's decision (their App Home)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from store.db import Database
from store.errors import Gone
from store.models import OPEN_NOMINATION, Account, Advocate, Nomination, NominationStatus
from store.rules.policy import Policy


@dataclass(frozen=True)
class NominationView:
    id: int
    #: the opaque id the invitation's link carries
    public_id: str
    account_id: int
    account_name: str
    owner_id: str | None
    owner_email: str | None
    name: str
    title: str
    #: None once the person was removed from the program
    email: str | None
    why: str
    #: the activities the nominator thought they might do: keys, and the policy's names
    activity_keys: tuple[str, ...]
    activity_names: tuple[str, ...]
    #: a Slack user id, or "advocate" (a colleague named on an answer page)
    nominated_by: str
    from_request_id: int | None
    status: str
    reason: str | None
    decided_by: str | None
    created_at: dt.datetime
    invited_at: dt.datetime | None
    advocate_id: int | None
    #: once they joined: the opaque id their own page's link carries
    advocate_public_id: str | None = None

    @property
    def open(self) -> bool:
        return self.status in OPEN_NOMINATION

    @property
    def waits_since(self) -> dt.datetime:
        """Since when it waits for whoever it waits for (the owner, then the contact)."""
        return (
            self.invited_at
            if self.status == NominationStatus.INVITED and self.invited_at
            else self.created_at
        )

    def age_days(self, now: dt.datetime) -> int:
        return max(0, (now - self.created_at).days)


def _view(
    policy: Policy, nomination: Nomination, account: Account, advocate_public_id: str | None
) -> NominationView:
    keys = tuple(nomination.activity_keys)
    return NominationView(
        id=nomination.id,
        public_id=nomination.public_id,
        account_id=account.id,
        account_name=account.name,
        owner_id=account.owner_slack_id,
        owner_email=account.owner_email,
        name=nomination.name,
        title=nomination.title,
        email=nomination.email,
        why=nomination.why,
        activity_keys=keys,
        activity_names=tuple(policy.activities[k].name for k in keys if k in policy.activities),
        nominated_by=nomination.nominated_by,
        from_request_id=nomination.from_request_id,
        status=nomination.status,
        reason=nomination.reason,
        decided_by=nomination.decided_by,
        created_at=nomination.created_at,
        invited_at=nomination.invited_at,
        advocate_id=nomination.advocate_id,
        advocate_public_id=advocate_public_id,
    )


def nomination(db: Database, policy: Policy, which: int | str) -> NominationView:
    """One nomination as it stands, by its id or by the opaque id its invitation's link carries
    (`public_id`), or `Gone`."""
    with db.transaction(readonly=True) as session:
        if isinstance(which, str):
            found = _rows(session, policy, Nomination.public_id == which)
        else:
            found = _rows(session, policy, Nomination.id == which) if 0 < which < 2**31 else []
        if not found:
            raise Gone(f"no nomination {which}")
        return found[0]


def open_nominations(db: Database, policy: Policy, *, limit: int) -> tuple[list[NominationView], int]:
    """The open nominations, the longest waiting first (at most `limit`), and how many are open."""
    with db.transaction(readonly=True) as session:
        total = session.scalar(select(func.count()).where(Nomination.status.in_(OPEN_NOMINATION))) or 0
        return _rows(session, policy, Nomination.status.in_(OPEN_NOMINATION), limit=limit), int(total)


def waiting_for(
    db: Database, policy: Policy, user_id: str, admins: Iterable[str], *, limit: int
) -> list[NominationView]:
    """Nominations waiting for `user_id`'s decision: on accounts they own, or (admins) on accounts
    with no owner in Slack."""
    mine = Account.owner_slack_id == user_id
    if user_id in set(admins):
        mine = or_(mine, Account.owner_slack_id.is_(None))
    with db.transaction(readonly=True) as session:
        return _rows(session, policy, (Nomination.status == NominationStatus.PROPOSED) & mine, limit=limit)


def _rows(
    session: Session, policy: Policy, where: ColumnElement[bool], *, limit: int | None = None
) -> list[NominationView]:
    query = (
        select(Nomination, Account, Advocate.public_id)
        .join(Account, Account.id == Nomination.account_id)
        .outerjoin(Advocate, Advocate.id == Nomination.advocate_id)
        .where(where)
        .order_by(Nomination.created_at, Nomination.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return [_view(policy, *row) for row in session.execute(query)]
