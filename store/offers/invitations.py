"""An offer's invitation as its advocate reads it (the e-mail and its page), and what happens to
the seat when the invitation can never arrive."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import ledger
from store.db import Database
from store.errors import Gone
from store.models import (
    Account,
    Advocate,
    Offer,
    OfferSeat,
    OfferStatus,
    SeatStatus,
)
from store.offers.catalog import offer_view
from store.offers.seats import owe_refresh
from store.rules.policy import Policy


@dataclass(frozen=True)
class Invitation:
    """An offer as its advocate reads it on the invitation's page: plain words, no points, nothing
    about other customers (not even how many seats are left)."""

    seat_id: int
    #: the opaque id the invitation's link carries
    public_id: str
    advocate_name: str
    advocate_email: str | None
    account_name: str
    #: the account's owner, who offers it (their name signs the e-mail)
    owner_id: str | None
    owner_email: str | None
    title: str
    description: str
    value_name: str
    closes_on: dt.date
    status: str
    answered_via: str | None
    #: the advocate may still answer today
    open: bool


def invitation(db: Database, policy: Policy, seat: int | str, today: dt.date) -> Invitation:
    """The invited seat (by its id, or by the opaque id its link carries), or `Gone` when the seat
    (or its invitation) does not exist."""
    with db.transaction(readonly=True) as session:
        return _invitation(session, policy, _seat(session, seat), today)


def _seat(session: Session, seat: int | str) -> OfferSeat | None:
    if isinstance(seat, str):
        return session.scalar(select(OfferSeat).where(OfferSeat.public_id == seat))
    return session.get(OfferSeat, seat) if 0 < seat <= ledger.ID_MAX else None


def _invitation(session: Session, policy: Policy, seat: OfferSeat | None, today: dt.date) -> Invitation:
    if seat is None or seat.invited_at is None or seat.advocate_id is None:
        raise Gone("no such invitation")
    offer = session.get_one(Offer, seat.offer_id)
    account = session.get_one(Account, seat.account_id)
    advocate = session.get_one(Advocate, seat.advocate_id)
    if advocate.forgotten_at is not None:  # removed from the program: not to be contacted
        raise Gone("the invitation's advocate was removed from the program")
    return Invitation(
        seat_id=seat.id,
        public_id=seat.public_id,
        advocate_name=advocate.name,
        advocate_email=advocate.email,
        account_name=account.name,
        owner_id=account.owner_slack_id,
        owner_email=account.owner_email,
        title=offer.title,
        description=offer.description,
        value_name=offer_view(policy, offer).value_name,
        closes_on=offer.closes_on,
        status=seat.status,
        answered_via=seat.answered_via,
        open=seat.status == SeatStatus.RESERVED
        and offer.status == OfferStatus.OPEN
        and offer.closes_on >= today,
    )


def invitation_undeliverable(db: Database, seat_id: int, now: dt.datetime) -> tuple[str, ...]:
    """The invitation can never arrive (no address, refused, mail switched off): the seat is the
    owner's to record again, and their card says so."""
    with db.transaction() as session:
        seat = session.get(OfferSeat, seat_id)
        if seat is None or seat.invited_at is None:
            return ()
        seat.invited_at = None
        if seat.status != SeatStatus.RESERVED:
            return ()
        return (owe_refresh(session, seat, "mail-failed", now),)
