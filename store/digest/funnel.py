"""The customer funnel: of the asks put to customers, how many they answered, said yes to and did,
how long a yes took, what they answered, and how many still wait — the first figures a reference
program reports. The digest shows the week's, `refdesk report` those since a date.

Counted from the customer's own answers (`Consent`), never from the owner's approval: an approved
ask is *asked*, not *yes*.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from store.db import Database
from store.models import Consent, ConsentAnswer, ReferenceRequest, RequestStatus

#: an ask the customer has not answered this long after it was put is "unanswered"
UNANSWERED_AFTER = dt.timedelta(days=5)
#: the start of "all time"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Funnel:
    #: asks put to customers in the window (e-mailed, or the owner asked in person)
    asked: int
    #: answers given in the window, and the yeses among them
    answered: int
    yes: int
    #: asks done in the window
    done: int
    #: the median time from the ask to a yes given in the window (None: no yes)
    time_to_yes: dt.timedelta | None
    #: the window's answers by kind (a `ConsentAnswer` value → how many), in the page's order
    answers: dict[str, int] = field(default_factory=dict)
    #: asks still waiting for the customer, put more than `UNANSWERED_AFTER` before now
    unanswered: int = 0


def funnel(session: Session, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> Funnel:
    """The funnel of [start, end); the unanswered asks as of `now`."""
    asked = session.scalar(select(func.count()).where(Consent.asked_at >= start, Consent.asked_at < end))
    answered_in = and_(Consent.answered_at >= start, Consent.answered_at < end, Consent.answer.is_not(None))
    by_answer = {
        str(answer): int(count)
        for answer, count in session.execute(
            select(Consent.answer, func.count()).where(answered_in).group_by(Consent.answer)
        )
    }
    waits = [
        answered_at - asked_at
        for asked_at, answered_at in session.execute(
            select(Consent.asked_at, Consent.answered_at).where(
                answered_in, Consent.answer == ConsentAnswer.YES
            )
        )
    ]
    done = session.scalar(
        select(func.count()).where(
            ReferenceRequest.status == RequestStatus.DONE,
            ReferenceRequest.closed_at >= start,
            ReferenceRequest.closed_at < end,
        )
    )
    unanswered = session.scalar(
        select(func.count())
        .select_from(Consent)
        .join(ReferenceRequest, ReferenceRequest.id == Consent.request_id)
        .where(
            Consent.answer.is_(None),
            Consent.asked_at <= now - UNANSWERED_AFTER,
            ReferenceRequest.status == RequestStatus.APPROVED,
        )
    )
    return Funnel(
        asked=int(asked or 0),
        answered=sum(by_answer.values()),
        yes=by_answer.get(ConsentAnswer.YES, 0),
        done=int(done or 0),
        time_to_yes=statistics.median(waits) if waits else None,
        answers={str(a): by_answer[a] for a in ConsentAnswer if a in by_answer},
        unanswered=int(unanswered or 0),
    )


def report(db: Database, since: dt.date | None, now: dt.datetime, tz: dt.tzinfo) -> Funnel:
    """`refdesk report`'s funnel: from the start of `since` in the program's time zone (all time
    without it) until now."""
    start = dt.datetime.combine(since, dt.time(), tz).astimezone(dt.UTC) if since else EPOCH
    with db.transaction(readonly=True) as session:
        return funnel(session, start, now, now)
