"""**Remove me** and `refdesk advocates forget EMAIL`: a person's details erased, in one transaction.

A person is their address (`store.bench.data_rights` says what that covers). Erased: the name,
title, address, preferences and dates of each advocate row with it, which stays as a pseudonym
("Removed advocate 12") so the asks and ledger entries that name it keep their sums; their notes,
times, the owner's lines to them and their rating comments; their nominations (an open one is
withdrawn); their details wherever an advocate named them as a colleague ("Someone else would be
better"); their NPS answers' address, name and comment (the score and day stay: the account's
detractor rule reads them); their name and address wherever a request's free text repeats
them; and their words, every item withdrawn at once and its text erased
(`store.bench.their_words`). The keyed fingerprint of the address (`store.addresses.AddressKey`)
is kept, so no later import or nomination adds them again. E-mails still owed to them are
cancelled, never sent; requests still waiting for a decision that named them name nobody now
(whoever approves picks someone else: they will not be asked); every message already sent about a
request that names them is rewritten (the pseudonym, no address); an ask of them can no longer be
answered, reminded of or opened from its link (`store.customer.consent.asks_a_removed_person`);
the account's owner is told.

Not rewritten: the ledger, which is insert-only (a note typed on a give stays as typed).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.addresses import AddressKey, BadAddress, clean_address
from store.bench import notices, their_words
from store.customer.consent import mail_recipient
from store.db import Database
from store.errors import Gone, Invalid
from store.forgotten import NoAddressKey
from store.models import (
    OPEN_NOMINATION,
    Account,
    Advocate,
    Blackout,
    Consent,
    Delivery,
    DeliveryStatus,
    ForgottenAddress,
    Nomination,
    NominationStatus,
    NpsAnswer,
    Rating,
    ReferenceRequest,
    Referral,
    RequestStatus,
)
from store.offers import seat_changes
from store.outbox import queue, rewrites
from store.outbox.kinds import DeliveryKind
from store.outbox.payloads import RemovedPayload

CANCELLED = "cancelled: the person was removed from the program"
#: what stays of a removed person who was never an advocate (a nomination, a colleague named)
REMOVED_CONTACT = "Removed contact"
#: the free text of a request that may repeat the advocate's name or address
REQUEST_TEXT = ("context", "outcome_note", "decision_reason", "override_reason", "topic")


@dataclass(frozen=True)
class Forgotten:
    #: the advocate rows now pseudonyms
    advocates: tuple[int, ...]
    nominations: int
    survey_answers: int
    #: e-mails that were owed to them, cancelled
    cancelled: int
    delivery_keys: tuple[str, ...]


def pseudonym(advocate_id: int) -> str:
    return f"Removed advocate {advocate_id}"


def forget_advocate(
    db: Database, advocate_id: int, *, key: AddressKey | None, now: dt.datetime, by_admin: bool = False
) -> Forgotten:
    """**Remove me** on the advocate's own page: them, and everything held under their address."""
    with db.transaction() as session:
        advocate = session.get(Advocate, advocate_id) if 0 < advocate_id < 2**31 else None
        if advocate is None or advocate.forgotten_at is not None:
            raise Gone(f"no advocate {advocate_id}")
        return _forget(session, advocate.email, [advocate], key, now, by_admin)


def forget_address(db: Database, typed: str, *, key: AddressKey | None, now: dt.datetime) -> Forgotten:
    """`refdesk advocates forget EMAIL`: whoever has this address, at every account."""
    try:
        address = clean_address(typed)
    except BadAddress as bad:
        raise Invalid({"email": str(bad)}) from None
    with db.transaction() as session:
        advocates = list(
            session.scalars(
                select(Advocate).where(Advocate.email == address, Advocate.forgotten_at.is_(None))
            )
        )
        nominated = session.scalar(select(Nomination.id).where(Nomination.email == address).limit(1))
        answered = session.scalar(select(NpsAnswer.id).where(NpsAnswer.email == address).limit(1))
        named = session.scalar(select(Referral.id).where(Referral.email == address).limit(1))
        if not advocates and nominated is None and answered is None and named is None:
            raise Gone(f"nothing is held about {address}")
        return _forget(session, address, advocates, key, now, by_admin=True)


