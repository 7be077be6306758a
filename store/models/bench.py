"""Growing the bench (flows 16–18): nominations, NPS answers, the dates an advocate is not to be
asked, and the fingerprints of the people who asked to be removed."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, UtcDateTime, new_public_id


class NominationStatus(enum.StrEnum):
    """A nomination's life; the values are stored, so they never change.

    `proposed` waits for the account's owner (**Invite them** / **Not now**), `invited` for the
    contact (**Join the program** / **No, thanks**). `withdrawn` closed it without an answer: the
    person was removed from the program while it was open.
    """

    PROPOSED = "proposed"
    INVITED = "invited"
    JOINED = "joined"
    NOT_NOW = "not_now"
    NO_THANKS = "no_thanks"
    WITHDRAWN = "withdrawn"


#: the statuses in which a nomination waits for someone
OPEN_NOMINATION = (NominationStatus.PROPOSED, NominationStatus.INVITED)


class Nomination(Base):
    """A contact at a customer proposed as an advocate, until they join or it ends.

    `open_key` (`<account id>:<address>`) is unique while the nomination is open and NULL once it
    closed, so one person is never nominated twice at once for the same account, however many
    people click at the same moment. State changes are conditional updates on `status`.
    """

    __tablename__ = "nominations"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what made it (the Slack view id of the submitted modal): a modal sent twice nominates once
    source_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    #: the id the invitation's link carries (`new_public_id`): never the sequential one
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    #: None once the person was removed from the program
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    why: Mapped[str] = mapped_column(Text, default="")
    #: activity keys separated by ";": what the nominator thinks they might do
    activities: Mapped[str] = mapped_column(Text, default="")
    #: a Slack user id, or "advocate" when an advocate named a colleague on their answer page
    nominated_by: Mapped[str] = mapped_column(String(32))
    #: the ask whose advocate named this colleague ("Someone else would be better")
    from_request_id: Mapped[int | None] = mapped_column(ForeignKey("reference_requests.id"))
    status: Mapped[str] = mapped_column(String(20), default=NominationStatus.PROPOSED)
    open_key: Mapped[str | None] = mapped_column(String(400), unique=True)
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    #: the owner's reason for **Not now**
    reason: Mapped[str | None] = mapped_column(Text)
    invited_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    #: the advocate they became (**Join the program**)
    advocate_id: Mapped[int | None] = mapped_column(ForeignKey("advocates.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)

    @property
    def activity_keys(self) -> list[str]:
        return [key for key in self.activities.split(";") if key]

    __table_args__ = (
        Index("ix_nominations_status_created", "status", "created_at"),
        Index("ix_nominations_account_status", "account_id", "status"),
        CheckConstraint(
            "status IN ('proposed', 'invited', 'joined', 'not_now', 'no_thanks', 'withdrawn')",
            name="status_known",
        ),
    )


class NpsAnswer(Base):
    """One answer to the NPS survey (`refdesk import promoters`): 9–10 a promoter, 0–6 a detractor.

    Re-imports are keyed by the address and the day of the answer; a removed person's answer
    keeps its score and day (the account's detractor rule reads them) without address, name or
    comment.
    """

    __tablename__ = "nps_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    email: Mapped[str | None] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    answered_on: Mapped[dt.date] = mapped_column(Date)
    imported_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint("email", "answered_on"),
        Index("ix_nps_answers_account_answered", "account_id", "answered_on"),
        CheckConstraint("score BETWEEN 0 AND 10", name="score_range"),
    )


class Blackout(Base):
    """Dates an advocate is not to be asked ("not in March: year-end close"), both days included."""

    __tablename__ = "advocate_blackouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    advocate_id: Mapped[int] = mapped_column(ForeignKey("advocates.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    #: why, in their words (optional)
    note: Mapped[str] = mapped_column(String(200), default="")
    #: when they set it: the replay reads only the dates set before each ask
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)

    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="dates_in_order"),)


class ForgottenAddress(Base):
    """The keyed fingerprint (`store.addresses.AddressKey`) of a removed person's address: no
    later import or nomination adds them again, and nothing else about them is kept."""

    __tablename__ = "forgotten_addresses"

    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    forgotten_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
