"""An offer's invitation as its advocate reads it (the e-mail and its page), and what happens to
the seat when the invitation can never arrive."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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
    advocate_name: str
    advocate_email: str | None
    account_name: str
    owner_email: str | None
    title: str
    description: str
    value_name: str
    closes_on: dt.date
    status: str
    answered_via: str | None
    #: the advocate may still answer today
    open: bool


def invitation(db: Database, policy: Policy, seat_id: int, today: dt.date) -> Invitation:
    """The invited seat's page, or `Gone` when the seat (or its invitation) does not exist."""
    with db.transaction(readonly=True) as session:
        seat = session.get(OfferSeat, seat_id) if 0 < seat_id <= ledger.ID_MAX else None
        if seat is None or seat.invited_at is None or seat.advocate_id is None:
            raise Gone(f"no invitation for seat {seat_id}")
        offer = session.get_one(Offer, seat.offer_id)
        account = session.get_one(Account, seat.account_id)
        advocate = session.get_one(Advocate, seat.advocate_id)
        return Invitation(
            seat_id=seat.id,
            advocate_name=advocate.name,
            advocate_email=advocate.email,
            account_name=account.name,
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
