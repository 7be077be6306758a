"""Who at an account may be approached today: its willing advocates that have not said stop.

The issue-10 rules in one place for the code that picks a person without running the whole
checklist (an offer's invitation, words to approve, the digest's "untapped"): an advocate is
*willing* when they named activities they would do, and *silenced* when their own answer to an
ask stops us — "Please don't ask me again" for good, "Not for 3 months" until their rest ends.
`store.rules.facts` reads the same answers for the checklist's ⛔ rule (`Rule.ADVOCATE_SAY`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from store.models import Account, AccountStatus, Advocate, Consent, ConsentAnswer


def willing_to(activity: str) -> ColumnElement[bool]:
    """WHERE clause on `Advocate`: their `;`-separated activity list holds the key (exactly, not as
    a substring: "call" is not "reference_call")."""
    key = activity.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return (";" + Advocate.activities + ";").like(f"%;{key};%", escape="\\")


def silenced(today: dt.date) -> Select[tuple[int]]:
    """The ids of advocates who asked not to be asked again, or to rest past `today` (a subquery)."""
    return select(Consent.advocate_id).where(
        or_(
            Consent.answer == ConsentAnswer.NEVER,
            and_(Consent.answer == ConsentAnswer.NOT_FOR_3_MONTHS, Consent.rest_until >= today),
        )
    )


def willing_and_free(today: dt.date) -> list[ColumnElement[bool]]:
    """WHERE clauses on `Advocate`: willing, and not silenced today."""
    return [Advocate.activities != "", Advocate.id.not_in(silenced(today))]


def may_be_approached(today: dt.date) -> list[ColumnElement[bool]]:
    """WHERE clauses on `Advocate` joined to its `Account`: not at a do-not-contact account, and not
    silenced today. What the program e-mails a person unasked goes only to them: an offer's
    invitation, words drafted for them to approve, a notice that their words expire."""
    return [Account.status != AccountStatus.DO_NOT_CONTACT, Advocate.id.not_in(silenced(today))]


def advocates_to_approach(session: Session, account_id: int, today: dt.date) -> list[Advocate]:
    """The account's advocates who may be approached today, by name (none for a do-not-contact account)."""
    return list(
        session.scalars(
            select(Advocate)
            .join(Account, Account.id == Advocate.account_id)
            .where(
                Advocate.account_id == account_id,
                Advocate.activities != "",
                *may_be_approached(today),
            )
            .order_by(Advocate.name, Advocate.id)
        )
    )
