"""The persistent shape of the reference program (SQLAlchemy 2, typed).

Rules the schema itself enforces, so that no code path can break them:

* the equity ledger is insert-only; an ask is debited once per request and a reversal reverses
  one entry once (unique constraints below);
* a modal submitted twice creates one request (`source_key` is unique);
* every piece of Slack output that must not be lost or sent twice is a `Delivery` row with a
  unique `key`: the row is written in the same transaction as the state change it reports, and
  a worker claims it (a lease) before sending.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def normalize(text: str) -> str:
    """The comparable form of a name, an industry or a searched field: trimmed, single-spaced,
    case-folded.

    Folded here in Python, never by the database: SQLite's lower() folds ASCII only, and
    PostgreSQL's depends on the server's locale, so the keys below are what both compare.
    """
    return " ".join(text.split()).casefold()


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class AccountStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    DO_NOT_CONTACT = "do_not_contact"


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    DONE = "done"
    FELL_THROUGH = "fell_through"


class EntryKind(enum.StrEnum):
    ASK = "ask"
    GIVE = "give"
    REVERSAL = "reversal"
    ADJUSTMENT = "adjustment"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: lower-cased name, the key of the type-ahead search and of re-imports without a CRM id
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    industry: Mapped[str] = mapped_column(String(100), default="")
    industry_key: Mapped[str] = mapped_column(String(100), default="", index=True)
    segment: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    #: product names separated by ";" as in the CRM export
    products: Mapped[str] = mapped_column(Text, default="")
    crm_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    owner_email: Mapped[str | None] = mapped_column(String(320))
    owner_slack_id: Mapped[str | None] = mapped_column(String(32), index=True)
    renewal_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=AccountStatus.ACTIVE)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    #: `normalize`d copies of the fields searched by words, kept by `_keep_search_keys`; text,
    #: because folding may lengthen a value ("ß" → "ss")
    segment_key: Mapped[str] = mapped_column(Text, default="", server_default="")
    region_key: Mapped[str] = mapped_column(Text, default="", server_default="")
    products_key: Mapped[str] = mapped_column(Text, default="", server_default="")
    crm_key: Mapped[str] = mapped_column(Text, default="", server_default="")

    advocates: Mapped[list[Advocate]] = relationship(back_populates="account")

    @validates("segment", "region", "products", "crm_id")
    def _keep_search_keys(self, field: str, value: str | None) -> str | None:
        """Whoever sets a searched field sets its key too, so no writer can leave them apart."""
        setattr(self, _SEARCH_KEYS[field], normalize(value or ""))
        return value

    __table_args__ = (
        CheckConstraint("status IN ('active', 'paused', 'do_not_contact')", name="status_known"),
    )


_SEARCH_KEYS = {
    "segment": "segment_key",
    "region": "region_key",
    "products": "products_key",
    "crm_id": "crm_key",
}


class Advocate(Base):
    __tablename__ = "advocates"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    #: e-mail if known, else the lower-cased name: the key of re-imports within an account
    person_key: Mapped[str] = mapped_column(String(320))
    title: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(320))
    #: activity keys separated by ";"
    activities: Mapped[str] = mapped_column(Text, default="")

    account: Mapped[Account] = relationship(back_populates="advocates")

    __table_args__ = (UniqueConstraint("account_id", "person_key"),)

    @property
    def activity_keys(self) -> list[str]:
        return [key for key in self.activities.split(";") if key]


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


class LedgerEntry(Base):
    """One movement of relationship equity. Never updated, never deleted: the balance is the sum."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    advocate_id: Mapped[int | None] = mapped_column(ForeignKey("advocates.id"))
    kind: Mapped[str] = mapped_column(String(20))
    #: signed: debits are negative, credits positive
    amount: Mapped[int] = mapped_column(Integer)
    #: the activity key (ask), the value key (give), or None
    item: Mapped[str | None] = mapped_column(String(50))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("reference_requests.id"))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    note: Mapped[str] = mapped_column(Text, default="")
    #: an admin's written reason (adjustments, approvals that overrode a blocking rule)
    reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[str] = mapped_column(String(32))
    #: the day the value was delivered or the ask was made, in the program's timezone
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        # one ask and one give per request; reversals chain instead, each entry reversed once
        Index(
            "uq_ledger_entries_request_kind",
            "request_id",
            "kind",
            unique=True,
            sqlite_where=text("kind <> 'reversal'"),
            postgresql_where=text("kind <> 'reversal'"),
        ),
        # a request's reversals, counted per ask read ("does this ask stand": `ledger.ask_stands`)
        Index(
            "ix_ledger_entries_request_reversals",
            "request_id",
            sqlite_where=text("kind = 'reversal'"),
            postgresql_where=text("kind = 'reversal'"),
        ),
        Index("ix_ledger_entries_account_amount", "account_id", "amount"),
        Index("ix_ledger_entries_account_kind_occurred", "account_id", "kind", "occurred_on"),
        Index("ix_ledger_entries_advocate_kind_occurred", "advocate_id", "kind", "occurred_on"),
        Index("ix_ledger_entries_created", "created_at"),
        CheckConstraint("kind IN ('ask', 'give', 'reversal', 'adjustment')", name="kind_known"),
    )


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
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status_known"),
    )


