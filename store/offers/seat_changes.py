"""A reserved seat moves on: the customer's answer (recorded by the owner, or given on the
invitation's page), **Delivered** (the ledger credited once) and **Release seat**.

Each change is a conditional UPDATE from the states it may leave, so a double click or the owner
racing the advocate's page moves the seat once; the loser learns who was first (`AlreadySettled`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store import ledger
from store.act import Act
from store.db import Database
from store.errors import AlreadySettled, Gone, Invalid, NotAllowed
from store.models import (
    EntryKind,
    Offer,
    OfferSeat,
    OfferStatus,
    SeatStatus,
)
from store.offers.seats import (
    VIA_EMAIL,
    VIA_OWNER,
    SeatView,
    account_of,
    may_act,
    owe_home,
    owe_refresh,
    seat_view,
)
from store.rules.policy import Policy


def _seat_for_change(session: Session, seat_id: int, act: Act | None, what: str) -> OfferSeat:
    """The seat, once `act` may change it (None: the advocate, whose signed link is the proof)."""
    seat = session.get(OfferSeat, seat_id) if 0 < seat_id <= ledger.ID_MAX else None
    if seat is None:
        raise Gone(f"seat {seat_id}")
    if act is not None:
        may_act(account_of(session, seat.account_id), act, what)
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
    return AlreadySettled(seat.status, seat.closed_by or seat.answered_by, thing="seat")


def record_answer(
    db: Database,
    policy: Policy,
    seat_id: int,
    accepted: bool,
    act: Act,
    *,
    home_of: str | None = None,
) -> SeatView:
    """The owner records the advocate's answer (**Yes, count me in** / **No, thanks**)."""
    return _answer(
        db,
        policy,
        seat_id,
        accepted,
        act=act,
        via=VIA_OWNER,
        by=act.user,
        now=act.now,
        today=act.today,
        home_of=home_of,
    )


def answer_from_advocate(
    db: Database,
    policy: Policy,
    seat_id: int,
    accepted: bool,
    *,
    email: str,
    now: dt.datetime,
    today: dt.date,
) -> SeatView:
    """The advocate's own answer, from the e-mail invitation's page (its signed link is the proof).
    `today` is the program's day (its time zone), as the page that offered the answer read it: on
    the offer's last evening west of UTC, the UTC date is already the day after.

    Only a seat whose advocate was invited answers this way. The owner's buttons call
    `record_answer`; whichever comes first wins, the other finds the seat answered
    (`AlreadySettled`), and the owner's card is rewritten either way.
    """
    with db.transaction(readonly=True) as session:
        invited = session.scalar(select(OfferSeat.invited_at).where(OfferSeat.id == seat_id))
    if invited is None:
        raise NotAllowed("answer this offer by e-mail", (), why="no invitation was sent for it")
    return _answer(db, policy, seat_id, accepted, act=None, via=VIA_EMAIL, by=email, now=now, today=today)


def _answer(
    db: Database,
    policy: Policy,
    seat_id: int,
    accepted: bool,
    *,
    act: Act | None,
    via: str,
    by: str,
    now: dt.datetime,
    today: dt.date,
    home_of: str | None = None,
) -> SeatView:
    with db.transaction() as session:
        seat = _seat_for_change(session, seat_id, act, "record the customer's answer")
        answer = {"answered_via": via, "answered_by": by[:64], "answered_at": now}
        if accepted:
            _still_open(session.get_one(Offer, seat.offer_id), today)
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
        key = owe_refresh(session, seat, seat.status, now)
        keys = (key, *owe_home(session, home_of, f"seat:{seat_id}:{seat.status}", now))
        return replace(seat_view(session, policy, seat_id), delivery_keys=keys)


def _still_open(offer: Offer, today: dt.date) -> None:
    """A yes takes up what the offer gives, so it needs the offer open, as the invitation's page
    says; a no only gives the seat back, so it is recorded whenever."""
    if offer.status != OfferStatus.OPEN or offer.closes_on < today:
        raise Invalid({"answer": f"“{offer.title}” has closed: a yes can no longer be recorded."})


def deliver_seat(
    db: Database, policy: Policy, seat_id: int, act: Act, *, home_of: str | None = None
) -> SeatView:
    """**Delivered**: the account got the value; the ledger is credited with the value's credit, once."""
    with db.transaction() as session:
        seat = _seat_for_change(session, seat_id, act, "mark this delivered")
        moved = _move(
            session,
            seat_id,
            (SeatStatus.RESERVED, SeatStatus.ACCEPTED),
            status=SeatStatus.DELIVERED,
            closed_by=act.user,
            closed_at=act.now,
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
            actor_id=act.user,
            now=act.now,
            occurred_on=act.today,
            note=f"Offer: {offer.title}"[:1000],
        )
        seat.entry_id = entry.id
        session.flush()
        key = owe_refresh(session, seat, SeatStatus.DELIVERED, act.now)
        keys = (key, *owe_home(session, home_of, f"seat:{seat_id}:delivered", act.now))
        return replace(seat_view(session, policy, seat_id), delivery_keys=keys)


def release_seat(
    db: Database, policy: Policy, seat_id: int, act: Act, *, home_of: str | None = None
) -> SeatView:
    """**Release seat**: the reservation ends undelivered and the seat is free for someone else."""
    with db.transaction() as session:
        seat = _seat_for_change(session, seat_id, act, "release this seat")
        moved = _move(
            session,
            seat_id,
            (SeatStatus.RESERVED, SeatStatus.ACCEPTED),
            status=SeatStatus.RELEASED,
            hold_key=None,
            closed_by=act.user,
            closed_at=act.now,
        )
        session.refresh(seat)
        if not moved:
            raise _settled(seat)
        _give_back_seat(session, seat.offer_id)
        key = owe_refresh(session, seat, SeatStatus.RELEASED, act.now)
        keys = (key, *owe_home(session, home_of, f"seat:{seat_id}:released", act.now))
        return replace(seat_view(session, policy, seat_id), delivery_keys=keys)


#: who closed a seat whose advocate was removed from the program (`closed_by`)
REMOVED = "removed"


def let_go_of_removed(session: Session, advocate_id: int, now: dt.datetime) -> list[str]:
    """Inside erasure's transaction: the seats offered to an advocate removed from the program.
    One not answered yet is released (it can no longer be answered, and the seat is someone
    else's to take); every card about one is rewritten, showing the pseudonym; their address is
    no longer kept as who answered."""
    keys = []
    for seat in session.scalars(select(OfferSeat).where(OfferSeat.advocate_id == advocate_id)):
        released = _move(
            session,
            seat.id,
            (SeatStatus.RESERVED,),
            status=SeatStatus.RELEASED,
            hold_key=None,
            closed_by=REMOVED,
            closed_at=now,
        )
        if released:
            _give_back_seat(session, seat.offer_id)
        keys.append(owe_refresh(session, seat, REMOVED, now))
    session.execute(  # an answer from the invitation's page kept their address as who answered
        update(OfferSeat)
        .where(OfferSeat.advocate_id == advocate_id, OfferSeat.answered_via == VIA_EMAIL)
        .values(answered_by=None)
        .execution_options(synchronize_session=False)
    )
    return keys
