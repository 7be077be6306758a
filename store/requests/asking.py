"""Asking for a reference: the request as typed, checked, saved, and sent to whoever decides.

Every function here takes plain values, changes state in one transaction together with the
outbox rows that tell people about it, and returns plain data (deciding: `store.requests.deciding`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.act import Act
from store.coverage import demand
from store.db import Database
from store.errors import Gone, Invalid
from store.links import is_safe_link
from store.models import Account, Advocate, Delivery, ReferenceRequest, RequestStatus
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.rules.policy import Policy

MAX_AMOUNT = Decimal("999999999999.99")


@dataclass(frozen=True)
class Draft:
    """A request as typed into the modal, already parsed from strings."""

    account_id: int | None
    activity: str | None
    advocate_id: int | None = None
    opportunity_name: str = ""
    #: the requester ticked that the advocate may see the prospect company's name
    prospect_name_shared: bool = False
    #: the prospect company's name, for the advocate's eyes when ticked (never the opportunity name)
    prospect_company: str = ""
    amount: Decimal | None = None
    crm_link: str | None = None
    prospect_industry: str = ""
    needed_by: dt.date | None = None
    #: what the prospect would like to hear about, written for the customer
    topic: str = ""
    #: internal: for the owner; never shown to the customer
    context: str = ""


@dataclass(frozen=True)
class Submitted:
    request_id: int
    deciders: tuple[str, ...]
    delivery_keys: tuple[str, ...]
    #: False when the same modal had already been submitted (nothing new happened)
    created: bool = True
    #: the admins owed an override DM, sent if a ⛔ rule blocks the request (`owe_override`)
    overseers: tuple[str, ...] = ()


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
        if (
            advocate is None
            or account is None
            or advocate.account_id != account.id
            or advocate.forgotten_at is not None
        ):
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
    if draft.prospect_name_shared and not draft.prospect_company.strip():
        errors["prospect_company"] = (
            "Type the prospect company's name, or untick that the advocate may see it."
        )
    if errors:
        raise Invalid(errors)
    assert account is not None
    return account


def submit(db: Database, policy: Policy, draft: Draft, act: Act, *, source_key: str) -> Submitted:
    """Save the request, then owe the decider(s) a decision message and the requester a receipt.

    The owner decides; an account without an owner in Slack goes to the admins. Every admin is
    also owed an override DM (`owe_override`), sent only if a ⛔ rule blocks the request when
    it goes out: the admins alone can approve it then.

    The submit acks after this call (a refusal shows inline in the modal), so it is one short
    write: the draft checked, the request and its rows. Whether a rule blocks it — the checklist,
    twenty-odd reads — is worked out by whoever sends the override DM, a moment later and off the
    ack; on SQLite every writer queues for one lock, which the checklist must not hold either.

    The same modal sent twice at once (Slack's retry while the first is still saving): both find
    no request for it, the second insert breaks the unique `source_key`, and it answers with the
    request the first saved.
    """
    try:
        return _submit(db, policy, draft, act, source_key)
    except IntegrityError:
        with db.transaction(readonly=True) as session:
            twin = _already(session, source_key)
        if twin is None:
            raise
        return twin


def _already(session: Session, source_key: str) -> Submitted | None:
    """The request this modal already saved, if it did."""
    existing = session.scalar(select(ReferenceRequest.id).where(ReferenceRequest.source_key == source_key))
    return Submitted(existing, (), (), created=False) if existing is not None else None


def _submit(db: Database, policy: Policy, draft: Draft, act: Act, source_key: str) -> Submitted:
    with db.transaction() as session:
        if (again := _already(session, source_key)) is not None:
            return again
        account = _validate(session, policy, draft, act.today)
        request = ReferenceRequest(
            source_key=source_key,
            account_id=account.id,
            advocate_id=draft.advocate_id,
            requester_id=act.user,
            activity=draft.activity,
            cost=policy.activity(draft.activity or "").cost,
            opportunity_name=draft.opportunity_name,
            prospect_name_shared=draft.prospect_name_shared,
            prospect_company=draft.prospect_company.strip() if draft.prospect_name_shared else "",
            topic=draft.topic.strip(),
            amount=draft.amount,
            crm_link=draft.crm_link,
            prospect_industry=draft.prospect_industry,
            needed_by=draft.needed_by,
            context=draft.context,
            status=RequestStatus.PENDING,
            decider_id=account.owner_slack_id,
            created_at=act.now,
        )
        session.add(request)
        session.flush()
        demand.record_request(session, request, account)
        owner = account.owner_slack_id
        deciders = (owner,) if owner else tuple(sorted(act.admins))
        overseers = tuple(sorted(act.admins - {owner})) if owner else ()
        owed = [
            *(decision_owed(request.id, decider) for decider in deciders),
            *(override_owed(request.id, admin) for admin in overseers),
            queue.Owed(f"confirm:{request.id}", DeliveryKind.CONFIRMATION, act.user, request.id),
        ]
        queue.enqueue_all(session, owed, act.now)
        return Submitted(request.id, deciders, tuple(one.key for one in owed), overseers=overseers)


def decision_owed(request_id: int, decider: str) -> queue.Owed:
    """`decider` is owed the DM with Approve / Decline (once)."""
    return queue.Owed(f"decide:{request_id}:{decider}", DeliveryKind.DECISION_REQUEST, decider, request_id)


def override_owed(request_id: int, admin: str) -> queue.Owed:
    """`admin` is owed the DM with Approve (override) / Decline, which goes out only if a ⛔ rule
    blocks the request as it stands then (once)."""
    return queue.Owed(override_key(request_id, admin), DeliveryKind.OVERRIDE_REQUEST, admin, request_id)


def owe_decision(session: Session, request: ReferenceRequest, decider: str, now: dt.datetime) -> str:
    """Inside the caller's transaction: `decision_owed`; its key."""
    owed = decision_owed(request.id, decider)
    queue.enqueue_all(session, [owed], now)
    return owed.key


def owe_override(session: Session, request: ReferenceRequest, admin: str, now: dt.datetime) -> str:
    """Inside the caller's transaction: `override_owed`; its key."""
    owed = override_owed(request.id, admin)
    queue.enqueue_all(session, [owed], now)
    return owed.key


def override_key(request_id: int, admin: str) -> str:
    return f"override:{request_id}:{admin}"


def asks_to_decide() -> ColumnElement[bool]:
    """The deliveries that ask their recipient to decide a request: every decider's DM, and an
    admin's override DM once it went out (one that came to nothing asked nobody)."""
    return or_(
        Delivery.kind == DeliveryKind.DECISION_REQUEST,
        and_(Delivery.kind == DeliveryKind.OVERRIDE_REQUEST, Delivery.ts.is_not(None)),
    )


def request_or_gone(session: Session, request_id: int, *, lock: bool = False) -> ReferenceRequest:
    """The request (its row locked with `lock`), or `Gone`: what every change to one starts with."""
    request = session.get(ReferenceRequest, request_id, with_for_update=lock)
    if request is None:
        raise Gone(f"no request {request_id}")
    return request
