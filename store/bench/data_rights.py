"""**Download my data** and `refdesk advocates export EMAIL`: everything the program holds about
one person outside the company, as JSON and as CSV.

A person is their address: the advocate rows with it (at any account), the nominations of it and
the NPS answers from it — or, for an advocate imported without an address, that one advocate row.
What it covers: their profile and preferences (activities, cap, dates not to ask, time zone,
times, what they value), the asks made of them with their answers, notes and times, the ratings
of those activities, the value given to them, their nominations, the times an advocate named them
as a colleague ("Someone else would be better"), their survey answers and their words
(`store.bench.their_words`: each item as kept, with how often it was used). The
requester's internal context is the company's notes about a deal, not about them: it stays out.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from store.addresses import BadAddress, clean_address
from store.bench import their_words
from store.db import Database
from store.errors import Gone, Invalid
from store.models import (
    Account,
    Advocate,
    Blackout,
    Consent,
    EntryKind,
    LedgerEntry,
    Nomination,
    NpsAnswer,
    Offer,
    OfferSeat,
    Rating,
    ReferenceRequest,
    Referral,
)
from store.rules.policy import Policy

Section = list[dict[str, Any]]
#: what a spreadsheet reads as the start of a formula
FORMULA_STARTS = frozenset("=+-@\t\r")
SECTIONS = (
    "profile",
    "asks",
    "ratings",
    "gives",
    "offers",
    "nominations",
    "named_as_colleague",
    "survey_answers",
    "your_words",
)


def of_advocate(db: Database, policy: Policy, advocate_id: int, now: dt.datetime) -> dict[str, Any]:
    """Everything held about the advocate whose page asks (their address's data, if they have one)."""
    with db.transaction(readonly=True) as session:
        advocate = session.get(Advocate, advocate_id) if 0 < advocate_id < 2**31 else None
        if advocate is None or advocate.forgotten_at is not None:
            raise Gone(f"no advocate {advocate_id}")
        return _collect(session, policy, advocate.email, [advocate.id], now)


def of_address(db: Database, policy: Policy, typed: str, now: dt.datetime) -> dict[str, Any]:
    """Everything held about whoever has this address (`refdesk advocates export`)."""
    try:
        address = clean_address(typed)
    except BadAddress as bad:
        raise Invalid({"email": str(bad)}) from None
    with db.transaction(readonly=True) as session:
        found = _collect(session, policy, address, [], now)
        if not any(found[section] for section in SECTIONS):
            raise Gone(f"nothing is held about {address}")
        return found


def _collect(
    session: Session, policy: Policy, address: str | None, advocate_ids: list[int], now: dt.datetime
) -> dict[str, Any]:
    who = Advocate.id.in_(advocate_ids)
    if address is not None:
        who = or_(who, Advocate.email == address)
    advocates = list(session.scalars(select(Advocate).where(who, Advocate.forgotten_at.is_(None))))
    ids = [a.id for a in advocates]
    return {
        "exported_at": now.isoformat(),
        "address": address,
        "profile": [_profile(session, policy, a) for a in advocates],
        "asks": _asks(session, policy, ids),
        "ratings": _ratings(session, policy, ids),
        "gives": _gives(session, policy, ids),
        "offers": _offers(session, ids),
        "nominations": _nominations(session, policy, address),
        "named_as_colleague": _named(session, address),
        "survey_answers": _survey(session, address),
        "your_words": [item for advocate_id in ids for item in their_words.export_for(session, advocate_id)],
    }


def _names(table: dict[str, Any], keys: list[str]) -> list[str]:
    return [str(getattr(table.get(key), "name", key)) for key in keys]


def _profile(session: Session, policy: Policy, advocate: Advocate) -> dict[str, Any]:
    account = session.get_one(Account, advocate.account_id)
    ranges = session.scalars(
        select(Blackout).where(Blackout.advocate_id == advocate.id).order_by(Blackout.starts_on)
    )
    return {
        "name": advocate.name,
        "title": advocate.title,
        "email": advocate.email,
        "company": account.name,
        "happy_to_do": _names(policy.activities, advocate.activity_keys),
        "asks_per_quarter": advocate.asks_per_quarter,
        "not_on_these_dates": [
            {"from": r.starts_on.isoformat(), "to": r.ends_on.isoformat(), "why": r.note} for r in ranges
        ],
        "time_zone": advocate.time_zone,
        "times_that_suit": advocate.times_that_suit,
        "valuable_to_you": advocate.valued_groups,
        "what_would_be_valuable": advocate.value_note,
        "joined_on": advocate.joined_at.date().isoformat() if advocate.joined_at else None,
    }


def _asks(session: Session, policy: Policy, ids: list[int]) -> Section:
    rows = session.execute(
        select(ReferenceRequest, Consent, Account.name)
        .join(Account, Account.id == ReferenceRequest.account_id)
        .outerjoin(Consent, Consent.request_id == ReferenceRequest.id)
        .where(ReferenceRequest.advocate_id.in_(ids))
        .order_by(ReferenceRequest.created_at, ReferenceRequest.id)
    )
    return [
        {
            "ask": request.id,
            "company": company,
            "activity": _names(policy.activities, [request.activity])[0],
            "asked_on": request.created_at.date().isoformat(),
            "needed_by": request.needed_by.isoformat() if request.needed_by else None,
            "for_a_prospect_in": request.prospect_industry,
            "status": request.status,
            "your_answer": consent.answer if consent else None,
            "answered_on": consent.answered_at.date().isoformat()
            if consent and consent.answered_at
            else None,
            "your_note": consent.note if consent else "",
            "times_that_suit": consent.times if consent else "",
        }
        for request, consent, company in rows
    ]


def _ratings(session: Session, policy: Policy, ids: list[int]) -> Section:
    rows = session.execute(
        select(Rating, ReferenceRequest.activity)
        .join(ReferenceRequest, ReferenceRequest.id == Rating.request_id)
        .where(ReferenceRequest.advocate_id.in_(ids))
        .order_by(Rating.created_at, Rating.id)
    )
    return [
        {
            "ask": rating.request_id,
            "activity": _names(policy.activities, [activity])[0],
            "rated_by": "you" if rating.rater == "advocate" else "the person who asked",
            "score": rating.score,
            "comment": rating.comment,
            "rated_on": rating.created_at.date().isoformat(),
        }
        for rating, activity in rows
    ]


def _gives(session: Session, policy: Policy, ids: list[int]) -> Section:
    rows = session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.advocate_id.in_(ids), LedgerEntry.kind == EntryKind.GIVE)
        .order_by(LedgerEntry.occurred_on, LedgerEntry.id)
    )
    return [
        {
            "on": entry.occurred_on.isoformat(),
            "what": _names(policy.values, [entry.item or ""])[0],
            "what_was_done": entry.note,
        }
        for entry in rows
    ]


