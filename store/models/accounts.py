"""Accounts of the program and the people at them who may be asked (advocates)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from store.models.base import Base, UtcDateTime, new_public_id, normalize


class AccountStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    DO_NOT_CONTACT = "do_not_contact"


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
    #: the id their page's link carries (`new_public_id`): never the sequential one
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    name: Mapped[str] = mapped_column(String(200))
    #: e-mail if known, else the lower-cased name: the key of re-imports within an account
    person_key: Mapped[str] = mapped_column(String(320))
    title: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(320))
    #: activity keys separated by ";"
    activities: Mapped[str] = mapped_column(Text, default="")
    #: at most this many asks a quarter, as the advocate said ("Ask me less often", their page);
    #: None: only the policy's rules apply
    asks_per_quarter: Mapped[int | None] = mapped_column(Integer)
    #: what the advocate set on their own page (flow 18): their IANA time zone, the times that suit
    #: them, the groups of social capital they value (the policy's group names separated by ";") and
    #: a note on what would be valuable to them
    time_zone: Mapped[str] = mapped_column(String(64), default="", server_default="")
    times_that_suit: Mapped[str] = mapped_column(Text, default="", server_default="")
    valued: Mapped[str] = mapped_column(Text, default="", server_default="")
    value_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: when they joined through a nomination (double opt-in); None: imported from the CRM
    joined_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    #: when their personal details were erased ("Remove me"): the row stays as a pseudonym so the
    #: asks and ledger entries that name it keep their sums
    forgotten_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    account: Mapped[Account] = relationship(back_populates="advocates")

    __table_args__ = (UniqueConstraint("account_id", "person_key"),)

    @property
    def activity_keys(self) -> list[str]:
        return [key for key in self.activities.split(";") if key]

    @property
    def valued_groups(self) -> list[str]:
        return [group for group in self.valued.split(";") if group]
