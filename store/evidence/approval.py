"""The advocate's say over their words, on their signed page: **Approve** the exact text with
**Where we may use it**, **Name me as** and an expiry; **Renew** it for another period; **Withdraw**
it. Each is one transaction under the item's row lock, a conditional change, and the same form
sent twice (a double click, a reload) changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import update

from store.act import Act
from store.customer.consent import ADVOCATE
from store.db import Database
from store.errors import AlreadySettled, Changed, Invalid, NotAllowed
from store.evidence.items import add_years, get, renewal_until
from store.evidence.naming import attribution
from store.models import Account, Advocate, Evidence, EvidenceStatus, NameAs
from store.rules.evidence_policy import PLACES
from store.rules.policy import Policy


@dataclass(frozen=True)
class Approval:
    """What the advocate answered on the approval page."""

    places: tuple[str, ...]
    name_as: str
    years: int


def _check(policy: Policy, approval: Approval) -> NameAs:
    errors = {}
    if not approval.places or any(place not in PLACES for place in approval.places):
        errors["places"] = "Pick at least one place where we may use your words."
    if approval.name_as not in set(NameAs):
        errors["name_as"] = "Pick how we may name you."
    if not 1 <= approval.years <= policy.evidence.max_years:
        errors["years"] = f"Pick how long: 1 to {policy.evidence.max_years} years."
    if errors:
        raise Invalid(errors)
    return NameAs(approval.name_as)


def approve(
    db: Database, policy: Policy, evidence_id: int, version: int, approval: Approval, act: Act
) -> None:
    """The advocate approves `version` of the words, as they read it on the page.

    Words changed since the page was opened raise `Changed` (the page shows them again): nobody
    approves a text they did not read. The same approval sent twice is recorded once.
    """
    if act.user != ADVOCATE:
        raise NotAllowed("approve a customer's words", why="only the customer can, on their page")
    name_as = _check(policy, approval)
    with db.transaction() as session:
        item = get(session, evidence_id, lock=True)
        if item.status == EvidenceStatus.WITHDRAWN:
            raise AlreadySettled(EvidenceStatus.WITHDRAWN)
        if item.version != version:
            raise Changed()
        if item.status == EvidenceStatus.APPROVED:
            return
        advocate = session.get_one(Advocate, item.advocate_id)
        account = session.get_one(Account, item.account_id)
        places = [place for place in PLACES if place in approval.places]
        session.execute(
            update(Evidence)
            .where(
                Evidence.id == item.id,
                Evidence.version == version,
                Evidence.status == EvidenceStatus.AWAITING,
            )
            .values(
                status=EvidenceStatus.APPROVED,
                places=";".join(places),
                name_as=name_as,
                attributed_as=attribution(
                    name_as,
                    name=advocate.name,
                    title=advocate.title,
                    company=account.name,
                    industry=account.industry,
                ),
                years=approval.years,
                approved_at=act.now,
                expires_on=add_years(act.today, approval.years),
                updated_at=act.now,
            )
            .execution_options(synchronize_session=False)
        )


def renew(db: Database, policy: Policy, evidence_id: int, shown_expiry: dt.date, act: Act) -> None:
    """**Renew**: the approval runs for another of its periods, from its expiry (or from today, once
    it expired), never past `max_years` from today. `shown_expiry` is the expiry the page showed:
    a second click of the same page finds it already moved and renews nothing more."""
    if act.user != ADVOCATE:
        raise NotAllowed("renew a customer's words", why="only the customer can, on their page")
    with db.transaction() as session:
        item = get(session, evidence_id, lock=True)
        if item.status != EvidenceStatus.APPROVED:
            raise AlreadySettled(item.status)
        assert item.expires_on is not None and item.years is not None
        if item.expires_on != shown_expiry:
            return
        until = renewal_until(item.expires_on, item.years, act.today, policy.evidence.max_years)
        session.execute(
            update(Evidence)
            .where(Evidence.id == item.id, Evidence.expires_on == item.expires_on)
            .values(expires_on=until, updated_at=act.now)
            .execution_options(synchronize_session=False)
        )


def withdraw(db: Database, evidence_id: int, act: Act) -> None:
    """**Withdraw**: never shown or used again, from this moment, on every surface (they all read
    through `store.evidence.items.usable`). Withdrawing twice changes nothing."""
    if act.user != ADVOCATE and not act.by_admin:
        raise NotAllowed("withdraw a customer's words")
    with db.transaction() as session:
        item = get(session, evidence_id, lock=True)
        session.execute(
            update(Evidence)
            .where(Evidence.id == item.id, Evidence.status != EvidenceStatus.WITHDRAWN)
            .values(status=EvidenceStatus.WITHDRAWN, withdrawn_by=act.user, withdrawn_at=act.now)
            .execution_options(synchronize_session=False)
        )
