"""The library (`/reference evidence <words>`) and words before a call: approved, unexpired
evidence that fits a deal, best first, each with its attribution exactly as approved.

The words are read like `/reference find`'s (`store.accounts.find.parse_words`): an activity when
one is named, and terms matched against the account (name, industry, segment, region, products),
the kind and the words themselves. Every read goes through `store.evidence.items.usable` on the
program's day, so an item withdrawn or expired a moment ago is in no answer.

Words before a call: the request modal (an account and an activity), the requester's receipt of a
pending request, and `find` offer the items whose kind covers the ask *and* whose approval allows
the place the ask needs (the policy's `[evidence.kinds]`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from store.accounts.find import parse_words
from store.db import Database
from store.evidence.items import usable
from store.models import Account, Evidence, EvidenceUse, ReferenceRequest, RequestStatus, normalize
from store.rules.policy import Activity, Policy

#: the longest list a seller reads in one answer
DEFAULT_LIMIT = 10
#: words offered before an ask: a few, the newest approvals first
BEFORE_AN_ASK = 3


@dataclass(frozen=True)
class LibraryItem:
    id: int
    kind: str
    kind_name: str
    text: str
    link: str | None
    #: the attribution exactly as the advocate approved it
    attributed_as: str
    #: Where we may use it: place keys (`store.rules.evidence_policy.PLACES`), in the page's order
    places: tuple[str, ...]
    #: the first day it may no longer be used
    expires_on: dt.date
    account_id: int
    account_name: str
    industry: str
    uses: int
    #: the searched words it matched
    matched: tuple[str, ...] = ()
    #: it can stand in for the ask named: its kind covers the activity and its approval the place
    covers: bool = False


@dataclass(frozen=True)
class LibraryResult:
    terms: tuple[str, ...]
    activity: Activity | None
    items: list[LibraryItem]
    #: how many fit in all (the answer shows at most its limit)
    total: int


@dataclass(frozen=True)
class _Row:
    item: LibraryItem
    haystack: str
    approved_at: dt.datetime


def _rows(session: Session, policy: Policy, today: dt.date, *where: ColumnElement[bool]) -> list[_Row]:
    uses = (
        select(EvidenceUse.evidence_id, func.count().label("n")).group_by(EvidenceUse.evidence_id).subquery()
    )
    query = (
        select(Evidence, Account, func.coalesce(uses.c.n, 0))
        .join(Account, Account.id == Evidence.account_id)
        .outerjoin(uses, uses.c.evidence_id == Evidence.id)
        .where(usable(today), *where)
    )
    rows = []
    for evidence, account, used in session.execute(query):
        kind_name = policy.evidence.name_of(evidence.kind)
        assert evidence.expires_on is not None and evidence.approved_at is not None
        item = LibraryItem(
            id=evidence.id,
            kind=evidence.kind,
            kind_name=kind_name,
            text=evidence.text,
            link=evidence.link,
            attributed_as=evidence.attributed_as,
            places=tuple(evidence.place_keys),
            expires_on=evidence.expires_on,
            account_id=account.id,
            account_name=account.name,
            industry=account.industry,
            uses=int(used),
        )
        fields = (account.name, account.industry, account.segment, account.region, account.products)
        haystack = " ".join(normalize(v) for v in (*fields, kind_name, evidence.text))
        rows.append(_Row(item, haystack, evidence.approved_at))
    return rows


def covers(policy: Policy, item: LibraryItem, activity: str) -> bool:
    """Whether the item can stand in for an ask of `activity`: its kind covers it, and the place
    that ask needs is one the advocate allowed."""
    kind = policy.evidence.kind(item.kind)
    place = kind.place_for(activity) if kind else None
    return place is not None and place in item.places


def search(
    db: Database, policy: Policy, text: str, today: dt.date, limit: int = DEFAULT_LIMIT
) -> LibraryResult:
    """`/reference evidence <words>`: the items that fit, best first; no words, the whole library.

    With an activity named, only kinds that can stand in for it, those whose approval allows the
    place it needs first; then the most words matched; then the newest approval.
    """
    terms, activity = parse_words(policy, text)
    with db.transaction(readonly=True) as session:
        rows = _rows(session, policy, today)
    ranked = []
    for row in rows:
        kind = policy.evidence.kind(row.item.kind)
        if activity is not None and (kind is None or kind.place_for(activity.key) is None):
            continue
        matched = tuple(term for term in terms if term in row.haystack)
        if terms and not matched:
            continue
        fits = activity is not None and covers(policy, row.item, activity.key)
        item = replace(row.item, matched=matched, covers=fits)
        ranked.append(((-fits, -len(matched), -row.approved_at.timestamp(), -item.id), item))
    ranked.sort(key=lambda pair: pair[0])
    return LibraryResult(terms, activity, [item for _, item in ranked[:limit]], len(ranked))


def for_ask(
    db: Database, policy: Policy, account_id: int, activity: str | None, today: dt.date
) -> list[LibraryItem]:
    """The request modal: the account's words that can stand in for the ask (any of its words
    while no activity is picked), newest approval first."""
    with db.transaction(readonly=True) as session:
        return _for_ask(session, policy, account_id, activity, today)


def _for_ask(
    session: Session, policy: Policy, account_id: int, activity: str | None, today: dt.date
) -> list[LibraryItem]:
    rows = _rows(session, policy, today, Evidence.account_id == account_id)
    fitting = [
        replace(row.item, covers=True) if activity else row.item
        for row in sorted(rows, key=lambda r: (r.approved_at, r.item.id), reverse=True)
        if activity is None or covers(policy, row.item, activity)
    ]
    return fitting[:BEFORE_AN_ASK]


def for_request(db: Database, policy: Policy, request_id: int, today: dt.date) -> list[LibraryItem]:
    """The requester's receipt of a pending request: the words that could replace the ask."""
    with db.transaction(readonly=True) as session:
        request = session.get(ReferenceRequest, request_id)
        if request is None or request.status != RequestStatus.PENDING:
            return []
        return _for_ask(session, policy, request.account_id, request.activity, today)
