"""Ratings after the activity: the requester's (1–5, did the deal move) with **Done**, the
advocate's ("Was this a good use of your time?" 1–5 and a comment) on the rating page.

One rating per side and request (the schema's unique constraint); the advocate's last rating feeds
the checklist (`store.rules.facts`), and the summaries show in find, the decision DM and the digest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.customer.consent import ADVOCATE, EMAIL, REMOVED, TEXT_MAX, asks_a_removed_person, mail_recipient
from store.db import Database
from store.errors import AlreadySettled, Gone, Invalid
from store.models import Consent, ConsentAnswer, Rating, ReferenceRequest, RequestStatus
from store.outbox import queue
from store.outbox.kinds import DeliveryKind


def record_rating(
    session: Session,
    request: ReferenceRequest,
    rater: str,
    score: int,
    now: dt.datetime,
    *,
    deal_moved: bool | None = None,
    comment: str = "",
) -> bool:
    """Inside the caller's transaction: one rating per side and request; False if already rated."""
    if not 1 <= score <= 5:
        raise Invalid({"score": "Pick a rating from 1 to 5."})
    if len(comment.strip()) > TEXT_MAX:
        raise Invalid({"comment": f"Keep it under {TEXT_MAX} characters."})
    exists = session.scalar(select(Rating.id).where(Rating.request_id == request.id, Rating.rater == rater))
    if exists is not None:
        return False
    session.add(
        Rating(
            request_id=request.id,
            advocate_id=request.advocate_id,
            rater=rater,
            score=score,
            deal_moved=deal_moved,
            comment=comment.strip(),
            created_at=now,
        )
    )
    session.flush()
    return True


def owe_rating_mail(session: Session, request: ReferenceRequest, now: dt.datetime) -> tuple[str, ...]:
    """After **Done**: the advocate asked by e-mail who said yes gets the short thank-you that asks
    for their rating, once (one who never said yes did nothing to rate)."""
    consent = session.get(Consent, request.id)
    if consent is None or consent.mode != EMAIL or consent.answer != ConsentAnswer.YES:
        return ()
    key = f"rating-mail:{request.id}"
    added = queue.enqueue(
        session,
        key=key,
        kind=DeliveryKind.RATING_EMAIL,
        recipient=mail_recipient(consent.advocate_id),
        now=now,
        request_id=request.id,
    )
    return (key,) if added else ()


def rate_by_advocate(db: Database, request_id: int, score: int, comment: str, now: dt.datetime) -> bool:
    """The advocate's rating from the page: once; False when they had already rated."""
    with db.transaction() as session:
        request = session.get(ReferenceRequest, request_id, with_for_update=True)
        if request is None or session.get(Consent, request_id) is None:
            raise Gone(f"no ask for request {request_id}")
        if asks_a_removed_person(session, request_id):
            raise Gone(f"request {request_id} asks a removed advocate", why=REMOVED)
        if request.status != RequestStatus.DONE:
            raise AlreadySettled(request.status)
        return record_rating(session, request, ADVOCATE, score, now, comment=comment)


@dataclass(frozen=True)
class RatingSummary:
    """Ratings of an account's activities: the average and how many (both sides counted)."""

    average: float
    count: int

    def words(self) -> str:
        return f"rated {self.average:.1f}/5 ({self.count})"


def summaries(session: Session, account_ids: list[int]) -> dict[int, RatingSummary]:
    rows = session.execute(
        select(ReferenceRequest.account_id, Rating.score)
        .join(ReferenceRequest, ReferenceRequest.id == Rating.request_id)
        .where(ReferenceRequest.account_id.in_(account_ids))
    )
    scores: dict[int, list[int]] = {}
    for account_id, score in rows:
        scores.setdefault(account_id, []).append(score)
    return {a: RatingSummary(sum(s) / len(s), len(s)) for a, s in scores.items()}
