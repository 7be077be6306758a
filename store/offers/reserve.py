"""**Offer it**: a seat of an offer reserved for an account, named to one advocate.

The seat is taken with one conditional UPDATE (`seats_taken < seats`, backed by a check
constraint) and the reservation's `hold_key` is unique while it holds a seat, so twenty clicks on
the last seat — on one replica or two, SQLite or PostgreSQL — leave one reservation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store import ledger
from store.act import Act
from store.customer.consent import mail_recipient
from store.db import Database
from store.errors import Gone, Invalid
from store.models import (
    Account,
    AccountStatus,
    Advocate,
    Offer,
    OfferSeat,
    OfferStatus,
    SeatStatus,
)
from store.offers.catalog import OfferView
from store.offers.seats import (
    SeatView,
    account_of,
    invitation_key,
    may_act,
    owe_home,
    seat_message_key,
    seat_view,
)
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.outbox.payloads import OfferSeatPayload
from store.rules.policy import Policy
from store.rules.willing import advocates_to_approach


def no_seats_left(offer: OfferView | Offer) -> str:
    return f"No seats left on “{offer.title}”: all {offer.seats} are taken. Nothing changed."


@dataclass(frozen=True)
class AdvocateChoice:
    id: int
    name: str
    title: str


def advocate_choices(db: Database, account_id: int, act: Act) -> list[AdvocateChoice]:
    """Whom **Offer it** can name at the account (its owner or an admin asks): one → them;
    several → the owner picks; none → `offer_it` refuses."""
    with db.transaction(readonly=True) as session:
        may_act(account_of(session, account_id), act, "offer this to the account")
        return [
            AdvocateChoice(a.id, a.name, a.title)
            for a in advocates_to_approach(session, account_id, act.today)
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
    act: Act,
    *,
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
        account = account_of(session, account_id)
        may_act(account, act, "offer this to the account")
        if account.status == AccountStatus.DO_NOT_CONTACT:
            raise Invalid({"account": f"{account.name} asked not to be contacted: nothing is offered to it."})
        offer = session.get(Offer, offer_id) if 0 < offer_id <= ledger.ID_MAX else None
        if offer is None:
            raise Gone(f"offer {offer_id}")
        if offer.status != OfferStatus.OPEN or offer.closes_on < act.today:
            raise Invalid({"offer": f"“{offer.title}” is closed. Nothing changed."})
        advocate = _pick_advocate(session, account, advocate_id, act.today)
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
            session,
            offer_id,
            account.id,
            advocate.id,
            act.user,
            act.now,
            invited_at=act.now if invited else None,
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
            recipient=account.owner_slack_id or act.user,
            now=act.now,
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
                now=act.now,
                payload=OfferSeatPayload(seat_id),
            )
        session.flush()
        keys += owe_home(session, home_of, f"seat:{seat_id}:reserved", act.now)
        return replace(seat_view(session, policy, seat_id), delivery_keys=tuple(keys))


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
