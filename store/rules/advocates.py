"""The facts about the people an ask would reach: what each advocate said (their answers to asks
and their ratings, as of a moment when the replay asks), and whether anyone at an account can be
asked at all. Read by `store.rules.facts`, which hands them to the checklist."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, func, select, true
from sqlalchemy.orm import Session

from store.models import Consent, ConsentAnswer, Rating
from store.rules.checklist import ADVOCATE_RULES, PolicyFacts, Verdict, checklist
from store.rules.policy import Policy

#: account or advocate ids: a list, or a subquery so that thousands of ids stay in the database
Ids = Collection[int] | Select[Any]


def said(
    session: Session, advocate_ids: Ids, today: dt.date, as_of: dt.datetime | None
) -> dict[int, dict[str, Any]]:
    """What each advocate said (`store.customer.consent`): do-not-contact, resting ("Not for 3
    months"), and their last rating — as `PolicyFacts` fields by advocate id; with `as_of`, only
    what they had said by then (a past ask is not judged by an answer or a rating that came after
    it)."""
    answered = Consent.answered_at <= as_of if as_of is not None else true()
    rated = Rating.created_at <= as_of if as_of is not None else true()
    says: dict[int, dict[str, Any]] = {}
    for advocate_id, answer, rest_until in session.execute(
        select(Consent.advocate_id, Consent.answer, Consent.rest_until).where(
            Consent.advocate_id.in_(advocate_ids),
            Consent.answer.in_([ConsentAnswer.NEVER, ConsentAnswer.NOT_FOR_3_MONTHS]),
            answered,
        )
    ):
        said = says.setdefault(advocate_id, {})
        if answer == ConsentAnswer.NEVER:
            said["advocate_never"] = True
        elif rest_until is not None and rest_until >= today:
            said["advocate_rests_until"] = max(rest_until, said.get("advocate_rests_until", rest_until))
    latest = (
        select(Rating.advocate_id, func.max(Rating.id).label("last_id"))
        .where(Rating.advocate_id.in_(advocate_ids), Rating.rater == "advocate", rated)
        .group_by(Rating.advocate_id)
        .subquery()
    )
    for advocate_id, score in session.execute(
        select(Rating.advocate_id, Rating.score).join(latest, Rating.id == latest.c.last_id)
    ):
        says.setdefault(advocate_id, {})["advocate_last_rating"] = score
    return says


def nobody_to_ask(policy: Policy, advocates: dict[int, PolicyFacts]) -> tuple[str, ...]:
    """Why each advocate cannot be asked, when a ⛔ rule about them protects every one (else none):
    an ask that names nobody could then only be approved by picking someone it must not reach."""
    reasons = []
    for advocate in advocates.values():
        blocking = [
            result
            for result in checklist(policy, advocate)
            if result.rule in ADVOCATE_RULES and result.verdict is Verdict.BLOCKING
        ]
        if not blocking:
            return ()
        reasons.append(f"{advocate.advocate_name} ({blocking[0].reason})")
    return tuple(reasons)
