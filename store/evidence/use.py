"""**Use this**: a requester takes an approved item for a deal. The use is recorded (who, which
deal, where) once per click, and the words come back exactly as approved, with their attribution,
to copy. A pending request the words replace is withdrawn in the same transaction: it was never
decided, so it cost the customer nothing, and coverage counts it as filled by evidence.

Nothing here touches the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.act import Act
from store.db import Database
from store.errors import Gone, Invalid, NotAllowed
from store.evidence.items import NO_LONGER_USABLE, get, is_usable
from store.links import is_safe_link
from store.models import Account, Evidence, EvidenceUse, ReferenceRequest, RequestStatus
from store.requests.deciding import cancel_in
from store.rules.evidence_policy import PLACES
from store.rules.policy import Policy

OPPORTUNITY_MAX = 200


@dataclass(frozen=True)
class UseForm:
    """What the **Use this** modal shows and offers."""

    evidence_id: int
    kind_name: str
    attributed_as: str
    #: the places the advocate allowed: (key, words)
    places: tuple[tuple[str, str], ...]
    #: the pending request the words would replace, and how it reads ("a reference call with Acme")
    request_id: int | None = None
    activity_name: str = ""
    account_name: str = ""
    opportunity_name: str = ""
    crm_link: str | None = None


@dataclass(frozen=True)
class UseDraft:
    evidence_id: int
    opportunity_name: str
    place: str | None
    crm_link: str | None = None
    #: the pending request withdrawn in the words' favour
    request_id: int | None = None
    #: the activity the request modal was asking for, when the words were used instead
    instead_of: str | None = None


@dataclass(frozen=True)
class Used:
    """The words to copy, exactly as approved, and what the use changed."""

    use_id: int
    kind_name: str
    text: str
    link: str | None
    attributed_as: str
    place: str
    opportunity_name: str
    #: the request withdrawn in favour of the words (None: none was)
    withdrew: int | None = None
    delivery_keys: tuple[str, ...] = ()


def _usable(session: Session, evidence_id: int, act: Act) -> Evidence:
    item = get(session, evidence_id)
    if not is_usable(item, act.today):
        raise Gone(f"evidence {evidence_id} is not usable", why=NO_LONGER_USABLE)
    return item


def _pending_request(session: Session, request_id: int, act: Act, *, lock: bool = False) -> ReferenceRequest:
    request = session.get(ReferenceRequest, request_id, with_for_update=lock)
    if request is None:
        raise Gone(f"no request {request_id}")
    if act.user != request.requester_id and not act.by_admin:
        raise NotAllowed("withdraw this request", (request.requester_id,))
    if request.status != RequestStatus.PENDING:
        raise Invalid(
            {"request": "That request was decided meanwhile: use these words from `/reference evidence`."}
        )
    return request


def use_form(db: Database, policy: Policy, evidence_id: int, request_id: int | None, act: Act) -> UseForm:
    """The modal's content; refuses words no longer usable, or a request not the clicker's to withdraw."""
    with db.transaction(readonly=True) as session:
        item = _usable(session, evidence_id, act)
        form = UseForm(
            evidence_id=item.id,
            kind_name=policy.evidence.name_of(item.kind),
            attributed_as=item.attributed_as,
            places=tuple((key, PLACES[key]) for key in item.place_keys),
        )
        if request_id is None:
            return form
        request = _pending_request(session, request_id, act)
        activity = policy.activities.get(request.activity)
        return replace(
            form,
            request_id=request.id,
            activity_name=activity.name if activity else request.activity,
            account_name=session.get_one(Account, request.account_id).name,
            opportunity_name=request.opportunity_name,
            crm_link=request.crm_link,
        )


def record(db: Database, policy: Policy, draft: UseDraft, act: Act, *, source_key: str) -> Used:
    """Record one use of the words (one per `source_key`: the same modal sent twice is one use) and
    withdraw the request it replaces, if any, in the same transaction."""
    opportunity = draft.opportunity_name.strip()
    errors = {}
    if not opportunity:
        errors["opportunity_name"] = "Name the deal you use these words for."
    elif len(opportunity) > OPPORTUNITY_MAX:
        errors["opportunity_name"] = f"Keep it under {OPPORTUNITY_MAX} characters."
    if draft.crm_link and not is_safe_link(draft.crm_link):
        errors["crm_link"] = "Enter a full link starting with https://, without spaces or < > |"
    if draft.instead_of is not None and draft.instead_of not in policy.activities:
        draft = replace(draft, instead_of=None)
    if errors:
        raise Invalid(errors)
    with db.transaction() as session:
        existing = session.scalar(select(EvidenceUse).where(EvidenceUse.source_key == source_key))
        if existing is not None:
            return _used(session, policy, existing)
        item = _usable(session, draft.evidence_id, act)
        if draft.place not in item.place_keys:
            raise Invalid({"place": "Pick one of the places the customer allowed."})
        keys: tuple[str, ...] = ()
        if draft.request_id is not None:
            request = _pending_request(session, draft.request_id, act, lock=True)
            keys = cancel_in(session, request, act).delivery_keys
        use = EvidenceUse(
            evidence_id=item.id,
            used_by=act.user,
            opportunity_name=opportunity,
            crm_link=draft.crm_link or None,
            place=draft.place,
            request_id=draft.request_id,
            instead_of=None if draft.request_id is not None else draft.instead_of,
            source_key=source_key,
            used_at=act.now,
        )
        session.add(use)
        session.flush()
        return _used(session, policy, use, keys)


def _used(session: Session, policy: Policy, use: EvidenceUse, keys: tuple[str, ...] = ()) -> Used:
    item = session.get_one(Evidence, use.evidence_id)
    return Used(
        use_id=use.id,
        kind_name=policy.evidence.name_of(item.kind),
        text=item.text,
        link=item.link,
        attributed_as=item.attributed_as,
        place=PLACES.get(use.place, use.place),
        opportunity_name=use.opportunity_name,
        withdrew=use.request_id,
        delivery_keys=keys,
    )
