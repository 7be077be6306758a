"""A colleague the advocate names on the page ("Someone else would be better"), told to the
account's owner.

This is the one door a named colleague comes through: `refer` keeps them and owes the owner a DM
with their details. When nominations exist ("Grow the bench"), `refer` is what becomes a
nomination for the owner to decide; nothing else needs to change.

A colleague is a person outside the company, like an advocate: the `referrals` table is what
export and erasure must cover for them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.addresses import AddressKey, BadAddress, clean_address
from store.db import Database
from store.errors import Gone, Invalid
from store.forgotten import NoAddressKey, forgotten_among
from store.models import Account, Advocate, ReferenceRequest, Referral
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.outbox.payloads import ReferralPayload

NAME_MAX = 200


@dataclass(frozen=True)
class Colleague:
    """Who the advocate names, as typed on the page."""

    name: str
    title: str
    email: str

    def checked(self) -> Colleague:
        """Trimmed; `Invalid` (by the page's field names) when the name or the address cannot be used."""
        name, title, email = (" ".join(value.split()) for value in (self.name, self.title, self.email))
        errors = {}
        if not name:
            errors["colleague_name"] = "Tell us their name."
        elif len(name) > NAME_MAX or len(title) > NAME_MAX:
            errors["colleague_name"] = f"Keep the name and the title under {NAME_MAX} characters."
        try:
            email = clean_address(email)  # the one rule for addresses (store.addresses)
        except BadAddress:
            errors["colleague_email"] = "Give their e-mail address, like name@company.com."
        if errors:
            raise Invalid(errors)
        return Colleague(name, title, email)


@dataclass(frozen=True)
class ReferralView:
    """What the owner's DM says: who named whom, for which ask."""

    request_id: int
    account_id: int
    account_name: str
    activity: str
    advocate_name: str
    name: str
    title: str
    email: str


def passed_on(session: Session, key: AddressKey | None, colleague: Colleague) -> Colleague | None:
    """The colleague, unless they were removed from the program at their request: then nothing of
    them is kept and nobody is told of them (someone else's page must not bring them back). Without
    the key to recognise removed people by, once someone was removed, nobody named is kept."""
    try:
        gone = forgotten_among(session, key, [colleague.email])
    except NoAddressKey:
        return None
    return None if gone else colleague


def refer(
    session: Session,
    request: ReferenceRequest,
    advocate_id: int,
    colleague: Colleague,
    owner: str | None,
    now: dt.datetime,
) -> tuple[str, ...]:
    """Inside the answer's transaction: keep the colleague (the first named for this ask) and owe
    the owner a DM with their details, once."""
    kept = session.scalar(select(Referral).where(Referral.request_id == request.id))
    if kept is None:
        kept = Referral(
            request_id=request.id,
            advocate_id=advocate_id,
            name=colleague.name,
            title=colleague.title,
            email=colleague.email,
            created_at=now,
        )
        session.add(kept)
        session.flush()
    if owner is None:
        return ()
    key = f"referral:{request.id}"
    added = queue.enqueue(
        session,
        key=key,
        kind=DeliveryKind.REFERRAL,
        recipient=owner,
        now=now,
        request_id=request.id,
        payload=ReferralPayload(kept.id),
    )
    return (key,) if added else ()


def referral(db: Database, referral_id: int) -> ReferralView:
    with db.transaction(readonly=True) as session:
        row = session.get(Referral, referral_id)
        if row is None or not row.email:  # no address left: they were removed from the program
            raise Gone(f"no referral {referral_id}")
        request = session.get_one(ReferenceRequest, row.request_id)
        return ReferralView(
            request_id=request.id,
            account_id=request.account_id,
            account_name=session.get_one(Account, request.account_id).name,
            activity=request.activity,
            advocate_name=session.get_one(Advocate, row.advocate_id).name,
            name=row.name,
            title=row.title,
            email=row.email,
        )
