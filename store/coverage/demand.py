"""Recording demand: each request's need at submit, each search that found nothing the program
could ask, and each **Nothing fits** (with the admins' one DM a day about them).

A search is a read (`store.accounts.find`), answered at once; its need is written after, in a
transaction of its own that holds SQLite's one write lock for a single insert, so recording it
never slows the answer. The same search by the same person on the same day is one need: refining
the words is not three deals.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.accounts.find import SearchNeed
from store.act import Act
from store.db import Database
from store.errors import Invalid
from store.links import DealIndex, link_tokens
from store.models import Account, Demand, DemandSource, Opportunity, ReferenceRequest, normalize
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.outbox.payloads import NothingFitsPayload
from store.rules.policy import Policy

#: what a person may type into **Nothing fits**
WORDS_MAX = 1000
INDUSTRY_MAX = 100


def _deal_stage(session: Session, crm_link: str | None) -> str:
    """The stage of the imported opportunity a CRM link names (`DealIndex`), "" when none does.

    Only the opportunities the link could name are read: those whose CRM id is one of its parts,
    or whose link is the same.
    """
    if not crm_link:
        return ""
    deals, stages = DealIndex(), {}
    for opportunity_id, crm_id, link, stage in session.execute(
        select(Opportunity.id, Opportunity.crm_id, Opportunity.link, Opportunity.stage).where(
            or_(Opportunity.crm_id.in_(link_tokens(crm_link)), Opportunity.link == crm_link)
        )
    ):
        deals.add(opportunity_id, crm_id, link)
        stages[opportunity_id] = stage
    found = deals.find(crm_link)
    return stages[found] if found is not None else ""


def record_request(session: Session, request: ReferenceRequest, account: Account) -> None:
    """Inside the submit's transaction: what the request needs, as the account and deal are now."""
    session.add(
        Demand(
            key=f"request:{request.id}",
            source=DemandSource.REQUEST,
            request_id=request.id,
            requester_id=request.requester_id,
            activity=request.activity,
            industry=account.industry,
            segment=account.segment,
            region=account.region,
            products=account.products,
            prospect_industry=request.prospect_industry,
            deal_stage=_deal_stage(session, request.crm_link),
            amount=request.amount,
            created_at=request.created_at,
        )
    )


def _insert_once(session: Session, demand: Demand) -> bool:
    """Insert unless a need with the same key exists; True when this call added it. Fields left
    unset take their column's default."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {
        column.key: value
        for column in Demand.__table__.columns
        if (value := getattr(demand, column.key)) is not None
    }
    added = session.execute(
        insert(Demand.__table__)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(Demand.__table__.c.id)
    ).first()
    return added is not None


def record_search(db: Database, need: SearchNeed, act: Act) -> bool:
    """A search that found nothing askable, once per person, day and words; True when new."""
    said = normalize(need.words)
    digest = hashlib.sha256(f"{said}|{need.activity or ''}".encode()).hexdigest()[:24]
    demand = Demand(
        key=f"search:{act.user}:{act.today.isoformat()}:{digest}",
        source=DemandSource.SEARCH,
        requester_id=act.user,
        activity=need.activity,
        industry=need.industry,
        segment=need.segment,
        region=need.region,
        words=need.words[:WORDS_MAX],
        blocked_by=";".join(need.blocked_by),
        created_at=act.now,
    )
    with db.transaction() as session:
        return _insert_once(session, demand)


@dataclass(frozen=True)
class NothingFitsDraft:
    """What the requester said they needed, as typed into the **Nothing fits** modal."""

    words: str
    activity: str | None = None
    industry: str = ""


def nothing_fits(
    db: Database, policy: Policy, draft: NothingFitsDraft, act: Act, *, source_key: str, tell_at: dt.datetime
) -> tuple[str, ...]:
    """Store what they needed, and owe each admin the DM that lists the day's needs, once a day.

    The DM is due at `tell_at` (the day's end, in the program's time zone): one message a day
    whatever the number of needs, each need in exactly one of them.
    """
    words, industry = " ".join(draft.words.split()), " ".join(draft.industry.split())
    errors = {}
    if not words:
        errors["words"] = "Say what the prospect needed."
    elif len(words) > WORDS_MAX:
        errors["words"] = f"Keep it under {WORDS_MAX} characters."
    if len(industry) > INDUSTRY_MAX:
        errors["industry"] = f"Keep it under {INDUSTRY_MAX} characters."
    if draft.activity is not None and draft.activity not in policy.activities:
        errors["activity"] = "That activity is no longer offered. Pick another one."
    if errors:
        raise Invalid(errors)
    demand = Demand(
        key=f"nothing-fits:{source_key}",
        source=DemandSource.NOTHING_FITS,
        requester_id=act.user,
        activity=draft.activity,
        industry=industry,
        words=words,
        tell_on=act.today,
        created_at=act.now,
    )
    keys = []
    with db.transaction() as session:
        if not _insert_once(session, demand):
            return ()
        for admin in sorted(act.admins):
            key = f"{DeliveryKind.NOTHING_FITS}:{admin}:{act.today.isoformat()}"
            if queue.enqueue(
                session,
                key=key,
                kind=DeliveryKind.NOTHING_FITS,
                recipient=admin,
                now=act.now,
                payload=NothingFitsPayload(act.today),
                due=tell_at,
            ):
                keys.append(key)
    return tuple(keys)


@dataclass(frozen=True)
class ToldNeed:
    requester_id: str
    words: str
    activity: str | None
    industry: str
    created_at: dt.datetime


def nothing_fits_on(db: Database, day: dt.date) -> list[ToldNeed]:
    """The **Nothing fits** needs the admins' DM of `day` tells, in the order they were said."""
    with db.transaction(readonly=True) as session:
        rows = session.execute(
            select(Demand.requester_id, Demand.words, Demand.activity, Demand.industry, Demand.created_at)
            .where(Demand.source == DemandSource.NOTHING_FITS, Demand.tell_on == day)
            .order_by(Demand.created_at, Demand.id)
        )
        return [ToldNeed(*row) for row in rows]
