"""What a customer's words did: for the advocate ("your quote helped 3 deals this quarter"), the
digest's thanks, `refdesk report`'s win rate with evidence used against without, coverage's
"filled by evidence", and App Home's counts for the admins. Read-only, plain data back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from store.db import Database
from store.digest.outcomes import WinRate
from store.evidence.items import usable
from store.links import DealIndex, link_key
from store.models import (
    WITHDRAWN_BY_ERASURE,
    Account,
    Advocate,
    Consent,
    Evidence,
    EvidenceStatus,
    EvidenceUse,
    Opportunity,
    OpportunityOutcome,
    ReferenceRequest,
    normalize,
)
from store.periods import quarter_start
from store.rules.policy import Policy


def _deal(opportunity_name: str, crm_link: str | None) -> str:
    """One deal however its users typed it: its CRM link when given, else its name, folded."""
    return link_key(crm_link) if crm_link else normalize(opportunity_name)


@dataclass(frozen=True)
class Helped:
    """How an advocate's words helped in a period: the deals they were used for, and in what."""

    deals: int
    #: the policy names of the kinds used, e.g. ("Quote",)
    kinds: tuple[str, ...]

    def words(self, period: str = "this quarter") -> str | None:
        """ "Your quote helped 3 deals this quarter." (None when they were not used)."""
        if not self.deals:
            return None
        what = f"your {self.kinds[0].lower()}" if len(self.kinds) == 1 else "your words"
        deals = f"{self.deals} deal{'' if self.deals == 1 else 's'}"
        return f"{what[0].upper()}{what[1:]} helped {deals} {period}."


def helped(session: Session, policy: Policy, advocate_id: int, today: dt.date) -> Helped:
    """This quarter's uses of the advocate's words (the advocate's page and e-mails show it)."""
    since = dt.datetime.combine(quarter_start(today), dt.time(), dt.UTC)
    rows = session.execute(
        select(Evidence.kind, EvidenceUse.opportunity_name, EvidenceUse.crm_link)
        .join(Evidence, Evidence.id == EvidenceUse.evidence_id)
        .where(Evidence.advocate_id == advocate_id, EvidenceUse.used_at >= since)
    ).all()
    kinds = sorted({policy.evidence.name_of(kind) for kind, _, _ in rows})
    return Helped(len({_deal(name, link) for _, name, link in rows}), tuple(kinds))


def helped_by(db: Database, policy: Policy, advocate_id: int, today: dt.date) -> Helped:
    """How the advocate's words helped this quarter, in a transaction of its own (their own page)."""
    with db.transaction(readonly=True) as session:
        return helped(session, policy, advocate_id, today)


def helped_on_ask(db: Database, policy: Policy, request_id: int, today: dt.date) -> Helped:
    """How the words of the advocate an ask names helped: the relationship statement of the ask's
    e-mail and page ends with it (nothing when the ask names nobody)."""
    with db.transaction(readonly=True) as session:
        advocate_id = session.scalar(select(Consent.advocate_id).where(Consent.request_id == request_id))
        return helped(session, policy, advocate_id, today) if advocate_id is not None else Helped(0, ())


@dataclass(frozen=True)
class Thanked:
    """A customer whose words helped in the digest's week."""

    advocate_name: str
    account_name: str
    helped: Helped


def thanks(db: Database, policy: Policy, start: dt.datetime, end: dt.datetime) -> list[Thanked]:
    """Whose words were used in [start, end), most deals first (erased people are not named)."""
    with db.transaction(readonly=True) as session:
        rows = session.execute(
            select(
                Advocate.id,
                Advocate.name,
                Account.name,
                Evidence.kind,
                EvidenceUse.opportunity_name,
                EvidenceUse.crm_link,
            )
            .join(Evidence, Evidence.id == EvidenceUse.evidence_id)
            .join(Advocate, Advocate.id == Evidence.advocate_id)
            .join(Account, Account.id == Evidence.account_id)
            .where(
                EvidenceUse.used_at >= start,
                EvidenceUse.used_at < end,
                or_(Evidence.withdrawn_by.is_(None), Evidence.withdrawn_by != WITHDRAWN_BY_ERASURE),
            )
        ).all()
    people: dict[int, tuple[str, str, set[str], set[str]]] = {}
    for advocate_id, name, account, kind, opportunity, link in rows:
        _, _, kinds, deals = people.setdefault(advocate_id, (name, account, set(), set()))
        kinds.add(policy.evidence.name_of(kind))
        deals.add(_deal(opportunity, link))
    thanked = [
        Thanked(name, account, Helped(len(deals), tuple(sorted(kinds))))
        for name, account, kinds, deals in people.values()
    ]
    return sorted(thanked, key=lambda t: (-t.helped.deals, t.advocate_name.casefold()))


