"""An offer's seats: **Offer it** reserves one, the customer answers, **Delivered** credits the
ledger, **Release seat** gives it back.

Seats are exact whatever the concurrency: **Offer it** takes a seat with one conditional UPDATE
(`seats_taken < seats`, backed by a check constraint) and the reservation's `hold_key` is unique
while it holds a seat, so twenty clicks on the last seat — on one replica or two, SQLite or
PostgreSQL — leave one reservation. **Delivered** moves the reservation on with a conditional
UPDATE and posts the credit in the same transaction (the seat's `entry_id` is unique): once.

The customer's answer arrives one of two ways (`answered_via`): the owner records it with the
buttons (`record_answer`), or — once the customer's-say e-mail is configured — the advocate answers
on the invitation's page (`answer_from_advocate`). `invited_at` is when that invitation went out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store import deliveries, ledger
from store.db import Database
from store.delivery_kinds import DeliveryKind, HomeRefreshPayload, OfferSeatPayload
from store.errors import AlreadySettled, Gone, Invalid, NotAllowed
from store.models import (
    HOLDING_SEAT,
    Account,
    AccountStatus,
    Advocate,
    Delivery,
    DeliveryStatus,
    EntryKind,
    Offer,
    OfferSeat,
    OfferStatus,
    SeatStatus,
)
from store.offers import OfferView, offer_view
from store.policy import Policy

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

    @property
    def holds_seat(self) -> bool:
        return self.status in HOLDING_SEAT

    @property
    def settled(self) -> bool:
        """Nothing more can happen to it: delivered, or the seat given back."""
        return self.status in (SeatStatus.DELIVERED, SeatStatus.DECLINED, SeatStatus.RELEASED)


def _may_act(account: Account, actor_id: str, admins: frozenset[str], act: str) -> None:
    if actor_id != account.owner_slack_id and actor_id not in admins:
        raise NotAllowed(act, (account.owner_slack_id,) if account.owner_slack_id else ())


def _account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id) if 0 < account_id <= ledger.ID_MAX else None
    if account is None:
        raise Gone(f"account {account_id}")
    return account


def no_seats_left(offer: OfferView | Offer) -> str:
    return f"No seats left on “{offer.title}”: all {offer.seats} are taken. Nothing changed."


def offer_it(
    db: Database,
    policy: Policy,
    offer_id: int,
    account_id: int,
    *,
    actor_id: str,
    admins: frozenset[str],
    now: dt.datetime,
    today: dt.date,
    advocate_id: int | None = None,
    home_of: str | None = None,
) -> SeatView:
    """Reserve a seat of the offer for the account (the account's owner or an admin).

    The seat is taken by a conditional UPDATE, so a click that finds no seat left reserves
    nothing and says so; the reservation and the DM that carries its buttons are written in the
    same transaction.
    """
    with db.transaction() as session:
        account = _account(session, account_id)
        _may_act(account, actor_id, admins, "offer this to the account")
        if account.status == AccountStatus.DO_NOT_CONTACT:
            raise Invalid({"account": f"{account.name} asked not to be contacted: nothing is offered to it."})
        offer = session.get(Offer, offer_id) if 0 < offer_id <= ledger.ID_MAX else None
        if offer is None:
            raise Gone(f"offer {offer_id}")
        if offer.status != OfferStatus.OPEN or offer.closes_on < today:
            raise Invalid({"offer": f"“{offer.title}” is closed. Nothing changed."})
        if advocate_id is not None:
            advocate = session.get(Advocate, advocate_id)
            if advocate is None or advocate.account_id != account.id:
                raise Invalid({"advocate": "That advocate is not at this account."})
        took = session.execute(
            update(Offer)
            .where(
                Offer.id == offer_id,
                Offer.status == OfferStatus.OPEN,
                Offer.seats_taken < Offer.seats,
            )
            .values(seats_taken=Offer.seats_taken + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not took:
            raise Invalid({"offer": no_seats_left(offer)})
        seat_id = _insert_seat(session, offer_id, account.id, advocate_id, actor_id, now)
        if seat_id is None:  # this account already holds a seat: the one taken above is rolled back
            raise Invalid(
                {"offer": f"“{offer.title}” already holds a seat for {account.name}. Nothing changed."}
            )
        key = seat_message_key(seat_id)
        deliveries.enqueue(
            session,
            key=key,
            kind=DeliveryKind.OFFER_SEAT,
            recipient=account.owner_slack_id or actor_id,
            now=now,
            payload=OfferSeatPayload(seat_id),
        )
        session.flush()
        keys = (key, *_owe_home(session, home_of, f"seat:{seat_id}:reserved", now))
        return replace(_seat_view(session, policy, seat_id), delivery_keys=keys)


def _insert_seat(
    session: Session, offer_id: int, account_id: int, advocate_id: int | None, actor_id: str, now: dt.datetime
) -> int | None:
    """The reservation's id, or None when the account already holds a seat of the offer.

    `ON CONFLICT DO NOTHING` on the unique `hold_key`: a twin click waits for the first to commit
    (PostgreSQL) or queues behind it (SQLite), then finds the key taken instead of failing.
    """
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = OfferSeat.__table__
    row = session.execute(
        insert(table)
        .values(
            offer_id=offer_id,
            account_id=account_id,
            advocate_id=advocate_id,
            hold_key=f"{offer_id}:{account_id}",
            status=SeatStatus.RESERVED,
            reserved_by=actor_id,
            reserved_at=now,
        )
        .on_conflict_do_nothing(index_elements=["hold_key"])
        .returning(table.c.id)
    ).first()
    return None if row is None else int(row[0])


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


def _owe_refresh(session: Session, seat: OfferSeat, why: str, now: dt.datetime) -> str:
    key = f"{DeliveryKind.OFFER_SEAT_REFRESH}:{seat.id}:{why}"
    recipient = session.scalar(select(Account.owner_slack_id).where(Account.id == seat.account_id))
    deliveries.enqueue(
        session,
        key=key,
        kind=DeliveryKind.OFFER_SEAT_REFRESH,
        recipient=recipient or seat.reserved_by,
        now=now,
        payload=OfferSeatPayload(seat.id),
    )
    return key


def _owe_home(session: Session, home_of: str | None, why: str, now: dt.datetime) -> tuple[str, ...]:
    """A click on App Home owes that Home a republish, so it shows the seat as it now stands."""
    if home_of is None:
        return ()
    key = f"{DeliveryKind.HOME_REFRESH}:{home_of}:{why}"
    deliveries.enqueue(
        session,
        key=key,
        kind=DeliveryKind.HOME_REFRESH,
        recipient=home_of,
        now=now,
        payload=HomeRefreshPayload(),
    )
    return (key,)


def _seat_for_change(
    session: Session, seat_id: int, actor_id: str | None, admins: frozenset[str], act: str
) -> OfferSeat:
    seat = session.get(OfferSeat, seat_id) if 0 < seat_id <= ledger.ID_MAX else None
    if seat is None:
        raise Gone(f"seat {seat_id}")
    if actor_id is not None:
        _may_act(_account(session, seat.account_id), actor_id, admins, act)
    return seat


def _move(session: Session, seat_id: int, from_: tuple[str, ...], **values: object) -> bool:
    """A conditional state change: True only for the one writer that found the seat in `from_`."""
    return bool(
        session.execute(
            update(OfferSeat)
            .where(OfferSeat.id == seat_id, OfferSeat.status.in_(from_))
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
    )


def _give_back_seat(session: Session, offer_id: int) -> None:
    session.execute(
        update(Offer)
        .where(Offer.id == offer_id, Offer.seats_taken > 0)
        .values(seats_taken=Offer.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )


def _settled(seat: OfferSeat) -> AlreadySettled:
    return AlreadySettled(seat.status, seat.closed_by or seat.answered_by)


def record_answer(
    db: Database,
    policy: Policy,
    seat_id: int,
    accepted: bool,
    *,
    actor_id: str,
    admins: frozenset[str],
    now: dt.datetime,
    home_of: str | None = None,
) -> SeatView:
    """The owner records the advocate's answer (**Yes, count me in** / **No, thanks**)."""
    return _answer(
        db,
        policy,
        seat_id,
        accepted,
        actor_id=actor_id,
        admins=admins,
        via=VIA_OWNER,
        by=actor_id,
        now=now,
        home_of=home_of,
    )


def answer_from_advocate(
    db: Database, policy: Policy, seat_id: int, accepted: bool, *, email: str, now: dt.datetime
) -> SeatView:
    """The advocate's own answer, from the e-mail invitation's page (its signed link is the proof).

    The hook for the customer's-say e-mail: the page calls this; the owner's buttons call
    `record_answer`; whichever comes first wins, the other finds the seat answered.
    """
    return _answer(
        db, policy, seat_id, accepted, actor_id=None, admins=frozenset(), via=VIA_EMAIL, by=email, now=now
    )


def _answer(
    db: Database,
    policy: Policy,
    seat_id: int,
    accepted: bool,
    *,
    actor_id: str | None,
    admins: frozenset[str],
    via: str,
    by: str,
    now: dt.datetime,
    home_of: str | None = None,
) -> SeatView:
    with db.transaction() as session:
        seat = _seat_for_change(session, seat_id, actor_id, admins, "record the customer's answer")
        answer = {"answered_via": via, "answered_by": by[:64], "answered_at": now}
        if accepted:
            moved = _move(session, seat_id, (SeatStatus.RESERVED,), status=SeatStatus.ACCEPTED, **answer)
        else:
            moved = _move(
                session,
                seat_id,
                (SeatStatus.RESERVED, SeatStatus.ACCEPTED),
                status=SeatStatus.DECLINED,
                hold_key=None,
                closed_at=now,
                **answer,
            )
            if moved:
                _give_back_seat(session, seat.offer_id)
        session.refresh(seat)
        if not moved:
            raise _settled(seat)
        key = _owe_refresh(session, seat, seat.status, now)
        keys = (key, *_owe_home(session, home_of, f"seat:{seat_id}:{seat.status}", now))
        return replace(_seat_view(session, policy, seat_id), delivery_keys=keys)


def deliver_seat(
    db: Database,
    policy: Policy,
    seat_id: int,
    *,
    actor_id: str,
    admins: frozenset[str],
    now: dt.datetime,
    today: dt.date,
    home_of: str | None = None,
) -> SeatView:
    """**Delivered**: the account got the value; the ledger is credited with the value's credit, once."""
    with db.transaction() as session:
        seat = _seat_for_change(session, seat_id, actor_id, admins, "mark this delivered")
        moved = _move(
            session,
            seat_id,
            (SeatStatus.RESERVED, SeatStatus.ACCEPTED),
            status=SeatStatus.DELIVERED,
            closed_by=actor_id,
            closed_at=now,
        )
        session.refresh(seat)
        if not moved:
            raise _settled(seat)
        offer = session.get_one(Offer, seat.offer_id)
        value = policy.values.get(offer.value)
        if value is None:
            raise Invalid({"offer": "This offer's value is no longer in the policy: ask a program admin."})
        entry = ledger.post(
            session,
            account_id=seat.account_id,
            advocate_id=seat.advocate_id,
            kind=EntryKind.GIVE,
            amount=value.credit,
            item=value.key,
            actor_id=actor_id,
            now=now,
            occurred_on=today,
            note=f"Offer: {offer.title}"[:1000],
        )
        seat.entry_id = entry.id
        session.flush()
        key = _owe_refresh(session, seat, SeatStatus.DELIVERED, now)
        keys = (key, *_owe_home(session, home_of, f"seat:{seat_id}:delivered", now))
        return replace(_seat_view(session, policy, seat_id), delivery_keys=keys)


def release_seat(
    db: Database,
    policy: Policy,
    seat_id: int,
    *,
    actor_id: str,
    admins: frozenset[str],
    now: dt.datetime,
    home_of: str | None = None,
) -> SeatView:
    """**Release seat**: the reservation ends undelivered and the seat is free for someone else."""
    with db.transaction() as session:
        seat = _seat_for_change(session, seat_id, actor_id, admins, "release this seat")
        moved = _move(
            session,
            seat_id,
            (SeatStatus.RESERVED, SeatStatus.ACCEPTED),
            status=SeatStatus.RELEASED,
            hold_key=None,
            closed_by=actor_id,
            closed_at=now,
        )
        session.refresh(seat)
        if not moved:
            raise _settled(seat)
        _give_back_seat(session, seat.offer_id)
        key = _owe_refresh(session, seat, SeatStatus.RELEASED, now)
        keys = (key, *_owe_home(session, home_of, f"seat:{seat_id}:released", now))
        return replace(_seat_view(session, policy, seat_id), delivery_keys=keys)


def _seat_view(session: Session, policy: Policy, seat_id: int) -> SeatView:
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
    )


def seat(db: Database, policy: Policy, seat_id: int) -> SeatView | None:
    with db.transaction(readonly=True) as session:
        if session.get(OfferSeat, seat_id) is None:
            return None
        return _seat_view(session, policy, seat_id)


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
        return [_seat_view(session, policy, i) for i in ids]


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
