"""How each request ended, for coverage: the one place that reads what the customer said.

A request is *filled* when the customer said yes or the activity was done, whatever came after
(a deal that died after the customer's yes still found a willing customer). The customer's answer
is read from the consent rows here and nowhere else in coverage, so a change to where the
customer's side lives (a first-class request state, evidence that fills a need) changes this
module only. A request cancelled with a use of the customer's approved words (**Use this** in its
place: `store.evidence.use`) was filled by evidence, not withdrawn.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from store.customer.answer_effects import DECLINED_BY_CUSTOMER
from store.customer.consent import NO_ANSWERS
from store.models import Consent, ConsentAnswer, EvidenceUse, ReferenceRequest, RequestStatus


class Outcome(enum.StrEnum):
    """How a need ended (or that it has not yet)."""

    #: waiting: for the owner's decision, or for the customer's answer before the needed-by date
    OPEN = "open"
    #: the customer said yes, or the activity was done
    FILLED = "filled"
    #: the customer's words served instead of their time: the request was withdrawn in favour of
    #: their approved words (an `EvidenceUse` names it)
    FILLED_BY_EVIDENCE = "filled_by_evidence"
    DECLINED_BY_OWNER = "declined_by_owner"
    DECLINED_BY_CUSTOMER = "declined_by_customer"
    #: a search that found no account the checklist lets the program ask, or **Nothing fits**
    NO_MATCH = "no_match"
    #: the needed-by date passed with no yes: nobody decided, or the customer never answered
    EXPIRED = "expired"
    #: the requester cancelled it before the decision, or withdrew it after (the deal died)
    WITHDRAWN = "withdrawn"

    @property
    def filled(self) -> bool:
        return self in (Outcome.FILLED, Outcome.FILLED_BY_EVIDENCE)


#: the words a person reads for each outcome
OUTCOME_WORDS = {
    Outcome.OPEN: "still open",
    Outcome.FILLED: "filled",
    Outcome.FILLED_BY_EVIDENCE: "filled by evidence",
    Outcome.DECLINED_BY_OWNER: "declined by the owner",
    Outcome.DECLINED_BY_CUSTOMER: "declined by the customer",
    Outcome.NO_MATCH: "no match",
    Outcome.EXPIRED: "expired",
    Outcome.WITHDRAWN: "withdrawn",
}


@dataclass(frozen=True)
class Ended:
    """What became of one request."""

    outcome: Outcome
    #: the advocate was asked (by e-mail, or through the owner)
    asked: bool
    #: the advocate said yes (even if they changed their mind later, it is their latest answer)
    said_yes: bool
    #: from the request to the customer's yes; None without a yes
    time_to_yes: dt.timedelta | None


def outcome_of(
    status: str,
    reason: str | None,
    answer: str | None,
    needed_by: dt.date | None,
    today: dt.date,
    by_evidence: bool = False,
) -> Outcome:
    """The outcome of a request in `status` whose customer answered `answer` (None: not yet);
    `by_evidence`: it was withdrawn in favour of the customer's approved words."""
    if answer == ConsentAnswer.YES or status == RequestStatus.DONE:
        return Outcome.FILLED
    if status == RequestStatus.CUSTOMER_DECLINED:
        return Outcome.DECLINED_BY_CUSTOMER
    if status == RequestStatus.DECLINED:
        # rows from before the customer's no was a state of its own say it in the reason
        by_customer = answer in NO_ANSWERS or reason == DECLINED_BY_CUSTOMER
        return Outcome.DECLINED_BY_CUSTOMER if by_customer else Outcome.DECLINED_BY_OWNER
    if status in (RequestStatus.CANCELLED, RequestStatus.WITHDRAWN):
        return Outcome.FILLED_BY_EVIDENCE if by_evidence else Outcome.WITHDRAWN
    if status == RequestStatus.FELL_THROUGH:
        return Outcome.EXPIRED
    if needed_by is not None and needed_by < today:
        return Outcome.EXPIRED
    return Outcome.OPEN


def request_outcomes(
    session: Session, request_ids: Collection[int] | Select[Any], today: dt.date
) -> dict[int, Ended]:
    """How each request ended, as of `today`, in one query."""
    rows = session.execute(
        select(
            ReferenceRequest.id,
            ReferenceRequest.status,
            ReferenceRequest.decision_reason,
            ReferenceRequest.needed_by,
            ReferenceRequest.created_at,
            Consent.request_id,
            Consent.answer,
            Consent.answered_at,
            EvidenceUse.id,
        )
        .outerjoin(Consent, Consent.request_id == ReferenceRequest.id)
        .outerjoin(EvidenceUse, EvidenceUse.request_id == ReferenceRequest.id)
        .where(ReferenceRequest.id.in_(request_ids))
    )
    ended = {}
    for request_id, status, reason, needed_by, created_at, asked, answer, answered_at, use in rows:
        yes = answer == ConsentAnswer.YES
        ended[request_id] = Ended(
            outcome=outcome_of(status, reason, answer, needed_by, today, by_evidence=use is not None),
            asked=asked is not None,
            said_yes=yes,
            time_to_yes=answered_at - created_at if yes and answered_at is not None else None,
        )
    return ended
