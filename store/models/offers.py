"""Give first (issue 11): offers admins post and the seats accounts reserve on them."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, UtcDateTime, new_public_id


class OfferStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class SeatStatus(enum.StrEnum):
    """A reservation's life: offered to the account, its advocate's answer, and the end of it.

    `reserved` waits for the advocate's answer (the owner records it, or an e-mail invitation
    will); `accepted` is "Yes, count me in"; `delivered` credited the ledger; `declined` ("No,
    thanks") and `released` gave the seat back.
    """

    RESERVED = "reserved"
    ACCEPTED = "accepted"
    DELIVERED = "delivered"
    DECLINED = "declined"
    RELEASED = "released"


#: the reservations that hold a seat
HOLDING_SEAT = (SeatStatus.RESERVED, SeatStatus.ACCEPTED, SeatStatus.DELIVERED)


class Offer(Base):
    """A give-back opportunity posted by a program admin: a value type with a number of seats.

    `seats_taken` is only ever changed by conditional UPDATEs (`seats_taken < seats`), and the
    check constraint makes an overbooking impossible even for a writer that forgot the condition.
    """

    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the modal it was created from: a modal sent twice creates one offer
    source_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(150))
    #: a value key of the policy: it sets the credit and the social-capital group
    value: Mapped[str] = mapped_column(String(50))
    seats: Mapped[int] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    closes_on: Mapped[dt.date] = mapped_column(Date)
    #: `normalize`d lists separated by ";" (empty: fits every account)
    fits_industries: Mapped[str] = mapped_column(Text, default="")
    fits_products: Mapped[str] = mapped_column(Text, default="")
    fits_segments: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=OfferStatus.OPEN)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        CheckConstraint("seats >= 1", name="seats_positive"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= seats", name="seats_not_overbooked"),
        CheckConstraint("status IN ('open', 'closed')", name="status_known"),
        Index("ix_offers_status_closes", "status", "closes_on"),
    )


class OfferSeat(Base):
    """One seat of an offer reserved for one account.

    `hold_key` (`offer:account`) is unique while the reservation holds its seat and NULL once it
    gave it back, so one account never holds two seats of an offer, however many clicks arrive.
    `entry_id` is the ledger credit of **Delivered**: unique, so it is posted once.
    """

    __tablename__ = "offer_seats"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the id the invitation's link carries (`new_public_id`): never the sequential one
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    advocate_id: Mapped[int | None] = mapped_column(ForeignKey("advocates.id"))
    hold_key: Mapped[str | None] = mapped_column(String(50), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=SeatStatus.RESERVED)
    reserved_by: Mapped[str] = mapped_column(String(32))
    reserved_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    #: how the advocate's answer arrived: `owner` (recorded in Slack) or `email` (issue 10's page)
    answered_via: Mapped[str | None] = mapped_column(String(20))
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    #: when an e-mail invitation went out (None: the owner records the answer)
    invited_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    closed_by: Mapped[str | None] = mapped_column(String(32))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_offer_seats_offer_status", "offer_id", "status"),
        Index("ix_offer_seats_account_status", "account_id", "status"),
        CheckConstraint(
            "status IN ('reserved', 'accepted', 'delivered', 'declined', 'released')", name="status_known"
        ),
    )
