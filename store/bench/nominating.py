"""Nominating a contact at a customer (flow 16): the checks, the nomination, and who hears of it.

Anyone nominates (`/reference nominate`, **Nominate** on App Home and in the weekly nudge); an
advocate names a colleague on their answer page ("Someone else would be better": `nominate`
with `NominationDraft.from_request`). The account's owner decides (the program admins when it has
no owner in Slack); a nomination by whoever decides needs no second decision and goes straight to
the contact's invitation. Either way, what must be said is owed in the nomination's transaction.

One open nomination per person and account (`Nomination.open_key`, inserted with ON CONFLICT DO
NOTHING, so two people clicking at once get one nomination and a clear answer); a modal sent
twice nominates once (`source_key`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store import forgotten
from store.act import Act
from store.addresses import AddressKey, BadAddress, clean_address
from store.bench import notices
from store.db import Database
from store.errors import Invalid
from store.models import (
    OPEN_NOMINATION,
    Account,
    AccountStatus,
    Advocate,
    Nomination,
    NominationStatus,
    ReferenceRequest,
)
from store.rules.policy import Policy

NAME_MAX = 200
WHY_MAX = 1000
#: who nominated, when an advocate named a colleague on their answer page
BY_ADVOCATE = "advocate"
#: said of anyone who cannot be nominated: removed from the program, or answered No, thanks (the
#: sentence never says which, so it never tells that someone asked to be forgotten)
CANNOT_NOMINATE = "This person can't be nominated: they asked not to be contacted by the program."


@dataclass(frozen=True)
class NominationDraft:
    """What the nominate modal (or an advocate's answer page) says about the contact."""

    account_id: int | None
    name: str
    title: str
    email: str
    why: str
    activities: tuple[str, ...] = ()
    #: the ask whose advocate named this colleague ("Someone else would be better"); the
    #: nomination is then the account's of that ask, and `account_id` is ignored
    from_request: int | None = None


@dataclass(frozen=True)
class Nominated:
    nomination_id: int
    #: `proposed` (waits for the owner) or `invited` (the nominator decides: the contact is e-mailed)
    status: str
    #: who decides, when it waits for a decision
    deciders: tuple[str, ...]
    delivery_keys: tuple[str, ...]
    #: False when the same modal had already been sent (nothing new happened)
    created: bool = True


def nominate(
    db: Database,
    policy: Policy,
    draft: NominationDraft,
    act: Act,
    *,
    key: AddressKey | None,
    source_key: str | None = None,
) -> Nominated:
    """Nominate the contact, or raise `Invalid` with every problem at once (by modal field)."""
    with db.transaction() as session:
        if source_key is not None:
            again = session.scalar(select(Nomination).where(Nomination.source_key == source_key))
            if again is not None:
                return Nominated(again.id, again.status, (), (), created=False)
        account, address = _check(session, policy, draft, key)
        owner = account.owner_slack_id
        deciders = (owner,) if owner else tuple(sorted(act.admins))
        by = BY_ADVOCATE if draft.from_request is not None else act.user
        decided = by in deciders
        nomination_id = _insert(
            session,
            source_key=source_key,
            account_id=account.id,
            name=" ".join(draft.name.split()),
            title=" ".join(draft.title.split()),
            email=address,
            why=draft.why.strip(),
            activities=";".join(draft.activities),
            nominated_by=by,
            from_request_id=draft.from_request,
            status=NominationStatus.INVITED if decided else NominationStatus.PROPOSED,
            open_key=open_key(account.id, address),
            decided_by=act.user if decided else None,
            decided_at=act.now if decided else None,
            invited_at=act.now if decided else None,
            created_at=act.now,
        )
        if nomination_id is None:
            twin = source_key and session.scalar(
                select(Nomination).where(Nomination.source_key == source_key)
            )
            if twin:
                return Nominated(twin.id, twin.status, (), (), created=False)
            raise Invalid({"email": _already_nominated(session, account.id, address)})
        nomination = session.get_one(Nomination, nomination_id)
        if decided:
            keys = notices.owe_invitation(session, nomination, act.now)
            return Nominated(nomination.id, nomination.status, (), keys)
        keys = notices.owe_decisions(session, nomination, deciders, act.now)
        return Nominated(nomination.id, nomination.status, deciders, keys)


def open_key(account_id: int, address: str) -> str:
    return f"{account_id}:{address}"


def _check(
    session: Session, policy: Policy, draft: NominationDraft, key: AddressKey | None
) -> tuple[Account, str]:
    errors: dict[str, str] = {}
    account = _account(session, draft, errors)
    name, why = " ".join(draft.name.split()), draft.why.strip()
    if not name:
        errors["name"] = "Enter their name."
    elif len(name) > NAME_MAX or len(" ".join(draft.title.split())) > NAME_MAX:
        errors["name"] = f"Keep the name and the title under {NAME_MAX} characters each."
    if not why:
        errors["why"] = "Say what makes them a good advocate: the owner and they will read it."
    elif len(why) > WHY_MAX:
        errors["why"] = f"Keep it under {WHY_MAX} characters."
    if any(activity not in policy.activities for activity in draft.activities):
        errors["activities"] = "That activity is no longer offered: pick again."
    address = ""
    try:
        address = clean_address(draft.email)
    except BadAddress:
        errors["email"] = "Enter their e-mail address, like jane@example.com."
    if address and account is not None:
        why_not = _why_not(session, account, address, key)
        if why_not:
            errors["email"] = why_not
    if errors:
        raise Invalid(errors)
    assert account is not None
    return account, address


def _account(session: Session, draft: NominationDraft, errors: dict[str, str]) -> Account | None:
    account_id = draft.account_id
    if draft.from_request is not None:
        account_id = session.scalar(
            select(ReferenceRequest.account_id).where(ReferenceRequest.id == draft.from_request)
        )
    account = session.get(Account, account_id) if account_id is not None else None
    if account_id is None and draft.from_request is None:
        errors["account"] = "Pick an account."
    elif account is None:
        errors["account"] = "That account no longer exists. Pick another one."
    elif account.status == AccountStatus.DO_NOT_CONTACT:
        errors["account"] = f"{account.name} is do not contact: nobody there can be nominated."
    return account


def _why_not(session: Session, account: Account, address: str, key: AddressKey | None) -> str | None:
    """Why this address cannot be nominated at this account, or None."""
    if forgotten.forgotten_among(session, key, [address]) or forgotten.said_no_thanks(session, address):
        return CANNOT_NOMINATE
    advocate = session.scalar(
        select(Advocate.name).where(
            Advocate.account_id == account.id, Advocate.email == address, Advocate.forgotten_at.is_(None)
        )
    )
    if advocate is not None:
        return f"{advocate} is already an advocate of {account.name}."
    if session.scalar(select(Nomination.id).where(Nomination.open_key == open_key(account.id, address))):
        return _already_nominated(session, account.id, address)
    return None


def _already_nominated(session: Session, account_id: int, address: str) -> str:
    nomination = session.scalar(
        select(Nomination).where(Nomination.open_key == open_key(account_id, address))
    )
    if nomination is None or nomination.status not in OPEN_NOMINATION:
        return "Someone nominated them a moment ago: nothing more to do."
    waits = "the owner's decision" if nomination.status == NominationStatus.PROPOSED else "their answer"
    return f"{nomination.name} was already nominated on {_day(nomination.created_at)}: it waits for {waits}."


def _day(moment: dt.datetime) -> str:
    return moment.date().isoformat()


def _insert(session: Session, **values: object) -> int | None:
    """The nomination's id, or None when an open one for the same person and account (or the
    same modal) got there first: `INSERT ... ON CONFLICT DO NOTHING` answers on both databases
    without breaking the transaction."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = Nomination.__table__
    added = session.execute(
        insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
    ).first()
    return int(added[0]) if added is not None else None