def _forget(
    session: Session,
    address: str | None,
    advocates: list[Advocate],
    key: AddressKey | None,
    now: dt.datetime,
    by_admin: bool,
) -> Forgotten:
    if address is not None:
        if key is None:
            raise NoAddressKey()
        _keep_fingerprint(session, key.fingerprint(address), now)
        advocates += list(
            session.scalars(
                select(Advocate).where(
                    Advocate.email == address,
                    Advocate.forgotten_at.is_(None),
                    Advocate.id.not_in([a.id for a in advocates]),
                )
            )
        )
    recipients: list[str] = []
    keys: list[str] = []
    for advocate in advocates:
        recipients.append(mail_recipient(advocate.id))
        keys += _erase_advocate(session, advocate, now, by_admin)
    nominations = (
        list(session.scalars(select(Nomination).where(Nomination.email == address))) if address else []
    )
    for nomination in nominations:
        recipients.append(notices.nominee_recipient(nomination.id))
        keys += _erase_nomination(session, nomination, now)
    answers = 0
    if address is not None:
        answers = session.execute(
            update(NpsAnswer).where(NpsAnswer.email == address).values(email=None, name="", comment="")
        ).rowcount
        named_in = session.execute(
            select(ReferenceRequest.id, ReferenceRequest.requester_id)
            .join(Referral, Referral.request_id == ReferenceRequest.id)
            .where(Referral.email == address)
        ).all()
        session.execute(
            update(Referral).where(Referral.email == address).values(name=REMOVED_CONTACT, title="", email="")
        )
        # the owner's DM that named them as a colleague, rewritten without them
        keys += [rewrites.owe_rewrite(session, rid, by, "colleague-removed", now) for rid, by in named_in]
    cancelled = session.execute(
        update(Delivery)
        .where(
            Delivery.recipient.in_(recipients),
            Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
        )
        .values(status=DeliveryStatus.CANCELLED, lease_until=None, last_error=CANCELLED)
    ).rowcount
    return Forgotten(tuple(a.id for a in advocates), len(nominations), answers, cancelled, tuple(keys))


def _keep_fingerprint(session: Session, fingerprint: str, now: dt.datetime) -> None:
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(ForgottenAddress.__table__)
        .values(fingerprint=fingerprint, forgotten_at=now)
        .on_conflict_do_nothing()
    )


def _erase_advocate(session: Session, advocate: Advocate, now: dt.datetime, by_admin: bool) -> list[str]:
    words = [w for w in (advocate.name, advocate.email or "") if w.strip()]
    alias = pseudonym(advocate.id)
    _scrub_requests(session, advocate.account_id, words, alias)
    session.execute(
        update(Consent).where(Consent.advocate_id == advocate.id).values(note="", times="", owner_line="")
    )
    session.execute(
        update(Rating).where(Rating.advocate_id == advocate.id, Rating.rater == "advocate").values(comment="")
    )
    session.execute(Blackout.__table__.delete().where(Blackout.advocate_id == advocate.id))
    their_words.withdraw_all_for(session, advocate.id, now)
    advocate.name, advocate.title, advocate.email = alias, "", None
    advocate.person_key = f"removed:{advocate.id}"
    advocate.activities, advocate.asks_per_quarter = "", None
    advocate.time_zone = advocate.times_that_suit = advocate.valued = advocate.value_note = ""
    advocate.forgotten_at = now
    naming = select(ReferenceRequest).where(ReferenceRequest.advocate_id == advocate.id)
    keys = [  # every message about a request that names them shows the pseudonym, no address
        rewrites.owe_rewrite(session, request.id, request.requester_id, f"removed:{advocate.id}", now)
        for request in session.scalars(naming)
    ]
    session.execute(
        update(ReferenceRequest)
        .where(ReferenceRequest.advocate_id == advocate.id, ReferenceRequest.status == RequestStatus.PENDING)
        .values(advocate_id=None)
    )
    keys += seat_changes.let_go_of_removed(session, advocate.id, now)
    owner = session.scalar(select(Account.owner_slack_id).where(Account.id == advocate.account_id))
    key = f"advocate-removed:{advocate.id}"
    if owner is None:
        return keys
    payload = RemovedPayload(advocate.account_id, by_admin)
    added = queue.enqueue(
        session, key=key, kind=DeliveryKind.ADVOCATE_REMOVED, recipient=owner, now=now, payload=payload
    )
    return [key, *keys] if added else keys


def _erase_nomination(session: Session, nomination: Nomination, now: dt.datetime) -> list[str]:
    words = [w for w in (nomination.name, nomination.email or "") if w.strip()]
    _scrub_requests(session, nomination.account_id, words, "a removed contact")
    if nomination.status in OPEN_NOMINATION:
        nomination.status, nomination.open_key = NominationStatus.WITHDRAWN, None
        session.flush()
    nomination.name, nomination.title, nomination.email, nomination.why = REMOVED_CONTACT, "", None, ""
    nomination.reason = None  # a "Not now" reason often names them
    # every DM about them rewritten, open or long decided: the deciders' cards and the news
    return list(notices.owe_refresh(session, nomination, "erasure", now, why=notices.ERASED))


def _scrub_requests(session: Session, account_id: int, words: list[str], alias: str) -> None:
    """The account's requests' free text, with `words` (a name, an address) replaced by `alias`.

    Matched here in Python, case-folded as `re` folds it: SQLite's LIKE folds ASCII only."""
    if not words:
        return
    pattern = re.compile("|".join(rf"\b{re.escape(word)}\b" for word in words), re.IGNORECASE)
    for request in session.scalars(select(ReferenceRequest).where(ReferenceRequest.account_id == account_id)):
        for name in REQUEST_TEXT:
            text = getattr(request, name)
            if text:
                setattr(request, name, pattern.sub(alias, text))
