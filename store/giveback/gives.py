"""Logging value delivered to an account: the credit side of the equity ledger.

Only the account's owner and the program admins may log it: a credit lifts the balance, and a
balance too low for an ask is a ⛔ on it, so anyone else logging value could unblock their own ask.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from store import ledger
from store.act import Act
from store.db import Database
from store.errors import Invalid, NotAllowed
from store.models import Account, Advocate, EntryKind, LedgerEntry
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.outbox.payloads import LoggedPayload
from store.rules.policy import Policy, ValueType

NOTE_MAX = 1000
#: how far back "when" may go: older value belongs in an admin adjustment, not a give
OLDEST_DAYS = 366


@dataclass(frozen=True)
class ValueDraft:
    """Value delivered, as typed into the log modal, already parsed from strings."""

    account_id: int | None
    value: str | None
    note: str
    occurred_on: dt.date | None
    advocate_id: int | None = None


@dataclass(frozen=True)
class Logged:
    entry_id: int
    account_id: int
    account_name: str
    value_name: str
    credit: int
    balance: int
    occurred_on: dt.date
    actor_id: str
    advocate_name: str | None
    note: str
    #: False when the same modal had already been submitted (nothing new was credited)
    created: bool = True
    delivery_keys: tuple[str, ...] = ()


def log_value(db: Database, policy: Policy, draft: ValueDraft, act: Act, *, source_key: str) -> Logged:
    """Credit the ledger and owe the person a receipt, once per submitted modal (`source_key`).

    The receipt's outbox key doubles as the idempotency key: a modal Slack delivers twice
    finds its key taken and credits nothing the second time, even when both arrive at once.
    Refuses (`NotAllowed`) anyone but the account's owner and the admins.
    """
    return ledger.once_per_key(lambda: _log_value(db, policy, draft, f"give:{source_key}", act))


def _log_value(db: Database, policy: Policy, draft: ValueDraft, key: str, act: Act) -> Logged:
    with db.transaction() as session:
        existing = ledger.recorded_entry(session, [key])
        if existing is not None:
            return _logged(session, policy, existing, created=False)
        account, value_type = _validate(session, policy, draft, act)
        assert draft.occurred_on is not None
        entry = ledger.post(
            session,
            account_id=account.id,
            advocate_id=draft.advocate_id,
            kind=EntryKind.GIVE,
            amount=value_type.credit,
            item=value_type.key,
            actor_id=act.user,
            now=act.now,
            occurred_on=draft.occurred_on,
            note=draft.note.strip()[:NOTE_MAX],
        )
        if not queue.enqueue(
            session,
            key=key,
            kind=DeliveryKind.LOGGED,
            recipient=act.user,
            now=act.now,
            payload=LoggedPayload(entry.id),
        ):
            raise ledger.RecordedMeanwhile(key)
        logged = _logged(session, policy, entry.id)
        return Logged(**{**logged.__dict__, "delivery_keys": (key,)})


def logged(db: Database, policy: Policy, entry_id: int) -> Logged | None:
    """A give as it stands now (the balance is today's), for its receipt."""
    with db.transaction(readonly=True) as session:
        if session.get(LedgerEntry, entry_id) is None:
            return None
        return _logged(session, policy, entry_id)


def _logged(session: Session, policy: Policy, entry_id: int, *, created: bool = True) -> Logged:
    entry = session.get_one(LedgerEntry, entry_id)
    account = session.get_one(Account, entry.account_id)
    advocate = session.get(Advocate, entry.advocate_id) if entry.advocate_id else None
    value_type = policy.values.get(entry.item or "")
    return Logged(
        entry_id=entry.id,
        account_id=account.id,
        account_name=account.name,
        value_name=value_type.name if value_type else entry.item or "",
        credit=entry.amount,
        balance=ledger.balance(session, policy.opening_balance, account.id),
        occurred_on=entry.occurred_on,
        actor_id=entry.actor_id,
        advocate_name=advocate.name if advocate else None,
        note=entry.note,
        created=created,
    )


def _validate(session: Session, policy: Policy, draft: ValueDraft, act: Act) -> tuple[Account, ValueType]:
    """The account and value type, or every field's error; a person who may not log value for
    the account is refused before being asked to fix anything else."""
    errors: dict[str, str] = {}
    account = ledger.chosen_account(session, draft.account_id, errors)
    if account is not None and not act.may_act_for(account.owner_slack_id):
        owner = (account.owner_slack_id,) if account.owner_slack_id else ()
        raise NotAllowed("log value for this account", owner)
    if draft.advocate_id is not None:
        advocate = session.get(Advocate, draft.advocate_id)
        if advocate is None or account is None or advocate.account_id != account.id:
            errors["advocate"] = "That advocate is not at this account."
    value_type = policy.values.get(draft.value or "")
    if draft.value is None:
        errors["value"] = "Pick what you gave."
    elif value_type is None:
        errors["value"] = "That kind of value is no longer in the policy. Pick another one."
    if not draft.note.strip():
        errors["note"] = "Say what was done, so the owner and the admins can see it later."
    elif len(draft.note.strip()) > NOTE_MAX:
        errors["note"] = f"Keep it under {NOTE_MAX} characters."
    if draft.occurred_on is None:
        errors["occurred_on"] = "Pick the day it happened."
    elif draft.occurred_on > act.today:
        errors["occurred_on"] = "That day is in the future. Log value once it has been delivered."
    elif draft.occurred_on < act.today - dt.timedelta(days=OLDEST_DAYS):
        errors["occurred_on"] = (
            "That is more than a year ago: ask a program admin to post an adjustment (`/reference adjust`)."
        )
    if errors:
        raise Invalid(errors)
    assert account is not None and value_type is not None
    return account, value_type