@dataclass(frozen=True)
class EvidenceOutcomes:
    """`refdesk report`: closed deals where evidence was used against those where it was not."""

    since: dt.date | None
    #: uses recorded since `since` (ever, without it)
    uses: int
    with_evidence: WinRate
    without_evidence: WinRate
    #: uses whose CRM link names no imported opportunity, or that gave none (not in either rate)
    unmatched_uses: int


def outcomes(db: Database, since: dt.date | None) -> EvidenceOutcomes:
    """A deal is *with evidence* when a use's CRM link names it (matched like a request's link,
    `store.links.DealIndex`), whenever the use was; closed deals are counted from `since`."""
    with db.transaction(readonly=True) as session:
        deals = DealIndex.of(session.execute(select(Opportunity.id, Opportunity.crm_id, Opportunity.link)))
        closed = session.execute(
            select(Opportunity.id, Opportunity.outcome).where(
                Opportunity.outcome != OpportunityOutcome.OPEN,
                *([Opportunity.close_date >= since] if since else []),
            )
        ).all()
        uses = session.execute(select(EvidenceUse.crm_link, EvidenceUse.used_at)).all()
    start = dt.datetime.combine(since, dt.time(), dt.UTC) if since else None
    matched = {deals.find(link) for link, _ in uses if link}
    matched.discard(None)
    used = [(link, at) for link, at in uses if start is None or at >= start]
    with_evidence = [outcome for opportunity_id, outcome in closed if opportunity_id in matched]
    without = [outcome for opportunity_id, outcome in closed if opportunity_id not in matched]
    return EvidenceOutcomes(
        since=since,
        uses=len(used),
        with_evidence=_rate(with_evidence),
        without_evidence=_rate(without),
        unmatched_uses=sum(1 for link, _ in used if not link or deals.find(link) is None),
    )


def _rate(outcomes: list[str]) -> WinRate:
    return WinRate(sum(outcome == OpportunityOutcome.WON for outcome in outcomes), len(outcomes))


@dataclass(frozen=True)
class FilledByEvidence:
    """A need met with a customer's words instead of an ask: a pending request withdrawn in their
    favour (`request_id`), or the request modal's ask used instead (`request_id` None)."""

    use_id: int
    request_id: int | None
    account_id: int
    activity: str
    used_at: dt.datetime


def filled_by_evidence(session: Session, since: dt.datetime | None = None) -> list[FilledByEvidence]:
    """Coverage's "filled by evidence" (the hook for its demand table): the asks words stood in for."""
    query = (
        select(
            EvidenceUse.id,
            EvidenceUse.request_id,
            Evidence.account_id,
            func.coalesce(ReferenceRequest.activity, EvidenceUse.instead_of),
            EvidenceUse.used_at,
        )
        .join(Evidence, Evidence.id == EvidenceUse.evidence_id)
        .outerjoin(ReferenceRequest, ReferenceRequest.id == EvidenceUse.request_id)
        .where(or_(EvidenceUse.request_id.is_not(None), EvidenceUse.instead_of.is_not(None)))
        .order_by(EvidenceUse.used_at, EvidenceUse.id)
    )
    if since is not None:
        query = query.where(EvidenceUse.used_at >= since)
    return [FilledByEvidence(*row) for row in session.execute(query)]


@dataclass(frozen=True)
class Overview:
    """App Home's line for the admins."""

    usable: int
    awaiting: int
    #: usable, and expiring within the policy's renewal notice
    expiring: int


def overview(db: Database, policy: Policy, today: dt.date) -> Overview:
    soon = today + dt.timedelta(days=policy.evidence.renew_notice_days)
    with db.transaction(readonly=True) as session:
        count = func.count(Evidence.id)
        usable_now = session.scalar(select(count).where(usable(today))) or 0
        awaiting = session.scalar(select(count).where(Evidence.status == EvidenceStatus.AWAITING)) or 0
        expiring = session.scalar(select(count).where(usable(today), Evidence.expires_on <= soon)) or 0
    return Overview(int(usable_now), int(awaiting), int(expiring))
