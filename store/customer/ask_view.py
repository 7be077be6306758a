"""One ask as its advocate reads it on the page and in the e-mails: plain words and dates, the
answer so far, and the relationship statement — what the company did for the account in the last
12 months, then what it asked of it.

The ask reaches the customer by an opaque id (`ReferenceRequest.public_id`): the page's link
carries that id, never the sequential one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from store.customer.consent import ADVOCATE, EMAIL, asks_a_removed_person, check_open, owner_of
from store.db import Database
from store.errors import AlreadySettled, Gone
from store.models import (
    DEAL_CLOSED_NOTE,
    Account,
    Advocate,
    Consent,
    ConsentAnswer,
    EntryKind,
    LedgerEntry,
    Rating,
    ReferenceRequest,
    Referral,
)
from store.rules.policy import Activity, Policy

#: how far back the statement of asks and gives reaches
STATEMENT_DAYS = 365


@dataclass(frozen=True)
class StatementLine:
    on: dt.date
    #: "given" or "asked"
    side: str
    #: a give by what was done ("early access to the new API"); an ask by its activity's name
    what: str


@dataclass(frozen=True)
class AskView:
    """One ask as its advocate reads it: plain words and dates; no points, no other customer, no
    internal notes (the requester's context, the opportunity's name and the owner's reasons stay
    inside)."""

    request_id: int
    public_id: str
    advocate_id: int
    advocate_name: str
    advocate_email: str | None
    advocate_title: str
    account_name: str
    account_industry: str
    #: our products the account uses, as the CRM lists them
    products: tuple[str, ...]
    #: the account's owner as the CRM knows them (their Slack profile is the handlers' to read)
    owner_email: str | None
    activity: Activity
    #: the prospect company's name, only when the requester ticked that the advocate may see it
    prospect_company: str
    prospect_industry: str
    #: what the prospect would like to hear about, written for the customer
    topic: str
    needed_by: dt.date | None
    status: str
    mode: str
    answer: str | None
    note: str
    times: str
    #: the owner's own line, which opens the e-mail
    owner_line: str
    asked_at: dt.datetime
    #: the last day of a rest they asked for ("Not for 3 months")
    rest_until: dt.date | None
    #: the most asks a quarter they want ("Ask me less often", their page); None: no limit of theirs
    asks_per_quarter: int | None
    #: the answer may be given or changed today
    open: bool
    #: what the company did for the account, newest first; then what it asked (this ask left out)
    given: tuple[StatementLine, ...]
    asked: tuple[StatementLine, ...]
    requester_id: str
    owner_id: str | None
    rated: bool
    #: what the requester said came of it, once done (None: not said)
    deal_moved: bool | None = None
    deal_closed: bool = False
    #: the advocate named a colleague on the page, passed to the owner (`store.customer.referrals`)
    colleague_named: bool = False
    #: the advocate was removed from the program at their request (their name is a pseudonym)
    advocate_removed: bool = False

    @property
    def activity_name(self) -> str:
        return self.activity.name

    @property
    def invitation(self) -> str:
        """The ask in a few words, in the customer's terms ("30 minutes with a banking peer?")."""
        return self.activity.invitation(self.prospect_industry)

    @property
    def said_yes(self) -> bool:
        return self.answer == ConsentAnswer.YES


def view(db: Database, policy: Policy, request_id: int, today: dt.date) -> AskView:
    """The ask of request `request_id` (the renderers, the e-mails); `Gone` when there is none."""
    with db.transaction(readonly=True) as session:
        return _view(session, policy, session.get(ReferenceRequest, request_id), today)


def view_by_public_id(db: Database, policy: Policy, public_id: str, today: dt.date) -> AskView:
    """The ask a link names by its opaque id (the pages); `Gone` when there is none."""
    with db.transaction(readonly=True) as session:
        request = session.scalar(select(ReferenceRequest).where(ReferenceRequest.public_id == public_id))
        if request is not None and asks_a_removed_person(session, request.id):
            raise Gone("the ask of someone removed from the program")  # their link leads nowhere
        return _view(session, policy, request, today)


