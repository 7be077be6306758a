"""Reference requests: who asked for what of which account, and how it was decided and closed."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.accounts import Account, Advocate
from store.models.base import Base, UtcDateTime, new_public_id


class RequestStatus(enum.StrEnum):
    """A request's life. `declined` is the owner's no; `customer_declined` is the advocate's, after
    the owner approved (never shown as the owner's decline); `withdrawn` is the requester's, once
    approved and before it was done (the deal died)."""

    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    CUSTOMER_DECLINED = "customer_declined"
    CANCELLED = "cancelled"
    WITHDRAWN = "withdrawn"
    DONE = "done"
    FELL_THROUGH = "fell_through"


#: the statuses of a request the owner approved, whatever happened next
WERE_APPROVED = (
    RequestStatus.APPROVED,
    RequestStatus.CUSTOMER_DECLINED,
    RequestStatus.WITHDRAWN,
    RequestStatus.DONE,
    RequestStatus.FELL_THROUGH,
)
STATUS_CHECK = "status IN ({})".format(", ".join(f"'{status}'" for status in RequestStatus))
#: how a **Done** whose deal closed starts its outcome note (the advocate's thank-you says so)
DEAL_CLOSED_NOTE = "Deal closed."


class ReferenceRequest(Base):
    __tablename__ = "reference_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the id the advocate's links carry (`new_public_id`): never the sequential one
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
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
    #: the requester ticked that the advocate may see the prospect company's name
    prospect_name_shared: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: the prospect company's name, typed for the advocate (shown only when `prospect_name_shared`);
    #: the opportunity name is the CRM's and never reaches the customer
    prospect_company: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: what the prospect would like to hear about, written for the customer (the e-mail shows it);
    #: `context` is internal and never leaves
    topic: Mapped[str] = mapped_column(Text, default="", server_default="")
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
        CheckConstraint(STATUS_CHECK, name="status_known"),
    )


Index("ix_reference_requests_status_closed", ReferenceRequest.status, ReferenceRequest.closed_at)
