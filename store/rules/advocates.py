"""The facts about the people an ask would reach: what each advocate said (their answers to asks
and their ratings, as of a moment when the replay asks), the dates they asked not to be asked on
(their own page), the account's NPS answers (`refdesk import promoters`), and whether anyone at an
account can be asked at all. Read by `store.rules.facts`, which hands them to the checklist."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, bindparam, func, select, true
from sqlalchemy.orm import Session

from store.models import Blackout, Consent, ConsentAnswer, NpsAnswer, Rating
from store.rules import prepared
from store.rules.checklist import ADVOCATE_RULES, DatesOff, NpsFact, PolicyFacts, Verdict, checklist
from store.rules.policy import Policy, Rules
from store.rules.prepared import Ids


def said(
    session: Session, advocate_ids: Ids, today: dt.date, as_of: dt.datetime | None
) -> dict[int, dict[str, Any]]:
    """What each advocate said (`store.customer.consent`): do-not-contact, resting ("Not for 3
    months"), and their last rating — as `PolicyFacts` fields by advocate id; with `as_of`, only
    what they had said by then (a past ask is not judged by an answer or a rating that came after
    it)."""
    says: dict[int, dict[str, Any]] = {}
    query, ids = _answers(advocate_ids, as_of)
    for advocate_id, answer, rest_until in session.execute(query, ids):
        said = says.setdefault(advocate_id, {})
        if answer == ConsentAnswer.NEVER:
            said["advocate_never"] = True
        elif rest_until is not None and rest_until >= today:
            said["advocate_rests_until"] = max(rest_until, said.get("advocate_rests_until", rest_until))
    query, ids = _last_ratings(advocate_ids, as_of)
    for advocate_id, score in session.execute(query, ids):
        says.setdefault(advocate_id, {})["advocate_last_rating"] = score
    return says


@prepared.for_ids
def _answers(advocate_ids: Any, as_of: dt.datetime | None) -> Select[Any]:
    answered = Consent.answered_at <= as_of if as_of is not None else true()
    return select(Consent.advocate_id, Consent.answer, Consent.rest_until).where(
        Consent.advocate_id.in_(advocate_ids),
        Consent.answer.in_([ConsentAnswer.NEVER, ConsentAnswer.NOT_FOR_3_MONTHS]),
        answered,
    )


@prepared.for_ids
def _last_ratings(advocate_ids: Any, as_of: dt.datetime | None) -> Select[Any]:
    rated = Rating.created_at <= as_of if as_of is not None else true()
    latest = (
        select(Rating.advocate_id, func.max(Rating.id).label("last_id"))
        .where(Rating.advocate_id.in_(advocate_ids), Rating.rater == "advocate", rated)
        .group_by(Rating.advocate_id)
        .subquery()
    )
    return select(Rating.advocate_id, Rating.score).join(latest, Rating.id == latest.c.last_id)


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


def dates_off(
    session: Session, advocate_ids: Ids, today: dt.date, as_of: dt.datetime | None = None
) -> dict[int, tuple[DatesOff, ...]]:
    """Each advocate's dates not to ask that end today or later, soonest first; `as_of` (the
    replay): only the dates they had set by then."""
    found: dict[int, list[DatesOff]] = {}
    query, ids = _dates_off(advocate_ids, as_of)
    for advocate_id, starts_on, ends_on, note in session.execute(query, {**ids, "today": today}):
        found.setdefault(advocate_id, []).append(DatesOff(starts_on, ends_on, note))
    return {advocate_id: tuple(ranges) for advocate_id, ranges in found.items()}


@prepared.for_ids
def _dates_off(advocate_ids: Any, as_of: dt.datetime | None) -> Select[Any]:
    set_by = Blackout.created_at <= as_of if as_of is not None else true()
    today = bindparam("today", type_=Blackout.ends_on.type)
    return (
        select(Blackout.advocate_id, Blackout.starts_on, Blackout.ends_on, Blackout.note)
        .where(Blackout.advocate_id.in_(advocate_ids), Blackout.ends_on >= today, set_by)
        .order_by(Blackout.starts_on, Blackout.id)
    )


def nps_facts(
    session: Session, rules: Rules, account_ids: Ids, today: dt.date, as_of: dt.datetime | None = None
) -> dict[int, NpsFact]:
    """Per account, the NPS answer an ask should know about: the latest detractor's in the last
    `detractor_days` days, else the latest answer in them. `as_of` (the replay): only the answers
    imported by then."""
    query, ids = _nps_answers(account_ids, as_of)
    since = today - dt.timedelta(days=rules.detractor_days)
    rows = session.execute(query, {**ids, "since": since, "today": today})
    found: dict[int, NpsFact] = {}
    for account_id, score, answered_on, comment in rows:
        kept = found.get(account_id)
        detractor = score <= rules.detractor_max_score
        if kept is None or detractor or kept.score > rules.detractor_max_score:
            found[account_id] = NpsFact(score, answered_on, comment)
    return found


@prepared.for_ids
def _nps_answers(account_ids: Any, as_of: dt.datetime | None) -> Select[Any]:
    imported = NpsAnswer.imported_at <= as_of if as_of is not None else true()
    day = NpsAnswer.answered_on.type
    return (
        select(NpsAnswer.account_id, NpsAnswer.score, NpsAnswer.answered_on, NpsAnswer.comment)
        .where(
            NpsAnswer.account_id.in_(account_ids),
            NpsAnswer.answered_on >= bindparam("since", type_=day),
            NpsAnswer.answered_on <= bindparam("today", type_=day),
            imported,
        )
        .order_by(NpsAnswer.answered_on, NpsAnswer.id)
    )