def _offers(session: Session, ids: list[int]) -> Section:
    """The offers they were invited to take part in, and what they said (`store.offers`)."""
    rows = session.execute(
        select(OfferSeat, Offer.title)
        .join(Offer, Offer.id == OfferSeat.offer_id)
        .where(OfferSeat.advocate_id.in_(ids), OfferSeat.invited_at.is_not(None))
        .order_by(OfferSeat.invited_at, OfferSeat.id)
    )
    return [
        {
            "offer": title,
            "invited_on": seat.invited_at.date().isoformat() if seat.invited_at else None,
            "status": seat.status,
            "answered_on": seat.answered_at.date().isoformat() if seat.answered_at else None,
        }
        for seat, title in rows
    ]


def _nominations(session: Session, policy: Policy, address: str | None) -> Section:
    if address is None:
        return []
    rows = session.execute(
        select(Nomination, Account.name)
        .join(Account, Account.id == Nomination.account_id)
        .where(Nomination.email == address)
        .order_by(Nomination.created_at)
    )
    return [
        {
            "company": company,
            "name": nomination.name,
            "title": nomination.title,
            "nominated_on": nomination.created_at.date().isoformat(),
            "why_you": nomination.why,
            "activities_you_might_do": _names(policy.activities, nomination.activity_keys),
            "status": nomination.status,
            "answered_on": nomination.answered_at.date().isoformat() if nomination.answered_at else None,
        }
        for nomination, company in rows
    ]


def _named(session: Session, address: str | None) -> Section:
    """The times an advocate named them on an ask's page as the colleague to ask instead."""
    if address is None:
        return []
    rows = session.execute(
        select(Referral, Account.name)
        .join(ReferenceRequest, ReferenceRequest.id == Referral.request_id)
        .join(Account, Account.id == ReferenceRequest.account_id)
        .where(Referral.email == address)
        .order_by(Referral.created_at, Referral.id)
    )
    return [
        {
            "company": company,
            "name": referral.name,
            "title": referral.title,
            "named_on": referral.created_at.date().isoformat(),
        }
        for referral, company in rows
    ]


def _survey(session: Session, address: str | None) -> Section:
    if address is None:
        return []
    rows = session.scalars(
        select(NpsAnswer).where(NpsAnswer.email == address).order_by(NpsAnswer.answered_on)
    )
    return [
        {"answered_on": a.answered_on.isoformat(), "score": a.score, "name": a.name, "comment": a.comment}
        for a in rows
    ]


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def to_csv(data: dict[str, Any]) -> str:
    """One line per value: `section, number, field, value` (lists joined with "; ")."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "number", "field", "value"])
    for section in SECTIONS:
        for number, row in enumerate(data[section], start=1):
            for field, value in row.items():
                writer.writerow([section, number, field, _cell(value)])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(_cell(item) for item in value)
    if isinstance(value, dict):
        return " ".join(f"{k}={_cell(v)}" for k, v in value.items())
    text = str(value)
    # a spreadsheet runs a cell that starts like a formula: the person's own words must not
    return f"'{text}" if text[:1] in FORMULA_STARTS else text
