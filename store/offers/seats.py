"""An offer's seats: **Offer it** reserves one (`store.offers.reserve`), the customer answers,
**Delivered** credits the ledger, **Release seat** gives it back (`store.offers.seat_changes`).
This module holds what those share: the seat as people see it, its messages' keys, and the
checks and outbox rows every change of a seat makes.

Every seat names the advocate it is offered to: the account's one willing advocate who has not
asked to rest or not to be asked (`store.rules.willing`), or the one the owner picked among several.
The customer's answer arrives one of two ways (`answered_via`): the owner records it with the
buttons, or — when the program mails — the advocate answers on the invitation's page
(`store.offers.invitations`); the first answer wins. `invited_at` is when that invitation was
queued, in the reservation's own transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from store import ledger
from store.act import Act
from store.db import Database
from store.errors import Gone, NotAllowed
from store.models import (
    HOLDING_SEAT,
    Account,
    Advocate,
    Delivery,
    DeliveryStatus,
    Offer,
    OfferSeat,
    SeatStatus,
)
from store.offers.catalog import offer_view
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.outbox.payloads import HomeRefreshPayload, OfferSeatPayload
from store.rules.policy import Policy

#: how the advocate's answer arrived
VIA_OWNER = "owner"
VIA_EMAIL = "email"


@dataclass(frozen=True)
class SeatView:
    id: int
    offer_id: int
    offer_title: str
    value_name: str
    group: str
    credit: int
    account_id: int
    account_name: str
    owner_id: str | None
    advocate_name: str | None
    status: str
    reserved_by: str
    answered_via: str | None
    closed_by: str | None
    entry_id: int | None
    balance: int
    seats_left: int
    delivery_keys: tuple[str, ...] = ()
    #: when the advocate was invited by e-mail (None: the owner records the answer)
    invited_at: dt.datetime | None = None

    @property
    def holds_seat(self) -> bool:
        return self.status in HOLDING_SEAT

    @property
    def settled(self) -> bool:
        """Nothing more can happen to it: delivered, or the seat given back."""
        return self.status in (SeatStatus.DELIVERED, SeatStatus.DECLINED, SeatStatus.RELEASED)


def may_act(account: Account, act: Act, what: str) -> None:
    """Only the account's owner and the program admins move its seats."""
    if not act.may_act_for(account.owner_slack_id):
        raise NotAllowed(what, (account.owner_slack_id,) if account.owner_slack_id else ())


def account_of(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id) if 0 < account_id <= ledger.ID_MAX else None
    if account is None:
        raise Gone(f"account {account_id}")
    return account


def invitation_key(seat_id: int) -> str:
    """The outbox key of the advocate's e-mail invitation to a seat: one per seat, ever."""
    return f"{DeliveryKind.OFFER_INVITE}:{seat_id}"


def seat_message_key(seat_id: int) -> str:
    """The outbox key of the reservation's DM (its buttons; later rewritten in place)."""
    return f"{DeliveryKind.OFFER_SEAT}:{seat_id}"


def card_landed(db: Database, seat_id: int) -> tuple[str, str] | None:
    """(channel, ts) of the seat's card once it reached Slack, so a refresh can rewrite it."""
    with db.transaction(readonly=True) as session:
        row = session.execute(
            select(Delivery.channel, Delivery.ts).where(
                Delivery.key == seat_message_key(seat_id), Delivery.status == DeliveryStatus.SENT
            )
        ).first()
    return (row.channel, row.ts) if row is not None and row.channel and row.ts else None


def owe_refresh(session: Session, seat: OfferSeat, why: str, now: dt.datetime) -> str:
    key = f"{DeliveryKind.OFFER_SEAT_REFRESH}:{seat.id}:{why}"
    recipient = session.scalar(select(Account.owner_slack_id).where(Account.id == seat.account_id))
    queue.enqueue(
        session,
        key=key,
        kind=DeliveryKind.OFFER_SEAT_REFRESH,
        recipient=recipient or seat.reserved_by,
        now=now,
        payload=OfferSeatPayload(seat.id),
    )
    return key


def owe_home(session: Session, home_of: str | None, why: str, now: dt.datetime) -> tuple[str, ...]:
    """A click on App Home owes that Home a republish, so it shows the seat as it now stands."""
    if home_of is None:
        return ()
    key = f"{DeliveryKind.HOME_REFRESH}:{home_of}:{why}"
    queue.enqueue(
        session,
        key=key,
        kind=DeliveryKind.HOME_REFRESH,
        recipient=home_of,
        now=now,
        payload=HomeRefreshPayload(),
    )
    return (key,)


def seat_view(session: Session, policy: Policy, seat_id: int) -> SeatView:
    seat = session.get_one(OfferSeat, seat_id)
    session.refresh(seat)
    offer = session.get_one(Offer, seat.offer_id)
    session.refresh(offer)
    account = session.get_one(Account, seat.account_id)
    advocate = session.get(Advocate, seat.advocate_id) if seat.advocate_id else None
    view = offer_view(policy, offer)
    return SeatView(
        id=seat.id,
        offer_id=offer.id,
        offer_title=offer.title,
        value_name=view.value_name,
        group=view.group,
        credit=view.credit,
        account_id=account.id,
        account_name=account.name,
        owner_id=account.owner_slack_id,
        advocate_name=advocate.name if advocate else None,
        status=seat.status,
        reserved_by=seat.reserved_by,
        answered_via=seat.answered_via,
        closed_by=seat.closed_by,
        entry_id=seat.entry_id,
        balance=ledger.balance(session, policy.opening_balance, account.id),
        seats_left=view.seats_left,
        invited_at=seat.invited_at,
    )


def seat(db: Database, policy: Policy, seat_id: int) -> SeatView | None:
    with db.transaction(readonly=True) as session:
        if session.get(OfferSeat, seat_id) is None:
            return None
        return seat_view(session, policy, seat_id)


def open_seats(db: Database, policy: Policy, owner_id: str, *, limit: int = 10) -> list[SeatView]:
    """The reservations of one owner's accounts still waiting to be delivered or released."""
    with db.transaction(readonly=True) as session:
        ids = session.scalars(
            select(OfferSeat.id)
            .join(Account, Account.id == OfferSeat.account_id)
            .where(
                Account.owner_slack_id == owner_id,
                OfferSeat.status.in_((SeatStatus.RESERVED, SeatStatus.ACCEPTED)),
            )
            .order_by(OfferSeat.reserved_at, OfferSeat.id)
            .limit(limit)
        ).all()
        return [seat_view(session, policy, i) for i in ids]


def reservation_count(db: Database, offer_id: int) -> int:
    """Reservations holding a seat of the offer (what the seat counter must equal)."""
    with db.transaction(readonly=True) as session:
        return int(
            session.scalar(
                select(func.count()).where(
                    and_(OfferSeat.offer_id == offer_id, OfferSeat.status.in_(HOLDING_SEAT))
                )
            )
            or 0
        )
