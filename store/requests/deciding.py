"""Deciding a reference request: approve (debiting the ledger) or decline once, cancel, and the
way around a decider who cannot be reached.

Who may decide is checked here, next to the state it protects, so no surface can forget it.
Each function is one transaction that writes the outbox rows telling people about it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store import ledger
from store.act import Act
from store.customer import consent
from store.db import Database
from store.errors import AlreadySettled, Blocked, Invalid, NamesNobody, NeedsOverride, NotAllowed
from store.models import (
    Advocate,
    Delivery,
    DeliveryStatus,
    EntryKind,
    ReferenceRequest,
    RequestStatus,
)
from store.outbox import queue, rewrites
from store.outbox.kinds import DeliveryKind
from store.requests import home_refresh
from store.requests.asking import owe_override, request_or_gone
from store.rules.checklist import checklist, is_blocked
from store.rules.facts import checks_for, facts_of_each_advocate
from store.rules.policy import Policy
from store.rules.verdicts import RuleResult, Verdict


@dataclass(frozen=True)
class Decided:
    request_id: int
    #: "approved", "declined" or "cancelled"
    status: str
    decided_by: str
    delivery_keys: tuple[str, ...] = ()


def ask_admins(db: Database, policy: Policy, request_id: int, act: Act) -> tuple[str, ...]:
    """A ⛔ rule now blocks a pending request its owner tried to approve: the admins decide it.

    Their override DMs were owed with the request and came to nothing then (nothing blocked it):
    each is rendered afresh and now goes out with Approve with override; those already in Slack
    stay, and an admin named since is owed one. Only when the request as it is stored is blocked
    (not when only the owner's pick of an advocate was). The keys of the admins' DMs, posted or
    owed (none: nothing blocks it as stored, or no admin is set up).
    """
    with db.transaction() as session:
        request = request_or_gone(session, request_id)
        if request.status != RequestStatus.PENDING or not is_blocked(
            checks_for(session, policy, request, act.today)
        ):
            return ()
        owed = {
            row.recipient: row
            for row in session.execute(
                select(Delivery.recipient, Delivery.key, Delivery.status).where(
                    Delivery.request_id == request.id, Delivery.kind == DeliveryKind.OVERRIDE_REQUEST
                )
            )
        }
        keys = []
        for admin in sorted(act.admins - {request.decider_id}):
            row = owed.get(admin)
            if row is None:
                keys.append(owe_override(session, request, admin, act.now))
            elif row.status != DeliveryStatus.FAILED:
                rewrites.render_again(session, key=row.key, now=act.now)
                keys.append(row.key)
        return tuple(keys)


def check_decider(db: Database, request_id: int, act: Act) -> None:
    """Raise unless the one acting may decide the request now (before opening a reason modal)."""
    with db.transaction(readonly=True) as session:
        request = request_or_gone(session, request_id)
        _authorize_decider(session, request, act)
        if request.status != RequestStatus.PENDING:
            raise AlreadySettled(request.status, request.decided_by)


def _authorize_decider(session: Session, request: ReferenceRequest, act: Act) -> None:
    # the Account row through the request, not just its owner column: an approval asking the
    # owner reads the owner again (`consent.owner_of`) and then finds it without a query
    owner = request.account.owner_slack_id
    if act.may_act_for(owner):
        return
    raise NotAllowed("decide this", (owner,) if owner else ())


def decide(
    db: Database,
    policy: Policy,
    request_id: int,
    act: Act,
    *,
    approve: bool,
    reason: str | None = None,
    override_reason: str | None = None,
    advocate_id: int | None = None,
    consent_mode: str = consent.OWNER,
    line: str = "",
) -> Decided:
    """Approve (debiting the ledger) or decline a pending request, exactly once.

    An approval names the advocate who is asked (`advocate_id`: the owner's pick when the request
    left it to them, or another person at the account than the one requested), so the rest period
    and the cap always apply to a person; it asks them in the same transaction
    (`store.customer.consent`, by e-mail with the owner's own `line` first, or through the owner,
    as `consent_mode` says: **I'll ask them myself** is the owner's mode).

    Concurrent clicks queue on the request's row lock (`SELECT ... FOR UPDATE`; SQLite's writer
    lock does the same), so each sees the state the previous one left: one wins, the others learn
    it was already decided. The status change is also conditional (`WHERE status = 'pending'`).
    """
    with db.transaction() as session:
        request = request_or_gone(session, request_id, lock=True)
        _authorize_decider(session, request, act)
        if request.status != RequestStatus.PENDING:
            raise AlreadySettled(request.status, request.decided_by)
        if approve:
            named_before = request.advocate_id
            _name_advocate(session, request, advocate_id)
            checks = checks_for(session, policy, request, act.today)
            if is_blocked(checks):
                if not act.by_admin:
                    _refuse_the_pick(session, policy, request, named_before, checks, act.today)
                    raise Blocked()
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
                decided_by=act.user,
                decided_at=act.now,
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
                actor_id=act.user,
                now=act.now,
                occurred_on=act.today,
                note=request.opportunity_name,
                reason=override_reason.strip() if override_reason else None,
            )
        keys = _owe_outcome(session, request, status, act.now)
        if approve:
            keys += consent.ask_at_approval(session, request, consent_mode, act.now, line=line)
        return Decided(request.id, status, act.user, keys)


def _name_advocate(session: Session, request: ReferenceRequest, advocate_id: int | None) -> None:
    """No approval without a named advocate: the request's own, or the one the owner picks now
    (anyone at the account: the owner knows who would be best). `NamesNobody` when there is
    neither, or the pick is not (or no longer) at the account."""
    if advocate_id is None:
        if request.advocate_id is None:
            raise NamesNobody()
        return
    picked = session.get(Advocate, advocate_id) if 0 < advocate_id < 2**31 else None
    removed = picked is not None and picked.forgotten_at is not None and picked.id != request.advocate_id
    if picked is None or picked.account_id != request.account_id or removed:
        raise NamesNobody()
    request.advocate_id = picked.id
    session.flush()


def _refuse_the_pick(
    session: Session,
    policy: Policy,
    request: ReferenceRequest,
    named_before: int | None,
    checks: list[RuleResult],
    today: dt.date,
) -> None:
    """An owner who picked someone a ⛔ rule protects, where someone else at the account can be
    asked (by the date the ask is needed by), is asked to pick someone else, told why this one
    cannot be: an override is not what they need. Only the rules' short reasons are said (dates
    and counts, no one's words)."""
    if request.advocate_id == named_before:
        return
    each = facts_of_each_advocate(session, policy, request, today)
    if all(is_blocked(checklist(policy, facts)) for a, facts in each.items() if a != request.advocate_id):
        return
    why = "; ".join(r.reason for r in checks if r.verdict is Verdict.BLOCKING)
    raise Invalid({"advocate": f"The advocate you picked cannot be asked now ({why}). Pick someone else."})


