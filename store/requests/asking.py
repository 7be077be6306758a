"""The reference-request lifecycle: ask, decide once, cancel — each one transaction.

Every function here takes plain values, changes state in one transaction together with the
outbox rows that tell people about it, and returns plain data. Who may decide is checked here,
next to the state it protects, so no surface can forget it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store import ledger
from store.customer import consent
from store.db import Database
from store.errors import AlreadySettled, Gone, Invalid, NeedsOverride, NotAllowed
from store.links import is_safe_link
from store.models import Account, Advocate, EntryKind, ReferenceRequest, RequestStatus
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.requests import home_refresh
from store.rules.checklist import checklist, is_blocked
from store.rules.facts import checks_for, facts_for_ask
from store.rules.policy import Policy

MAX_AMOUNT = Decimal("999999999999.99")

#: the delivery kinds this module writes (the handlers render them)
DECISION_REQUEST = DeliveryKind.DECISION_REQUEST
CONFIRMATION = DeliveryKind.CONFIRMATION
OUTCOME = DeliveryKind.OUTCOME
REFRESH = DeliveryKind.REFRESH


@dataclass(frozen=True)
class Draft:
    """A request as typed into the modal, already parsed from strings."""

    account_id: int | None
    activity: str | None
    advocate_id: int | None = None
    opportunity_name: str = ""
    #: the requester ticked that the advocate may see the prospect's name (the opportunity name)
    prospect_name_shared: bool = False
    amount: Decimal | None = None
    crm_link: str | None = None
    prospect_industry: str = ""
    needed_by: dt.date | None = None
    context: str = ""


@dataclass(frozen=True)
class Submitted:
    request_id: int
    deciders: tuple[str, ...]
    delivery_keys: tuple[str, ...]
    #: False when the same modal had already been submitted (nothing new happened)
    created: bool = True


@dataclass(frozen=True)
class Decided:
    request_id: int
    #: "approved", "declined" or "cancelled"
    status: str
    decided_by: str
    delivery_keys: tuple[str, ...] = ()


def validate(db: Database, policy: Policy, draft: Draft, today: dt.date) -> None:
    """Raise `Invalid` with every problem of the draft at once."""
    with db.transaction() as session:
        _validate(session, policy, draft, today)


def _validate(session: Session, policy: Policy, draft: Draft, today: dt.date) -> Account:
    errors: dict[str, str] = {}
    account = session.get(Account, draft.account_id) if draft.account_id is not None else None
    if draft.account_id is None:
        errors["account"] = "Pick an account."
    elif account is None:
        errors["account"] = "That account no longer exists. Pick another one."
    if draft.activity is None:
        errors["activity"] = "Pick an activity."
    elif draft.activity not in policy.activities:
        errors["activity"] = "That activity is no longer offered. Pick another one."
    if draft.advocate_id is not None:
        advocate = session.get(Advocate, draft.advocate_id)
        if advocate is None or account is None or advocate.account_id != account.id:
            errors["advocate"] = "That advocate is not at this account."
        elif draft.activity and draft.activity not in advocate.activity_keys:
            errors["advocate"] = f"{advocate.name} is not willing to do this activity."
    if draft.amount is not None and draft.amount < 0:
        errors["amount"] = "The amount cannot be negative."
    elif draft.amount is not None and draft.amount > MAX_AMOUNT:
        errors["amount"] = "That amount is too large."
    if draft.crm_link and not is_safe_link(draft.crm_link):
        errors["crm_link"] = "Enter a full link starting with https://, without spaces or < > |"
    if draft.needed_by is not None and draft.needed_by < today:
        errors["needed_by"] = "The date is in the past. Pick today or a later date."
    if errors:
        raise Invalid(errors)
    assert account is not None
    return account


def submit(
    db: Database,
    policy: Policy,
    draft: Draft,
    *,
    requester_id: str,
    source_key: str,
    admins: frozenset[str],
    now: dt.datetime,
    today: dt.date,
) -> Submitted:
    """Save the request, then owe the decider(s) a decision message and the requester a receipt.

    The owner decides; an account without an owner in Slack goes to the admins. A request that a
    ⛔ rule blocks also goes to the admins, who alone can approve it with an override.

    The checklist only reads, so it is worked out first, in a read transaction that waits for no
    writer; the write that follows is a handful of rows. On SQLite every writer queues for one
    lock, and a checklist computed while holding it made every other click wait behind it.
    """
    with db.transaction(readonly=True) as session:
        if session.scalar(select(ReferenceRequest.id).where(ReferenceRequest.source_key == source_key)):
            blocked = False
        else:
            account = _validate(session, policy, draft, today)
            blocked = _blocked(session, policy, draft, account, today)
    with db.transaction() as session:
        existing = session.scalar(select(ReferenceRequest).where(ReferenceRequest.source_key == source_key))
        if existing is not None:
            return Submitted(existing.id, (), (), created=False)
        account = _validate(session, policy, draft, today)
        request = ReferenceRequest(
            source_key=source_key,
            account_id=account.id,
            advocate_id=draft.advocate_id,
            requester_id=requester_id,
            activity=draft.activity,
            cost=policy.activity(draft.activity or "").cost,
            opportunity_name=draft.opportunity_name,
            prospect_name_shared=draft.prospect_name_shared,
            amount=draft.amount,
            crm_link=draft.crm_link,
            prospect_industry=draft.prospect_industry,
            needed_by=draft.needed_by,
            context=draft.context,
            status=RequestStatus.PENDING,
            decider_id=account.owner_slack_id,
            created_at=now,
        )
        session.add(request)
        session.flush()
        deciders: list[str] = [account.owner_slack_id] if account.owner_slack_id else []
        if not deciders or blocked:
            deciders += sorted(admins - set(deciders))
        keys = [_owe_decision(session, request, decider, now) for decider in deciders]
        confirmation = f"confirm:{request.id}"
        queue.enqueue(
            session,
            key=confirmation,
            kind=CONFIRMATION,
            recipient=requester_id,
            now=now,
            request_id=request.id,
        )
        return Submitted(request.id, tuple(deciders), (*keys, confirmation))


def _blocked(session: Session, policy: Policy, draft: Draft, account: Account, today: dt.date) -> bool:
    """Whether a ⛔ rule blocks the draft as things stand (the admins then decide too)."""
    activity = draft.activity or ""
    cost = policy.activity(activity).cost
    facts = facts_for_ask(
        session, policy, account.id, today, activity=activity, cost=cost, advocate_id=draft.advocate_id
    )
    return is_blocked(checklist(policy, facts))


def _owe_decision(session: Session, request: ReferenceRequest, decider: str, now: dt.datetime) -> str:
    key = f"decide:{request.id}:{decider}"
    queue.enqueue(
        session, key=key, kind=DECISION_REQUEST, recipient=decider, now=now, request_id=request.id
    )
    return key


def reroute_to_admins(
    db: Database, request_id: int, unreachable: str, admins: frozenset[str], now: dt.datetime
) -> tuple[str, ...]:
    """The decider cannot be reached in Slack (left, deactivated): the admins decide instead."""
    with db.transaction() as session:
        request = _get(session, request_id)
        if request.status != RequestStatus.PENDING:
            return ()
        if request.decider_id == unreachable:
            request.decider_id = None
        keys = [_owe_decision(session, request, admin, now) for admin in sorted(admins - {unreachable})]
        refresh = f"refresh:{request.id}:rerouted:{unreachable}"
        queue.enqueue(
            session, key=refresh, kind=REFRESH, recipient=request.requester_id, now=now, request_id=request.id
        )
        return (*keys, refresh)


def check_decider(db: Database, request_id: int, user_id: str, admins: frozenset[str]) -> None:
    """Raise unless `user_id` may decide the request now (before opening a reason modal)."""
    with db.transaction(readonly=True) as session:
        request = _get(session, request_id)
        _authorize_decider(session, request, user_id, admins)
        if request.status != RequestStatus.PENDING:
            raise AlreadySettled(request.status, request.decided_by)


def _authorize_decider(
    session: Session, request: ReferenceRequest, user_id: str, admins: frozenset[str]
) -> None:
    owner = session.scalar(select(Account.owner_slack_id).where(Account.id == request.account_id))
    if user_id in admins or (owner is not None and user_id == owner):
        return
    raise NotAllowed("decide this", (owner,) if owner else ())


def decide(
    db: Database,
    policy: Policy,
    request_id: int,
    *,
    actor_id: str,
    approve: bool,
    admins: frozenset[str],
    now: dt.datetime,
    today: dt.date,
    reason: str | None = None,
    override_reason: str | None = None,
    advocate_id: int | None = None,
    consent_mode: str = consent.OWNER,
) -> Decided:
    """Approve (debiting the ledger) or decline a pending request, exactly once.

    An approval names the advocate who is asked (`advocate_id` when the request left it to the
    owner), so the rest period and the cap always apply to a person; it asks them in the same
    transaction (`store.customer.consent`, by e-mail or through the owner as `consent_mode` says).

    Concurrent clicks queue on the request's row lock (`SELECT ... FOR UPDATE`; SQLite's writer
    lock does the same), so each sees the state the previous one left: one wins, the others learn
    it was already decided. The status change is also conditional (`WHERE status = 'pending'`).
    """
    with db.transaction() as session:
        request = _get(session, request_id, lock=True)
        _authorize_decider(session, request, actor_id, admins)
        if request.status != RequestStatus.PENDING:
            raise AlreadySettled(request.status, request.decided_by)
        if approve:
            _name_advocate(session, request, advocate_id)
            if is_blocked(checks_for(session, policy, request, today)):
                if actor_id not in admins:
                    raise NotAllowed("approve this", why="a ⛔ rule blocks it")
                if override_reason is None:
                    raise NeedsOverride()
                if not override_reason.strip():
                    raise Invalid({"reason": "Write why this ask should go ahead anyway."})
            else:
                override_reason = None
        elif not (reason or "").strip():
            raise Invalid({"reason": "Write a reason: the requester will read it."})
        status = RequestStatus.APPROVED if approve else RequestStatus.DECLINED
        won = session.execute(
            update(ReferenceRequest)
            .where(ReferenceRequest.id == request.id, ReferenceRequest.status == RequestStatus.PENDING)
            .values(
                status=status,
                decided_by=actor_id,
                decided_at=now,
                decision_reason=None if approve else reason.strip() if reason else None,
                override_reason=override_reason.strip() if override_reason else None,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if not won:
            raise _already(session, request.id)
        if approve:
            ledger.post(
                session,
                account_id=request.account_id,
                advocate_id=request.advocate_id,
                kind=EntryKind.ASK,
                amount=-request.cost,
                item=request.activity,
                request_id=request.id,
                actor_id=actor_id,
                now=now,
                occurred_on=today,
                note=request.opportunity_name,
                reason=override_reason.strip() if override_reason else None,
            )
        keys = _owe_outcome(session, request, status, now)
        if approve:
            keys += consent.ask_at_approval(session, request, consent_mode, now)
        return Decided(request.id, status, actor_id, keys)


def _name_advocate(session: Session, request: ReferenceRequest, advocate_id: int | None) -> None:
    """No approval without a named advocate: the request's own, or the one the owner picks now."""
    if request.advocate_id is not None:
        return
    picked = (
        session.get(Advocate, advocate_id) if advocate_id is not None and 0 < advocate_id < 2**31 else None
    )
    if picked is None or picked.account_id != request.account_id:
        raise Invalid({"advocate": "Pick the advocate to ask: an approval names who is asked."})
    request.advocate_id = picked.id
    session.flush()


