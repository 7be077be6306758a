"""Words coming in: written by the advocate on their page (**Share a few words**), drafted by a
program admin (`/reference evidence new`, App Home) and sent to the advocate to approve, or changed
afterwards by either. Every new text waits for the advocate's approval (`store.evidence.approval`):
an edit by anyone after approval takes the item out of every surface until they approve again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store.act import Act
from store.customer.consent import ADVOCATE, mail_recipient
from store.db import Database
from store.errors import AlreadySettled, Invalid, NotAllowed
from store.evidence.items import SOURCE_MAX, check_words, get
from store.models import Account, Advocate, Evidence, EvidenceStatus
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.outbox.payloads import EvidencePayload
from store.rules.policy import Policy
from store.rules.willing import may_be_approached


@dataclass(frozen=True)
class EvidenceDraft:
    """An admin's draft, as typed into the drafting modal (or a change to an item's words)."""

    account_id: int | None
    advocate_id: int | None
    kind: str | None
    text: str
    link: str | None = None
    source: str = ""


@dataclass(frozen=True)
class Drafted:
    evidence_id: int
    advocate_name: str
    delivery_keys: tuple[str, ...] = ()


def share(
    db: Database, policy: Policy, advocate_id: int, kind: str, text: str, act: Act, *, source_key: str
) -> int:
    """The advocate's own words from their page, waiting for their approval; the item's id.

    The page's form carries a key of its own, so a double click or a reload makes one item.
    """
    written = policy.evidence.written
    chosen = policy.evidence.kind(kind)
    if chosen is None or chosen.link:
        raise Invalid({"kind": f"Pick one: {' or '.join(k.name.lower() for k in written)}."})
    words, _ = check_words(text, None, needs_link=False)
    with db.transaction() as session:
        existing = session.scalar(select(Evidence.id).where(Evidence.source_key == source_key))
        if existing is not None:
            return int(existing)
        advocate = session.get(Advocate, advocate_id)
        if advocate is None or advocate.forgotten_at is not None:
            raise Invalid({"text": "We could not find you in the program any more."})
        return _add(session, advocate, chosen.key, words, None, "", ADVOCATE, act.now, source_key)


def draft(db: Database, policy: Policy, typed: EvidenceDraft, act: Act, *, source_key: str) -> Drafted:
    """An admin's draft of a customer's words, e-mailed to the advocate to approve (nothing is shown
    to a requester before they do)."""
    if not act.by_admin:
        raise NotAllowed("draft a customer's words for them to approve")
    kind = policy.evidence.kind(typed.kind or "")
    errors = {}
    if typed.account_id is None:
        errors["account"] = "Pick an account."
    if typed.advocate_id is None:
        errors["advocate"] = "Pick the advocate whose words these are: they approve them."
    if kind is None:
        errors["kind"] = "Pick what it is."
    if len(typed.source) > SOURCE_MAX:
        errors["source"] = f"Keep it under {SOURCE_MAX} characters."
    try:
        words, link = check_words(typed.text, typed.link, needs_link=bool(kind and kind.link))
    except Invalid as invalid:
        errors = {**errors, **invalid.errors}
    if errors:
        raise Invalid(errors)
    assert kind is not None
    with db.transaction() as session:
        existing = session.scalar(select(Evidence).where(Evidence.source_key == source_key))
        if existing is not None:
            return Drafted(existing.id, session.get_one(Advocate, existing.advocate_id).name)
        advocate = session.get(Advocate, typed.advocate_id)
        if advocate is None or advocate.account_id != typed.account_id:
            raise Invalid({"advocate": "That advocate is not at this account."})
        if not advocate.email:
            raise Invalid(
                {"advocate": f"{advocate.name} has no e-mail address: they could not approve their words."}
            )
        _check_approachable(session, advocate, act.today)
        evidence_id = _add(
            session, advocate, kind.key, words, link, typed.source.strip(), act.user, act.now, source_key
        )
        return Drafted(evidence_id, advocate.name, (_owe_approval(session, evidence_id, 1, act.now),))


def edit(db: Database, policy: Policy, evidence_id: int, typed: EvidenceDraft, act: Act) -> Drafted:
    """New words for an item, by its advocate on their page or by an admin: it waits for the
    advocate's approval again (an admin's change is e-mailed to them). A withdrawn item stays so."""
    if act.user != ADVOCATE and not act.by_admin:
        raise NotAllowed("change a customer's words")
    with db.transaction() as session:
        item = get(session, evidence_id, lock=True)
        kind = policy.evidence.kind(item.kind)
        link = typed.link if act.user != ADVOCATE else item.link
        words, link = check_words(typed.text, link, needs_link=bool(kind and kind.link))
        if item.status == EvidenceStatus.WITHDRAWN:
            raise AlreadySettled(EvidenceStatus.WITHDRAWN)
        advocate = session.get_one(Advocate, item.advocate_id)
        if words == item.text and link == item.link:
            return Drafted(item.id, advocate.name)
        if act.user != ADVOCATE:  # an admin's change is e-mailed to them for approval
            _check_approachable(session, advocate, act.today, field="text")
        version = item.version + 1
        session.execute(
            update(Evidence)
            .where(Evidence.id == item.id, Evidence.version == item.version)
            .values(
                text=words,
                link=link,
                version=version,
                status=EvidenceStatus.AWAITING,
                updated_at=act.now,
                **({"source": typed.source.strip()[:SOURCE_MAX]} if act.user != ADVOCATE else {}),
            )
            .execution_options(synchronize_session=False)
        )
        keys = () if act.user == ADVOCATE else (_owe_approval(session, item.id, version, act.now),)
        return Drafted(item.id, advocate.name, keys)


def _check_approachable(
    session: Session, advocate: Advocate, today: dt.date, field: str = "advocate"
) -> None:
    """`Invalid` (on `field`) unless the advocate may be e-mailed words to approve today: not
    after "Please don't ask me again", not while resting, not at a do-not-contact account."""
    approachable = select(Advocate.id).join(Account, Account.id == Advocate.account_id)
    if session.scalar(approachable.where(Advocate.id == advocate.id, *may_be_approached(today))) is None:
        raise Invalid(
            {
                field: f"{advocate.name} may not be contacted now (they or their account asked not to be): "
                "nothing is sent to them."
            }
        )


def _add(
    session: Session,
    advocate: Advocate,
    kind: str,
    words: str,
    link: str | None,
    source: str,
    drafted_by: str,
    now: dt.datetime,
    source_key: str,
) -> int:
    item = Evidence(
        account_id=advocate.account_id,
        advocate_id=advocate.id,
        kind=kind,
        text=words,
        link=link,
        source=source,
        drafted_by=drafted_by,
        status=EvidenceStatus.AWAITING,
        version=1,
        places="",
        attributed_as="",
        source_key=source_key,
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    return item.id


def _owe_approval(session: Session, evidence_id: int, version: int, now: dt.datetime) -> str:
    """The advocate is e-mailed these words to approve: once per version of them."""
    item = session.get_one(Evidence, evidence_id)
    key = f"evidence-approval:{evidence_id}:{version}"
    queue.enqueue(
        session,
        key=key,
        kind=DeliveryKind.EVIDENCE_APPROVAL,
        recipient=mail_recipient(item.advocate_id),
        now=now,
        payload=EvidencePayload(evidence_id, version),
    )
    return key
