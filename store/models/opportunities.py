"""CRM opportunity outcomes (issue 12): deals as the CRM exports them, and which request each was for."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, UtcDateTime


class OpportunityOutcome(enum.StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class Opportunity(Base):
    """A deal as the CRM last exported it (`refdesk import opportunities`): re-imports update it."""

    __tablename__ = "opportunities"

    id: Mapped[int] = mapped_column(primary_key=True)
    crm_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    link: Mapped[str | None] = mapped_column(String(500))
    stage: Mapped[str] = mapped_column(String(100), default="")
    #: the prospect's industry, when the export says: the plan's forecast counts deals by it
    industry: Mapped[str] = mapped_column(String(100), default="", server_default="")
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    #: ISO 4217: amounts in different currencies are never added together
    currency: Mapped[str] = mapped_column(String(3))
    #: when the deal was opened, if the export says: the start of its days to close
    created_on: Mapped[dt.date | None] = mapped_column(Date)
    close_date: Mapped[dt.date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(10), default=OpportunityOutcome.OPEN)
    imported_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)

    __table_args__ = (CheckConstraint("outcome IN ('open', 'won', 'lost')", name="outcome_known"),)


class OpportunityLink(Base):
    """Which opportunity a request was for: derived from the request's CRM link at each import.

    A request names one deal at most, so the request is the key; rebuilt whole by every import,
    so a corrected CRM link is picked up by the next one.
    """

    __tablename__ = "opportunity_links"

    request_id: Mapped[int] = mapped_column(
        ForeignKey("reference_requests.id", ondelete="CASCADE"), primary_key=True
    )
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), index=True
    )