def advocates_to_pick(db: Database, request_id: int) -> list[tuple[int, str]]:
    """The account's advocates (id, "name, title"), for the owner who approves a request naming none."""
    with db.transaction(readonly=True) as session:
        request = _get(session, request_id)
        rows = session.execute(
            select(Advocate.id, Advocate.name, Advocate.title)
            .where(Advocate.account_id == request.account_id)
            .order_by(Advocate.name)
        )
        return [(i, f"{name}, {title}" if title else name) for i, name, title in rows]


def names_advocate(db: Database, request_id: int) -> bool:
    with db.transaction(readonly=True) as session:
        return _get(session, request_id).advocate_id is not None


def _get(session: Session, request_id: int, *, lock: bool = False) -> ReferenceRequest:
    request = session.get(ReferenceRequest, request_id, with_for_update=lock)
    if request is None:
        raise Gone(f"no request {request_id}")
    return request


def _already(session: Session, request_id: int) -> AlreadySettled:
    """Someone else decided first: what they decided, read afresh (not from the stale object)."""
    status, decided_by = session.execute(
        select(ReferenceRequest.status, ReferenceRequest.decided_by).where(ReferenceRequest.id == request_id)
    ).one()
    return AlreadySettled(status, decided_by)


def _owe_outcome(
    session: Session, request: ReferenceRequest, status: str, now: dt.datetime
) -> tuple[str, ...]:
    outcome = f"outcome:{request.id}:{status}"
    refresh = f"refresh:{request.id}:{status}"
    queue.enqueue(
        session,
        key=outcome,
        kind=OUTCOME,
        recipient=request.requester_id,
        now=now,
        request_id=request.id,
    )
    queue.enqueue(
        session, key=refresh, kind=REFRESH, recipient=request.requester_id, now=now, request_id=request.id
    )
    homes = home_refresh.owe_for_decision(session, request.id, request.requester_id, status, now)
    return (outcome, refresh, *homes)


def cancel(
    db: Database, request_id: int, *, actor_id: str, admins: frozenset[str], now: dt.datetime
) -> Decided:
    """The requester (or an admin) withdraws a pending request; the deciders' messages say so."""
    with db.transaction() as session:
        request = _get(session, request_id, lock=True)
        if actor_id != request.requester_id and actor_id not in admins:
            raise NotAllowed("cancel this request", (request.requester_id,))
        won = session.execute(
            update(ReferenceRequest)
            .where(ReferenceRequest.id == request.id, ReferenceRequest.status == RequestStatus.PENDING)
            .values(status=RequestStatus.CANCELLED, decided_by=actor_id, decided_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not won:
            raise _already(session, request.id)
        refresh = f"refresh:{request.id}:{RequestStatus.CANCELLED}"
        queue.enqueue(
            session, key=refresh, kind=REFRESH, recipient=request.requester_id, now=now, request_id=request.id
        )
        homes = home_refresh.owe_for_decision(
            session, request.id, request.requester_id, RequestStatus.CANCELLED, now
        )
        return Decided(request.id, RequestStatus.CANCELLED, actor_id, (refresh, *homes))
