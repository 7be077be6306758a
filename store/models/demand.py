"""Demand (issue 22): what each request and each unmet search needed, as it was when it was asked.

One row per request, written in the transaction that saves it, and one per search that found
nothing the program could ask — a `find` that fit no account or only ⛔ ones, or a **Nothing fits**
the requester filled in — so coverage counts what sales needed, served or not. What the account
looked like is copied here because accounts change: an account re-segmented next year must not
move last year's demand. Nothing here is about an advocate (no name, no address): erasure has
nothing to remove.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, UtcDateTime


class DemandSource(enum.StrEnum):
    """Where a need was seen; the values are stored, so they never change."""

    #: a reference request (its row's `request_id`)
    REQUEST = "request"
    #: a `find` whose fitting accounts were all ⛔, or that fit nothing
    SEARCH = "search"
    #: **Nothing fits**: the requester said what they needed
    NOTHING_FITS = "nothing_fits"


class Demand(Base):
    __tablename__ = "demand"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: names the need once: `request:42`, `search:U1:2026-05-04:<words>`, `nothing-fits:<view id>`;
    #: the same search run twice in a day, or a modal submitted twice, is one need
    key: Mapped[str] = mapped_column(String(200), unique=True)
    source: Mapped[str] = mapped_column(String(20))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("reference_requests.id"), unique=True)
    requester_id: Mapped[str] = mapped_column(String(32))
    #: the activity key; None when the search named none
    activity: Mapped[str | None] = mapped_column(String(50))
    #: the account's (a request) or what the words named (a search), as it was then
    industry: Mapped[str] = mapped_column(String(100), default="")
    segment: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    #: product names separated by ";"
    products: Mapped[str] = mapped_column(Text, default="")
    prospect_industry: Mapped[str] = mapped_column(String(100), default="")
    #: the deal's CRM stage when it was asked for ("" when not known)
    deal_stage: Mapped[str] = mapped_column(String(100), default="")
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    #: what was typed into find, or what the requester said they needed
    words: Mapped[str] = mapped_column(Text, default="")
    #: the ⛔ rules (`Rule` values, ";"-separated) that blocked every fitting account of a search
    blocked_by: Mapped[str] = mapped_column(Text, default="")
    #: **Nothing fits**: the day whose one DM to the admins tells it (the day after it was said)
    tell_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_demand_created", "created_at"),
        Index("ix_demand_source_tell", "source", "tell_on"),
        CheckConstraint("source IN ('request', 'search', 'nothing_fits')", name="source_known"),
    )
