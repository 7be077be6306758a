"""Where the customer is on each ask (flow 11a): asked on a date and waiting, confirmed, or what
they said — read in one query for a list of requests, so status, App Home, the owner's rewritten
DM and the digest all say it the same way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Advocate, Consent, ConsentAnswer


@dataclass(frozen=True)
class CustomerSide:
    """The named advocate's side of one approved ask."""

    advocate_name: str
    #: "email" (they answer on the page) or "owner" (the owner asks them in person)
    mode: str
    asked_at: dt.datetime
    #: None while the customer has not answered
    answer: str | None
    answered_at: dt.datetime | None
    #: "advocate" on the page, else the Slack id of whoever recorded it
    answered_by: str | None
    rest_until: dt.date | None

    @property
    def waiting(self) -> bool:
        return self.answer is None

    @property
    def confirmed(self) -> bool:
        return self.answer == ConsentAnswer.YES


def sides(session: Session, request_ids: Collection[int]) -> dict[int, CustomerSide]:
    """The customer's side of each of `request_ids` that was approved (the others are absent)."""
    if not request_ids:
        return {}
    rows = session.execute(
        select(Consent, Advocate.name)
        .join(Advocate, Advocate.id == Consent.advocate_id)
        .where(Consent.request_id.in_(list(request_ids)))
    ).all()
    return {
        consent.request_id: CustomerSide(
            advocate_name=name,
            mode=consent.mode,
            asked_at=consent.asked_at,
            answer=consent.answer,
            answered_at=consent.answered_at,
            answered_by=consent.answered_by,
            rest_until=consent.rest_until,
        )
        for consent, name in rows
    }