def preview(
    db: Database,
    policy: Policy,
    request_id: int,
    advocate_id: int,
    line: str,
    now: dt.datetime,
    today: dt.date,
) -> AskView:
    """The ask as `advocate_id` would read it if the owner approved it now with their `line`: what
    **Preview** shows before the click. `Gone` when the request or the advocate is not there."""
    with db.transaction(readonly=True) as session:
        request = session.get(ReferenceRequest, request_id)
        advocate = session.get(Advocate, advocate_id) if 0 < advocate_id < 2**31 else None
        if request is None or advocate is None or advocate.account_id != request.account_id:
            raise Gone("nothing to preview")
        draft = Consent(
            request_id=request.id,
            advocate_id=advocate.id,
            mode=EMAIL,
            note="",
            times="",
            version=0,
            asked_at=now,
            owner_line=line,
        )
        return _view(session, policy, request, today, draft)


def _view(
    session: Session,
    policy: Policy,
    request: ReferenceRequest | None,
    today: dt.date,
    draft: Consent | None = None,
) -> AskView:
    consent = draft or (session.get(Consent, request.id) if request is not None else None)
    if request is None or consent is None:
        raise Gone("no such ask")
    advocate = session.get_one(Advocate, consent.advocate_id)
    account = session.get_one(Account, request.account_id)
    before = ConsentAnswer(consent.answer) if consent.answer else None
    try:
        check_open(request, before, today)
        is_open = True
    except AlreadySettled:
        is_open = draft is not None
    if advocate.forgotten_at is not None:  # removed from the program: not to be asked, nor answered for
        is_open = False
    rated = session.scalar(select(Rating.id).where(Rating.request_id == request.id, Rating.rater == ADVOCATE))
    given, asked = statement(session, policy, account.id, today, leaving_out=request.id)
    return AskView(
        request_id=request.id,
        public_id=request.public_id,
        advocate_id=advocate.id,
        advocate_name=advocate.name,
        advocate_email=advocate.email,
        advocate_title=advocate.title,
        account_name=account.name,
        account_industry=account.industry,
        products=tuple(p.strip() for p in account.products.split(";") if p.strip()),
        owner_email=account.owner_email,
        activity=policy.activities.get(request.activity) or Activity(request.activity, request.activity, 0),
        prospect_company=request.prospect_company if request.prospect_name_shared else "",
        prospect_industry=request.prospect_industry,
        topic=request.topic,
        needed_by=request.needed_by,
        status=request.status,
        mode=consent.mode,
        answer=consent.answer,
        note=consent.note,
        times=consent.times,
        owner_line=consent.owner_line,
        asked_at=consent.asked_at,
        rest_until=consent.rest_until,
        asks_per_quarter=advocate.asks_per_quarter,
        open=is_open,
        given=given,
        asked=asked,
        requester_id=request.requester_id,
        owner_id=owner_of(request),
        rated=rated is not None,
        deal_moved=request.deal_moved,
        deal_closed=(request.outcome_note or "").startswith(DEAL_CLOSED_NOTE),
        colleague_named=bool(session.scalar(select(exists().where(Referral.request_id == request.id)))),
        advocate_removed=advocate.forgotten_at is not None,
    )


def _name(table: dict[str, object], key: str | None) -> str:
    item = table.get(key or "")
    return str(getattr(item, "name", key or "something"))


def statement(
    session: Session, policy: Policy, account_id: int, today: dt.date, *, leaving_out: int | None = None
) -> tuple[tuple[StatementLine, ...], tuple[StatementLine, ...]]:
    """What the company gave the account and asked of it in the last 12 months, newest first: each
    give by what was done (its kind when nothing was said), each ask by its activity; never points.
    The ask `leaving_out` is the one being made, which is not history yet."""
    rows = session.execute(
        select(LedgerEntry.occurred_on, LedgerEntry.kind, LedgerEntry.item, LedgerEntry.note)
        .where(
            LedgerEntry.account_id == account_id,
            LedgerEntry.kind.in_([EntryKind.ASK, EntryKind.GIVE]),
            LedgerEntry.occurred_on >= today - dt.timedelta(days=STATEMENT_DAYS),
            (LedgerEntry.request_id.is_(None)) | (LedgerEntry.request_id != (leaving_out or 0)),
        )
        .order_by(LedgerEntry.occurred_on.desc(), LedgerEntry.id.desc())
    )
    given: list[StatementLine] = []
    asked: list[StatementLine] = []
    for on, kind, item, note in rows:
        if kind == EntryKind.GIVE:
            given.append(StatementLine(on, "given", note.strip() or _name(policy.values, item)))
        else:
            asked.append(StatementLine(on, "asked", _name(policy.activities, item)))
    return tuple(given), tuple(asked)