def named_advocate(db: Database, request_id: int) -> int | None:
    """The advocate the request names (None: it leaves the choice to the owner)."""
    with db.transaction(readonly=True) as session:
        return request_or_gone(session, request_id).advocate_id


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
    queue.enqueue(
        session,
        key=outcome,
        kind=DeliveryKind.OUTCOME,
        recipient=request.requester_id,
        now=now,
        request_id=request.id,
    )
    refresh = _owe_refresh(session, request, status, now)
    homes = home_refresh.owe_for_decision(session, request.id, request.requester_id, status, now)
    return (outcome, refresh, *homes)


def cancel(db: Database, request_id: int, act: Act) -> Decided:
    """The requester (or an admin) withdraws a pending request; the deciders' messages say so."""
    with db.transaction() as session:
        return cancel_in(session, request_or_gone(session, request_id, lock=True), act)


def cancel_in(session: Session, request: ReferenceRequest, act: Act) -> Decided:
    """Inside the caller's transaction (a request withdrawn in favour of evidence is cancelled with
    the use that replaced it): pending → cancelled once, and every message about it rewritten."""
    if act.user != request.requester_id and not act.by_admin:
        raise NotAllowed("cancel this request", (request.requester_id,))
    won = session.execute(
        update(ReferenceRequest)
        .where(ReferenceRequest.id == request.id, ReferenceRequest.status == RequestStatus.PENDING)
        .values(status=RequestStatus.CANCELLED, decided_by=act.user, decided_at=act.now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        raise _already(session, request.id)
    refresh = _owe_refresh(session, request, RequestStatus.CANCELLED, act.now)
    homes = home_refresh.owe_for_decision(
        session, request.id, request.requester_id, RequestStatus.CANCELLED, act.now
    )
    return Decided(request.id, RequestStatus.CANCELLED, act.user, (refresh, *homes))


def _owe_refresh(session: Session, request: ReferenceRequest, why: str, now: dt.datetime) -> str:
    """Every message already sent about the request is owed a rewrite showing it as it now stands."""
    return rewrites.owe_rewrite(session, request.id, request.requester_id, why, now)
