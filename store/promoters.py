"""Promoters to nominate (flow 17): the NPS 9s and 10s of the last year who are not advocates of
their account yet, suggested to its owner in the weekly nudge and on App Home with **Nominate**
(the modal pre-filled from their answer).

Not suggested: anyone already an advocate there, nominated and waiting, or who said **No, thanks**
to an invitation; a removed person's answer has no address left, so it is never suggested.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.orm import Session

from store.db import Database
from store.models import (
    OPEN_NOMINATION,
    Account,
    AccountStatus,
    Advocate,
    Nomination,
    NominationStatus,
    NpsAnswer,
)

#: the NPS definition of a promoter
PROMOTER_SCORE = 9
#: how old an answer may be and still be suggested
SUGGEST_DAYS = 365


@dataclass(frozen=True)
class Promoter:
    answer_id: int
    account_id: int
    account_name: str
    owner_id: str | None
    name: str
    email: str
    score: int
    answered_on: dt.date
    comment: str


def _promoters(session: Session, today: dt.date, *where: ColumnElement[bool]) -> list[Promoter]:
    not_yet = ~exists().where(
        Advocate.account_id == NpsAnswer.account_id,
        Advocate.email == NpsAnswer.email,
        Advocate.forgotten_at.is_(None),
    )
    not_nominated = ~exists().where(
        Nomination.email == NpsAnswer.email,
        and_(
            Nomination.account_id == NpsAnswer.account_id,
            Nomination.status.in_([*OPEN_NOMINATION, NominationStatus.JOINED]),
        )
        | (Nomination.status == NominationStatus.NO_THANKS),
    )
    rows = session.execute(
        select(NpsAnswer, Account.name, Account.owner_slack_id)
        .join(Account, Account.id == NpsAnswer.account_id)
        .where(
            NpsAnswer.email.is_not(None),
            NpsAnswer.score >= PROMOTER_SCORE,
            NpsAnswer.answered_on >= today - dt.timedelta(days=SUGGEST_DAYS),
            Account.status == AccountStatus.ACTIVE,
            not_yet,
            not_nominated,
            *where,
        )
        .order_by(NpsAnswer.answered_on.desc(), NpsAnswer.id.desc())
    )
    found: dict[tuple[int, str], Promoter] = {}
    for answer, account_name, owner_id in rows:
        assert answer.email is not None
        found.setdefault(
            (answer.account_id, answer.email),  # their latest answer only
            Promoter(
                answer.id,
                answer.account_id,
                account_name,
                owner_id,
                answer.name,
                answer.email,
                answer.score,
                answer.answered_on,
                answer.comment,
            ),
        )
    return list(found.values())


def for_owner(db: Database, owner_id: str, today: dt.date, *, limit: int) -> list[Promoter]:
    """The promoters at `owner_id`'s accounts to nominate, the latest answers first."""
    with db.transaction(readonly=True) as session:
        return _promoters(session, today, Account.owner_slack_id == owner_id)[:limit]


def owners_with_promoters(db: Database, today: dt.date) -> set[str]:
    """The owners in Slack who have promoters to nominate (the weekly nudge goes to them too)."""
    with db.transaction(readonly=True) as session:
        return {
            p.owner_id for p in _promoters(session, today, Account.owner_slack_id.is_not(None)) if p.owner_id
        }


def answer(db: Database, answer_id: int, today: dt.date) -> Promoter | None:
    """One promoter to nominate (**Nominate** pre-fills the modal from it); None once they are not
    one to suggest any more."""
    with db.transaction(readonly=True) as session:
        found = _promoters(session, today, NpsAnswer.id == answer_id) if 0 < answer_id < 2**31 else []
        return found[0] if found else None
