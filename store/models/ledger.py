"""The equity ledger: one insert-only row per movement of relationship equity, and each account's
sum of them kept beside it."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, UtcDateTime


class EntryKind(enum.StrEnum):
    ASK = "ask"
    GIVE = "give"
    REVERSAL = "reversal"
    ADJUSTMENT = "adjustment"


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
        # `amount` last so that summing an account's asks over a window (find's "asked in 12
        # months" for thousands of accounts) reads the index alone, never the table
        Index("ix_ledger_entries_account_kind_occurred", "account_id", "kind", "occurred_on", "amount"),
        Index("ix_ledger_entries_advocate_kind_occurred", "advocate_id", "kind", "occurred_on"),
        Index("ix_ledger_entries_created", "created_at"),
        CheckConstraint("kind IN ('ask', 'give', 'reversal', 'adjustment')", name="kind_known"),
    )


#: the digest counts asks approved over a ⛔ rule, and lists references that fell through, each
#: quarter to date: these keep both to the few rows concerned, whatever the size of the history
Index(
    "ix_ledger_entries_override_created",
    LedgerEntry.created_at,
    sqlite_where=(LedgerEntry.kind == "ask") & LedgerEntry.reason.is_not(None),
    postgresql_where=(LedgerEntry.kind == "ask") & LedgerEntry.reason.is_not(None),
)


class KeptBalance(Base):
    """An account's sum of ledger amounts, kept in the transaction of every entry.

    Reading a balance is then one row, not a sum over the account's entries: find ranks thousands
    of accounts by what they can afford, and every ask checks its account's. The entries stay the
    truth: `store.ledger.entries.post` is the one writer of both, and `refdesk ledger verify`
    recomputes every sum from the entries. The opening balance is not in it (it is the policy's,
    which may change); an account without a row has no entries.
    """

    __tablename__ = "kept_balances"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    #: the sum of the account's entries' amounts
    total: Mapped[int] = mapped_column(Integer)
    #: the points of the account's asks that occurred on or after `asked_since`, reversed ones
    #: included (as `ledger.asked_in_window` counts them): find ranks the less-asked first among
    #: equals. Each ask's transaction adds to it; the daily `asks-window` job moves `asked_since`
    #: to the start of today's window and recounts. A row whose `asked_since` is not today's is
    #: not read: its asks are summed from the entries, as before there was a kept count
    asked: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    asked_since: Mapped[dt.date | None] = mapped_column(Date)
