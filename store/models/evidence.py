"""Evidence (issue 23): a customer's own words, usable once their advocate approved them, and each use.

Rules the schema keeps, whatever the code path:

* an item is created once per click or page (`source_key` is unique), and used once per click
  (the use's `source_key` is unique);
* a request is withdrawn in favour of evidence at most once (`evidence_uses.request_id` is unique);
* the approval's facts (places, how to name them, until when) are known exactly when it is approved.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, UtcDateTime, new_public_id

#: who withdrew the words of an advocate removed from the program (`store.bench.their_words`)
WITHDRAWN_BY_ERASURE = "erasure"


class EvidenceStatus(enum.StrEnum):
    """An item's life. Only `approved` (and not yet expired) is ever shown to a requester."""

    #: waiting for the advocate's approval: drafted by the team, written and not yet approved, or
    #: changed since it was approved (any edit needs a new approval)
    AWAITING = "awaiting"
    APPROVED = "approved"
    #: the advocate (or an admin, or their erasure) withdrew it: never shown again
    WITHDRAWN = "withdrawn"


class NameAs(enum.StrEnum):
    """**Name me as**: how the words are attributed. The values are stored, so they never change."""

    NAME_TITLE_COMPANY = "name_title_company"
    TITLE_COMPANY = "title_company"
    COMPANY = "company"
    ANONYMOUS = "anonymous"


class Evidence(Base):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the id the advocate's links carry (`new_public_id`): never the sequential one
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    #: the person whose words these are, and who alone approves them (on their signed page)
    advocate_id: Mapped[int] = mapped_column(ForeignKey("advocates.id"))
    #: a kind of the policy's `[evidence.kinds]`
    kind: Mapped[str] = mapped_column(String(50))
    #: the exact words: what is approved is this text, at this `version`
    text: Mapped[str] = mapped_column(Text)
    #: the page a link or case study points at (http(s) only)
    link: Mapped[str | None] = mapped_column(String(2000))
    #: where the words come from, as an admin drafting them said ("our call on 3 March"); the
    #: advocate reads it on the approval page
    source: Mapped[str] = mapped_column(Text, default="")
    #: "advocate" when they wrote it on their page, else the Slack id of the admin who drafted it
    drafted_by: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20), default=EvidenceStatus.AWAITING)
    #: counts the changes to the words: an approval is of one version, and a page showing an older
    #: one cannot approve the newer words
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: Where we may use it: place keys separated by ";" (`store.rules.evidence_policy.PLACES`)
    places: Mapped[str] = mapped_column(String(100), default="")
    name_as: Mapped[str | None] = mapped_column(String(30))
    #: the attribution exactly as approved ("Jane Roe, CTO, Acme Health"): a later change of title
    #: or company does not rewrite what the advocate agreed to
    attributed_as: Mapped[str] = mapped_column(Text, default="")
    #: the period the advocate chose, in years: **Renew** extends by it again
    years: Mapped[int | None] = mapped_column(Integer)
    approved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    #: the first day, in the program's time zone, the words may no longer be used
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    #: who withdrew them: a Slack user, the advocate, or `WITHDRAWN_BY_ERASURE`
    withdrawn_by: Mapped[str | None] = mapped_column(String(32))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    #: what made it (the drafting modal's view, the page's form): one item each
    source_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_evidence_status_expires", "status", "expires_on"),
        Index("ix_evidence_account_status", "account_id", "status"),
        Index("ix_evidence_advocate", "advocate_id"),
        CheckConstraint("status IN ('awaiting', 'approved', 'withdrawn')", name="status_known"),
        CheckConstraint(
            "name_as IS NULL OR name_as IN ('name_title_company', 'title_company', 'company', 'anonymous')",
            name="name_as_known",
        ),
        CheckConstraint(
            "status <> 'approved' OR (name_as IS NOT NULL AND expires_on IS NOT NULL AND places <> '')",
            name="approval_complete",
        ),
    )

    @property
    def place_keys(self) -> list[str]:
        return [key for key in self.places.split(";") if key]


class EvidenceUse(Base):
    """**Use this**: who used which words, for which deal, where — and the ask it stood in for.

    Never a ledger entry: words the customer already approved spend none of their goodwill.
    """

    __tablename__ = "evidence_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"))
    used_by: Mapped[str] = mapped_column(String(32))
    opportunity_name: Mapped[str] = mapped_column(String(200))
    #: the deal's CRM link, matched to imported opportunities for the win rate with evidence
    crm_link: Mapped[str | None] = mapped_column(String(500))
    #: where it is used: one of the places the approval allows
    place: Mapped[str] = mapped_column(String(20))
    #: the pending request withdrawn in favour of these words (it costs the customer nothing)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("reference_requests.id"), unique=True)
    #: the activity the request modal was asking for when the words were used instead
    instead_of: Mapped[str | None] = mapped_column(String(50))
    #: the **Use this** click (its modal's view id): one use each
    source_key: Mapped[str] = mapped_column(String(100), unique=True)
    used_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_evidence_uses_evidence", "evidence_id", "used_at"),
        Index("ix_evidence_uses_used_at", "used_at"),
    )
