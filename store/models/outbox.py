"""The outbox's rows (what the app owes people, and claims on scheduled work) and the Slack
events already handled."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, UtcDateTime


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    #: owed to someone who was removed from the program before it went: never sent
    CANCELLED = "cancelled"


class Delivery(Base):
    """A message the app owes someone in Slack, or a claim on a piece of scheduled work.

    `key` names the work exactly once (`decision:42:owner`, `nudge:U123:2026-W48`); inserting a
    row with an existing key is how a second replica, retry or double click finds the work done.
    """

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(50))
    #: a Slack user id (sent as a DM) or channel id
    recipient: Mapped[str] = mapped_column(String(32))
    #: the request this message is about, so that a decision can find every message to rewrite
    request_id: Mapped[int | None] = mapped_column(ForeignKey("reference_requests.id"), index=True)
    #: what the renderer needs: ids, never rendered Block Kit (store knows nothing of Slack)
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: where it landed, so that a later update (`chat.update`) can rewrite it
    channel: Mapped[str | None] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_deliveries_status_next", "status", "next_attempt_at"),
        CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')", name="status_known"
        ),
    )


class SeenEvent(Base):
    """Slack event ids already handled: Slack retries an event it thinks we missed."""

    __tablename__ = "seen_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, server_default=func.now())