class SeenEvent(Base):
    """Slack event ids already handled: Slack retries an event it thinks we missed."""

    __tablename__ = "seen_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, server_default=func.now())


# --- CRM opportunity outcomes (issue 12) -------------------------------------------------------


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


#: the digest counts asks approved over a ⛔ rule, and lists references that fell through, each
#: quarter to date: these keep both to the few rows concerned, whatever the size of the history
Index(
    "ix_ledger_entries_override_created",
    LedgerEntry.created_at,
    sqlite_where=(LedgerEntry.kind == "ask") & LedgerEntry.reason.is_not(None),
    postgresql_where=(LedgerEntry.kind == "ask") & LedgerEntry.reason.is_not(None),
)
Index("ix_reference_requests_status_closed", ReferenceRequest.status, ReferenceRequest.closed_at)
# --- Give first: offers and their seats (issue 11) -------------------------------------------


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


# --- the customer's say (issue 10): the advocate's answer to each ask, and ratings afterwards ---


class ConsentAnswer(enum.StrEnum):
    """The advocate's four answers; the values are stored, so they never change."""

    YES = "yes"
    NOT_THIS_TIME = "not_this_time"
    NOT_THIS_QUARTER = "not_this_quarter"
    NEVER = "never"


class Consent(Base):
    """The named advocate's say on one approved ask: asked by e-mail or through the owner.

    One row per request, created with the approval. `version` counts the answers recorded, so each
    answer's messages have keys of their own and a twin POST of the same answer changes nothing.
    """

    __tablename__ = "consents"

    request_id: Mapped[int] = mapped_column(ForeignKey("reference_requests.id"), primary_key=True)
    advocate_id: Mapped[int] = mapped_column(ForeignKey("advocates.id"), index=True)
    #: "email" (the advocate answers on the page) or "owner" (the owner records what was said)
    mode: Mapped[str] = mapped_column(String(10))
    answer: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    times: Mapped[str] = mapped_column(Text, default="")
    #: "advocate" when answered on the page, else the Slack id of whoever recorded it
    answered_by: Mapped[str | None] = mapped_column(String(32))
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    #: the last day of the quarter the advocate asked to rest through ("Not this quarter")
    rest_until: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=0)
    asked_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        CheckConstraint("mode IN ('email', 'owner')", name="mode_known"),
        CheckConstraint(
            "answer IS NULL OR answer IN ('yes', 'not_this_time', 'not_this_quarter', 'never')",
            name="answer_known",
        ),
    )


class Rating(Base):
    """How an activity went, said once by each side: the requester (1–5, did the deal move) and
    the advocate (1–5 and a comment, on the rating page)."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("reference_requests.id"))
    advocate_id: Mapped[int | None] = mapped_column(ForeignKey("advocates.id"))
    #: "requester" or "advocate"
    rater: Mapped[str] = mapped_column(String(10))
    score: Mapped[int] = mapped_column(Integer)
    deal_moved: Mapped[bool | None] = mapped_column()
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint("request_id", "rater", name="uq_ratings_request_rater"),
        Index("ix_ratings_advocate_created", "advocate_id", "rater", "created_at"),
        CheckConstraint("rater IN ('requester', 'advocate')", name="rater_known"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
    )
