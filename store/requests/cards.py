"""The read side of a request: everything a message about it shows, and what to suggest instead.

Messages are rendered when they are sent, so these read the state of things *now*; each is one
read-only transaction returning plain data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store import ledger
from store.customer import ratings
from store.customer.sides import CustomerSide, sides
from store.db import Database
from store.giveback import social_capital
from store.giveback.social_capital import SocialCapital
from store.models import Account, Advocate, ReferenceRequest, RequestStatus
from store.rules.checklist import ADVOCATE_RULES, RuleResult, Verdict, checklist, is_blocked
from store.rules.facts import checks_for, checks_for_requests, facts_of_each_advocate
from store.rules.policy import Policy
from store.rules.willing import willing_to


@dataclass(frozen=True)
class HistoryLine:
    kind: str
    #: what was asked or given, in the policy's words ("Reference call", "Early access")
    what: str
    amount: int
    occurred_on: dt.date
    actor_id: str


@dataclass(frozen=True)
class Alternative:
    account_id: int
    name: str
    industry: str
    balance: int
    willing_advocates: int


@dataclass(frozen=True)
class Pickable:
    """An advocate the owner may name when approving a request that named nobody."""

    id: int
    #: "name, title"
    label: str
    #: the worst verdict of the rules about them (the account's own rules are the same for all)
    verdict: Verdict
    #: why, when it is not ✅ ("resting: asked on 2 December")
    reason: str = ""


@dataclass(frozen=True)
class RequestCard:
    """Everything a message about a request shows, as of now."""

    id: int
    status: str
    account_id: int
    account_name: str
    account_industry: str
    owner_id: str | None
    requester_id: str
    activity: str
    activity_name: str
    cost: int
    advocate_name: str | None
    advocate_title: str | None
    advocate_email: str | None
    opportunity_name: str
    amount: Decimal | None
    crm_link: str | None
    prospect_industry: str
    needed_by: dt.date | None
    context: str
    created_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str | None
    override_reason: str | None
    balance: int
    #: the currency of `amount` (the policy's)
    currency: str = "USD"
    history: list[HistoryLine] = field(default_factory=list)
    checks: list[RuleResult] = field(default_factory=list)
    #: what the account received in the last 12 months, by social-capital group
    capital: SocialCapital | None = None
    #: how the account's activities were rated ("rated 4.5/5 (2)"), empty when never rated
    ratings: str = ""
    #: what the request asks for in the customer's words ("What they'd like to hear about"), and
    #: the prospect company the advocate may see ("" unless ticked)
    topic: str = ""
    prospect_company: str = ""
    #: the opaque id the advocate's links carry
    public_id: str = ""
    #: where the customer is, once approved (None before, or approved before they had a say)
    customer: CustomerSide | None = None
    #: the requester's note when it closed (done, fell through, withdrawn), and when
    outcome_note: str | None = None
    closed_at: dt.datetime | None = None
    #: the ask in the customer's words, as the e-mail's subject says it ("30 minutes with a … peer?")
    invitation: str = ""
    #: what the requester does once the customer said yes (the activity's `next_step`)
    next_step: str = ""

    #: nobody in Slack owns the account, or its owner could not be asked: the admins decide
    admins_decide: bool = False

    @property
    def balance_after(self) -> int:
        return self.balance - self.cost

    @property
    def blocked(self) -> bool:
        return is_blocked(self.checks)

    @property
    def pending(self) -> bool:
        return self.status == RequestStatus.PENDING

    @property
    def decider(self) -> str | None:
        """Who decides it: the owner, or None when the admins do."""
        return None if self.admins_decide else self.owner_id


def card(
    db: Database, policy: Policy, request_id: int, today: dt.date, history: int = 5
) -> RequestCard | None:
    """The request as a message shows it now (checklist only while it is pending); None if gone."""
    with db.transaction(readonly=True) as session:
        request = session.get(ReferenceRequest, request_id)
        if request is None:
            return None
        checks = (
            checks_for(session, policy, request, today) if request.status == RequestStatus.PENDING else []
        )
        return _card(session, policy, request, today, checks, history)


def cards(
    db: Database, policy: Policy, request_ids: Sequence[int], today: dt.date, history: int = 5
) -> list[RequestCard]:
    """`card` for each of these requests (those still there, in the order given), in one
    transaction with the checklists read together (`checks_for_requests`): App Home shows up to
    five decisions, and each one's own transaction and facts were a tenth of a worker's time."""
    with db.transaction(readonly=True) as session:
        found = {
            r.id: r
            for r in session.scalars(select(ReferenceRequest).where(ReferenceRequest.id.in_(request_ids)))
        }
        pending = [r for r in found.values() if r.status == RequestStatus.PENDING]
        checks = checks_for_requests(session, policy, pending, today)
        return [
            _card(session, policy, found[i], today, checks.get(i, []), history)
            for i in request_ids
            if i in found
        ]


def _card(
    session: Session,
    policy: Policy,
    request: ReferenceRequest,
    today: dt.date,
    checks: list[RuleResult],
    history: int,
) -> RequestCard:
    account = session.get_one(Account, request.account_id)
    advocate = session.get(Advocate, request.advocate_id) if request.advocate_id else None
    activity = policy.activities.get(request.activity)
    entries = ledger.history(session, account_id=account.id, limit=history)
    return RequestCard(
        id=request.id,
        status=request.status,
        account_id=account.id,
        account_name=account.name,
        account_industry=account.industry,
        owner_id=account.owner_slack_id,
        requester_id=request.requester_id,
        activity=request.activity,
        activity_name=activity.name if activity else request.activity,
        cost=request.cost,
        advocate_name=advocate.name if advocate else None,
        advocate_title=advocate.title if advocate else None,
        advocate_email=advocate.email if advocate else None,
        opportunity_name=request.opportunity_name,
        amount=request.amount,
        crm_link=request.crm_link,
        prospect_industry=request.prospect_industry,
        needed_by=request.needed_by,
        context=request.context,
        created_at=request.created_at,
        decided_by=request.decided_by,
        decided_at=request.decided_at,
        decision_reason=request.decision_reason,
        override_reason=request.override_reason,
        balance=ledger.balance(session, policy.opening_balance, account.id),
        currency=policy.currency,
        history=[
            HistoryLine(e.kind, _item_name(policy, e.item), e.amount, e.occurred_on, e.actor_id)
            for e in entries
        ],
        checks=checks,
        capital=social_capital.breakdowns_in(session, policy, [account.id], today)[account.id],
        ratings=_ratings(session, account.id),
        topic=request.topic,
        prospect_company=request.prospect_company if request.prospect_name_shared else "",
        public_id=request.public_id,
        customer=sides(session, [request.id]).get(request.id),
        outcome_note=request.outcome_note,
        closed_at=request.closed_at,
        invitation=activity.invitation(request.prospect_industry) if activity else "",
        next_step=activity.next_step if activity else "",
        admins_decide=request.decider_id is None,
    )


def _ratings(session: Session, account_id: int) -> str:
    summary = ratings.summaries(session, [account_id]).get(account_id)
    return summary.words() if summary else ""


def _item_name(policy: Policy, key: str | None) -> str:
    """A ledger entry's item (an activity or a value type key) in the policy's words."""
    if not key:
        return ""
    known = policy.activities.get(key) or policy.values.get(key)
    return known.name if known else key.replace("_", " ")


def alternatives(db: Database, policy: Policy, request_id: int, limit: int = 3) -> list[Alternative]:
    """Other active accounts in the same industry that can afford the same ask, best first.

    An industry holds hundreds of accounts at full size, and every ⛔ request's confirmation
    shows these: one statement reads each candidate's kept balance and how many of its
    advocates would do the activity (a worker spent a fifth of its time building the accounts
    and advocates as objects to count them in Python).
    """
    with db.transaction(readonly=True) as session:
        request = session.get_one(ReferenceRequest, request_id)
        account = session.get_one(Account, request.account_id)
        industries = {account.industry_key}
        if request.prospect_industry:
            industries.add(" ".join(request.prospect_industry.split()).casefold())
        balance = policy.opening_balance + ledger.kept_total(Account.id)
        willing = select(func.count()).where(Advocate.account_id == Account.id, willing_to(request.activity))
        rows = session.execute(
            select(Account.id, Account.name, Account.industry, balance, willing.scalar_subquery()).where(
                Account.id != account.id,
                Account.status == "active",
                Account.industry_key.in_(sorted(i for i in industries if i)),
                balance - request.cost >= 0,
            )
        ).all()
        fits = [Alternative(*row) for row in rows]
        fits.sort(key=lambda a: (-min(a.willing_advocates, 1), -a.balance, a.name.casefold()))
        return fits[:limit]


_RANK = {Verdict.OK: 0, Verdict.WARNING: 1, Verdict.BLOCKING: 2}


def advocates_to_pick(db: Database, policy: Policy, request_id: int, today: dt.date) -> list[Pickable]:
    """The account's advocates for the owner who approves a request naming none: those the
    checklist lets us ask first, then those with a warning, then those a ⛔ rule protects — so
    the first name offered is one the approval can go ahead with."""
    with db.transaction(readonly=True) as session:
        request = session.get(ReferenceRequest, request_id)
        if request is None:
            return []
        people = session.execute(
            select(Advocate.id, Advocate.name, Advocate.title).where(
                Advocate.account_id == request.account_id, Advocate.forgotten_at.is_(None)
            )
        ).all()
        each = facts_of_each_advocate(session, policy, request, today)  # by its needed-by date too
    picks = []
    for person in people:
        facts = each.get(person.id)
        results = [r for r in checklist(policy, facts) if r.rule in ADVOCATE_RULES] if facts else []
        worst = max(results, key=lambda r: _RANK[r.verdict], default=None)
        verdict = worst.verdict if worst is not None else Verdict.OK
        label = f"{person.name}, {person.title}" if person.title else person.name
        picks.append(
            Pickable(person.id, label, verdict, worst.reason if worst and verdict != Verdict.OK else "")
        )
    return sorted(picks, key=lambda p: (_RANK[p.verdict], p.label.casefold()))
