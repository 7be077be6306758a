"""One ask as its advocate reads it on the page and in the e-mails: plain words and dates, the
answer so far, and what the company asked of the account and gave it in the last 12 months."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.customer.consent import ADVOCATE, check_open, owner_of
from store.db import Database
from store.errors import AlreadySettled, Gone
from store.models import (
    Account,
    Advocate,
    Consent,
    ConsentAnswer,
    EntryKind,
    LedgerEntry,
    Rating,
    ReferenceRequest,
)
from store.rules.policy import Policy

#: how far back the statement of asks and gives reaches
STATEMENT_DAYS = 365


@dataclass(frozen=True)
class StatementLine:
    on: dt.date
    #: "asked" or "given"
    side: str
    what: str


@dataclass(frozen=True)
class AskView:
    """One ask as its advocate reads it: plain words and dates; no points, no other customer, no
    internal notes (the requester's context and the owner's reasons stay inside)."""

    request_id: int
    advocate_name: str
    advocate_email: str | None
    advocate_title: str
    account_name: str
    owner_email: str | None
    activity_name: str
    #: the opportunity name, only when the requester ticked that the advocate may see it
    prospect_name: str
    prospect_industry: str
    needed_by: dt.date | None
    status: str
    mode: str
    answer: str | None
    note: str
    times: str
    #: the answer may be given or changed today
    open: bool
    statement: tuple[StatementLine, ...]
    requester_id: str
    owner_id: str | None
    rated: bool

    @property
    def for_whom(self) -> str:
        """Who the activity is for, in the words the e-mail and the page use ("" when unknown)."""
        industry = f"a prospect in {self.prospect_industry}" if self.prospect_industry else ""
        return ", ".join(part for part in (self.prospect_name, industry) if part)


def view(db: Database, policy: Policy, request_id: int, today: dt.date) -> AskView:
    with db.transaction(readonly=True) as session:
        request = session.get(ReferenceRequest, request_id)
        consent = session.get(Consent, request_id)
        if request is None or consent is None:
            raise Gone(f"no ask for request {request_id}")
        advocate = session.get_one(Advocate, consent.advocate_id)
        account = session.get_one(Account, request.account_id)
        before = ConsentAnswer(consent.answer) if consent.answer else None
        try:
            check_open(request, before, today)
            is_open = True
        except AlreadySettled:
            is_open = False
        rated = session.scalar(
            select(Rating.id).where(Rating.request_id == request.id, Rating.rater == ADVOCATE)
        )
        return AskView(
            request_id=request.id,
            advocate_name=advocate.name,
            advocate_email=advocate.email,
            advocate_title=advocate.title,
            account_name=account.name,
            owner_email=account.owner_email,
            activity_name=_name(policy.activities, request.activity),
            prospect_name=request.opportunity_name if request.prospect_name_shared else "",
            prospect_industry=request.prospect_industry,
            needed_by=request.needed_by,
            status=request.status,
            mode=consent.mode,
            answer=consent.answer,
            note=consent.note,
            times=consent.times,
            open=is_open,
            statement=statement(session, policy, account.id, today),
            requester_id=request.requester_id,
            owner_id=owner_of(session, request),
            rated=rated is not None,
        )


def _name(table: dict[str, object], key: str | None) -> str:
    item = table.get(key or "")
    return str(getattr(item, "name", key or "something"))


def statement(session: Session, policy: Policy, account_id: int, today: dt.date) -> tuple[StatementLine, ...]:
    """What the company asked of the account and gave it in the last 12 months, newest first:
    activity and value names with dates, never points and never the free-text notes."""
    rows = session.execute(
        select(LedgerEntry.occurred_on, LedgerEntry.kind, LedgerEntry.item)
        .where(
            LedgerEntry.account_id == account_id,
            LedgerEntry.kind.in_([EntryKind.ASK, EntryKind.GIVE]),
            LedgerEntry.occurred_on >= today - dt.timedelta(days=STATEMENT_DAYS),
        )
        .order_by(LedgerEntry.occurred_on.desc(), LedgerEntry.id.desc())
    )
    return tuple(
        StatementLine(
            on,
            "asked" if kind == EntryKind.ASK else "given",
            _name(policy.activities if kind == EntryKind.ASK else policy.values, item),
        )
        for on, kind, item in rows
    )
