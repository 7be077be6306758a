"""Reference requests: who asked for what of which account, and how it was decided and closed."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.accounts import Account, Advocate
from store.models.base import Base, UtcDateTime


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    DONE = "done"
    FELL_THROUGH = "fell_through"


class ReferenceRequest(Base):
    __tablename__ = "reference_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what made this request (e.g. the Slack view id of the submitted modal): one request each
    source_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    advocate_id: Mapped[int | None] = mapped_column(ForeignKey("advocates.id"))
    requester_id: Mapped[str] = mapped_column(String(32))
    activity: Mapped[str] = mapped_column(String(50))
    #: the activity's cost when asked: later policy changes do not rewrite history
    cost: Mapped[int] = mapped_column(Integer)
    opportunity_name: Mapped[str] = mapped_column(String(200), default="")
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    crm_link: Mapped[str | None] = mapped_column(String(500))
    prospect_industry: Mapped[str] = mapped_column(String(100), default="")
    #: the requester ticked that the advocate may see the prospect's name (the opportunity name)
    prospect_name_shared: Mapped[bool] = mapped_column(default=False, server_default=false())
    needed_by: Mapped[dt.date | None] = mapped_column(Date)
    context: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.PENDING)
    #: the owner's Slack id when routed to them; None when it went to the program admins
    decider_id: Mapped[str | None] = mapped_column(String(32))
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    override_reason: Mapped[str | None] = mapped_column(Text)
    outcome_note: Mapped[str | None] = mapped_column(Text)
    deal_moved: Mapped[bool | None] = mapped_column()
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)

    account: Mapped[Account] = relationship()
    advocate: Mapped[Advocate | None] = relationship()

    __table_args__ = (
        Index("ix_reference_requests_account_status", "account_id", "status"),
        Index("ix_reference_requests_requester_created", "requester_id", "created_at"),
        Index("ix_reference_requests_status_created", "status", "created_at"),
        Index("ix_reference_requests_advocate_created", "advocate_id", "created_at"),
        CheckConstraint(
            "status IN ('pending', 'approved', 'declined', 'cancelled', 'done', 'fell_through')",
            name="status_known",
        ),
    )


Index("ix_reference_requests_status_closed", ReferenceRequest.status, ReferenceRequest.closed_at)
