"""An offer's seats: **Offer it** reserves one, the customer answers, **Delivered** credits the
ledger, **Release seat** gives it back.

Seats are exact whatever the concurrency: **Offer it** takes a seat with one conditional UPDATE
(`seats_taken < seats`, backed by a check constraint) and the reservation's `hold_key` is unique
while it holds a seat, so twenty clicks on the last seat — on one replica or two, SQLite or
PostgreSQL — leave one reservation. **Delivered** moves the reservation on with a conditional
UPDATE and posts the credit in the same transaction (the seat's `entry_id` is unique): once.

Every seat names the advocate it is offered to: the account's one willing advocate who has not
asked to rest or not to be asked (`store.rules.willing`), or the one the owner picked among several.
The customer's answer arrives one of two ways (`answered_via`): the owner records it with the
buttons (`record_answer`), or — when the program mails — the advocate answers on the invitation's
page (`answer_from_advocate`); the first answer wins. `invited_at` is when that invitation was
queued, in the reservation's own transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store import ledger
from store.customer.consent import mail_recipient
from store.db import Database
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
from store.offers.catalog import OfferView, offer_view
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.outbox.payloads import HomeRefreshPayload, OfferSeatPayload
from store.rules.policy import Policy
from store.rules.willing import advocates_to_approach

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


@dataclass(frozen=True)
class AdvocateChoice:
    id: int
    name: str
    title: str


def advocate_choices(
    db: Database, account_id: int, today: dt.date, *, actor_id: str, admins: frozenset[str]
) -> list[AdvocateChoice]:
    """Whom **Offer it** can name at the account (its owner or an admin asks): one → them;
    several → the owner picks; none → `offer_it` refuses."""
    with db.transaction(readonly=True) as session:
        _may_act(_account(session, account_id), actor_id, admins, "offer this to the account")
        return [
            AdvocateChoice(a.id, a.name, a.title) for a in advocates_to_approach(session, account_id, today)
        ]


def _pick_advocate(session: Session, account: Account, advocate_id: int | None, today: dt.date) -> Advocate:
    """The advocate the seat is offered to, by the issue-10 rules (willing, not resting, not
    do-not-contact): the one chosen, or the only one there is."""
    choices = advocates_to_approach(session, account.id, today)
    if advocate_id is not None:
        chosen = next((a for a in choices if a.id == advocate_id), None)
        if chosen is None:
            raise Invalid(
                {
                    "advocate": "That advocate cannot be offered this now (not at this account, not willing, "
                    "resting or asked not to be asked). Pick another."
                }
            )
        return chosen
    if not choices:
        raise Invalid(
            {
                "advocate": f"No one at {account.name} can be offered this: no willing advocate who "
                "has not asked to rest or not to be asked again. Nothing changed."
            }
        )
    if len(choices) > 1:
        raise Invalid({"advocate": f"Several advocates at {account.name} could take it: pick one."})
    return choices[0]


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
    invite: bool = False,
    home_of: str | None = None,
) -> SeatView:
    """Reserve a seat of the offer for the account (the account's owner or an admin), named to
    one advocate (`advocate_id`, or the account's only one who may be approached).

    The seat is taken by a conditional UPDATE, so a click that finds no seat left reserves
    nothing and says so; the reservation and the DM that carries its buttons are written in the
    same transaction. With `invite` (the program mails) and an address for the advocate, the
    e-mail invitation is queued in that transaction too, once (its key is the seat's).
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
        advocate = _pick_advocate(session, account, advocate_id, today)
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
        invited = invite and bool(advocate.email)
        seat_id = _insert_seat(
            session, offer_id, account.id, advocate.id, actor_id, now, invited_at=now if invited else None
        )
        if seat_id is None:  # this account already holds a seat: the one taken above is rolled back
            raise Invalid(
                {"offer": f"“{offer.title}” already holds a seat for {account.name}. Nothing changed."}
            )
        key = seat_message_key(seat_id)
        queue.enqueue(
            session,
            key=key,
            kind=DeliveryKind.OFFER_SEAT,
            recipient=account.owner_slack_id or actor_id,
            now=now,
            payload=OfferSeatPayload(seat_id),
        )
        keys = [key]
        if invited:
            keys.append(invitation_key(seat_id))
            queue.enqueue(
                session,
                key=invitation_key(seat_id),
                kind=DeliveryKind.OFFER_INVITE,
                recipient=mail_recipient(advocate.id),
                now=now,
                payload=OfferSeatPayload(seat_id),
            )
        session.flush()
        keys += _owe_home(session, home_of, f"seat:{seat_id}:reserved", now)
        return replace(_seat_view(session, policy, seat_id), delivery_keys=tuple(keys))


def _insert_seat(
    session: Session,
    offer_id: int,
    account_id: int,
    advocate_id: int,
    actor_id: str,
    now: dt.datetime,
    *,
    invited_at: dt.datetime | None,
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
            invited_at=invited_at,
        )
        .on_conflict_do_nothing(index_elements=["hold_key"])
        .returning(table.c.id)
    ).first()
    return None if row is None else int(row[0])


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


def _owe_refresh(session: Session, seat: OfferSeat, why: str, now: dt.datetime) -> str:
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


def _owe_home(session: Session, home_of: str | None, why: str, now: dt.datetime) -> tuple[str, ...]:
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

    Only a seat whose advocate was invited answers this way. The owner's buttons call
    `record_answer`; whichever comes first wins, the other finds the seat answered
    (`AlreadySettled`), and the owner's card is rewritten either way.
    """
    with db.transaction(readonly=True) as session:
        invited = session.scalar(select(OfferSeat.invited_at).where(OfferSeat.id == seat_id))
    if invited is None:
        raise NotAllowed("answer this offer by e-mail", (), why="no invitation was sent for it")
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
            # the first answer wins: a "yes" is not turned into "no, thanks" (Release seat does that)
            moved = _move(
                session,
                seat_id,
                (SeatStatus.RESERVED,),
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
        invited_at=seat.invited_at,
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
        return (_owe_refresh(session, seat, "mail-failed", now),)
