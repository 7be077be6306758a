"""The customer's say (issue 10): the advocate's answer to each ask, and ratings afterwards."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, UtcDateTime


class ConsentAnswer(enum.StrEnum):
    """The advocate's answers, in the order the page shows them; the values are stored, so they
    never change."""

    YES = "yes"
    NOT_THIS_TIME = "not_this_time"
    #: rest 90 days (`rest_until`)
    NOT_FOR_3_MONTHS = "not_for_3_months"
    #: halve their own cap per quarter
    LESS_OFTEN = "less_often"
    NEVER = "never"
    #: a colleague would be better (`Referral`)
    SOMEONE_ELSE = "someone_else"


ANSWER_CHECK = "answer IS NULL OR answer IN ({})".format(", ".join(f"'{a}'" for a in ConsentAnswer))


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
    #: the last day the advocate asked to rest through ("Not for 3 months")
    rest_until: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=0)
    asked_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    #: the owner's own line, which opens the e-mail ("A line from you"); empty when none
    owner_line: Mapped[str] = mapped_column(Text, default="", server_default="")

    __table_args__ = (
        CheckConstraint("mode IN ('email', 'owner')", name="mode_known"),
        CheckConstraint(ANSWER_CHECK, name="answer_known"),
    )


class Referral(Base):
    """A colleague the advocate named on the page ("Someone else would be better"), told to the
    account's owner. A person outside the company, like an advocate: what is kept of them here is
    what export and erasure must cover. One per ask (the first named is kept)."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("reference_requests.id"), unique=True)
    #: the advocate who named them
    advocate_id: Mapped[int] = mapped_column(ForeignKey("advocates.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


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
