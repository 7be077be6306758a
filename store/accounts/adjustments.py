"""Admin adjustments: a ledger entry only a program admin may post, always with a written reason.

They are for what no ask or give can say: value delivered more than a year ago, a correction, a
balance carried over from an earlier program. Each is posted once per submitted modal: the outbox
row of the admin's receipt (from the terminal without `--by`, of the owner's notice) is the
idempotency key, as for a logged give. The owner is told, because a balance that moves without a
word would make the ledger look arbitrary to the person it is meant to guide.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import ledger
from store.act import Act
from store.db import Database
from store.errors import Invalid, NotAllowed
from store.models import Account, EntryKind, LedgerEntry, normalize
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.outbox.payloads import AdjustmentPayload
from store.rules.policy import Policy

#: the largest change one adjustment makes, either way: more is a typo or a policy change
AMOUNT_MAX = 1000
REASON_MAX = 1000
#: who the ledger names for an adjustment made at the terminal without `--by`
OPERATOR = "refdesk-cli"
ACT = "adjust an account's balance"
_AMOUNT = re.compile(r"([+-]?)([0-9]+)")


@dataclass(frozen=True)
class AdjustmentDraft:
    """An adjustment as typed: the amount still text, so the modal and the CLI share one rule."""

    account_id: int | None
    amount: str
    reason: str


@dataclass(frozen=True)
class Adjusted:
    entry_id: int
    account_id: int
    account_name: str
    owner_id: str | None
    amount: int
    reason: str
    balance: int
    actor_id: str
    #: False when the same modal had already been submitted (nothing new was posted)
    created: bool = True
    delivery_keys: tuple[str, ...] = ()


def check_adjuster(act: Act) -> None:
    """Only program admins adjust: an adjustment moves a balance with no ask or give behind it."""
    if not act.by_admin:
        raise NotAllowed(ACT)


def adjust(db: Database, policy: Policy, draft: AdjustmentDraft, act: Act, *, source_key: str) -> Adjusted:
    """Post the adjustment and owe the admin who made it a receipt and the owner a notice, once per
    `source_key`.

    An act by `OPERATOR` is the operator at the terminal (`refdesk ledger adjust` without `--by`),
    who holds the database anyway: the ledger names them, and there is nobody to send a receipt.
    """
    if act.user != OPERATOR:
        check_adjuster(act)
    keys = (f"adjust:{source_key}", f"adjust:{source_key}:owner")
    return ledger.once_per_key(lambda: _adjust(db, policy, draft, act, keys))


def _adjust(
    db: Database, policy: Policy, draft: AdjustmentDraft, act: Act, keys: tuple[str, str]
) -> Adjusted:
    receipt_key, notice_key = keys
    with db.transaction() as session:
        existing = ledger.recorded_entry(session, keys)
        if existing is not None:
            return _adjusted(session, policy, existing, created=False)
        errors: dict[str, str] = {}
        account = ledger.chosen_account(session, draft.account_id, errors)
        amount = _amount(draft.amount, errors)
        reason = draft.reason.strip()
        if not reason:
            errors["reason"] = "Say why, so the owner and the other admins can read it on the ledger."
        elif len(reason) > REASON_MAX:
            errors["reason"] = f"Keep it under {REASON_MAX} characters."
        if errors:
            raise Invalid(errors)
        assert account is not None and amount is not None
        entry = ledger.post(
            session,
            account_id=account.id,
            kind=EntryKind.ADJUSTMENT,
            amount=amount,
            actor_id=act.user,
            now=act.now,
            occurred_on=act.today,
            reason=reason,
        )
        owed: list[tuple[str, str, DeliveryKind]] = []
        if act.user != OPERATOR:
            owed.append((receipt_key, act.user, DeliveryKind.ADJUSTED))
        if account.owner_slack_id and account.owner_slack_id != act.user:
            owed.append((notice_key, account.owner_slack_id, DeliveryKind.ADJUSTMENT_NOTICE))
        for key, recipient, kind in owed:
            payload = AdjustmentPayload(entry.id)
            if not queue.enqueue(
                session, key=key, kind=kind, recipient=recipient, now=act.now, payload=payload
            ):
                raise ledger.RecordedMeanwhile(key)
        done = _adjusted(session, policy, entry.id)
        return dataclasses.replace(done, delivery_keys=tuple(key for key, _, _ in owed))


def _amount(typed: str, errors: dict[str, str]) -> int | None:
    """A whole number of points, + or − (a typographic minus too), not 0, at most AMOUNT_MAX."""
    match = _AMOUNT.fullmatch(typed.strip().replace("−", "-").replace(" ", ""))
    if match is None:
        errors["amount"] = "Type a whole number of points: 5 adds points, -3 takes them away."
        return None
    sign, digits = match.groups()
    digits = digits.lstrip("0") or "0"
    if len(digits) > len(str(AMOUNT_MAX)) or int(digits) > AMOUNT_MAX:
        errors["amount"] = f"Keep it between -{AMOUNT_MAX} and +{AMOUNT_MAX} points."
        return None
    if digits == "0":
        errors["amount"] = "0 points changes nothing: type how many points to add (5) or take away (-3)."
        return None
    return -int(digits) if sign == "-" else int(digits)


def adjusted(db: Database, policy: Policy, entry_id: int) -> Adjusted | None:
    """An adjustment as it stands now (the balance is today's), for its receipt and notice."""
    with db.transaction(readonly=True) as session:
        if session.get(LedgerEntry, entry_id) is None:
            return None
        return _adjusted(session, policy, entry_id)


def _adjusted(session: Session, policy: Policy, entry_id: int, *, created: bool = True) -> Adjusted:
    entry = session.get_one(LedgerEntry, entry_id)
    account = session.get_one(Account, entry.account_id)
    return Adjusted(
        entry_id=entry.id,
        account_id=account.id,
        account_name=account.name,
        owner_id=account.owner_slack_id,
        amount=entry.amount,
        reason=entry.reason or "",
        balance=ledger.balance(session, policy.opening_balance, account.id),
        actor_id=entry.actor_id,
        created=created,
    )


def account_named(db: Database, words: str) -> int | None:
    """The account with this CRM id, else this name (case and spacing aside), as the CSV import
    resolves an advocate's account; None when there is none."""
    needle = normalize(words)
    with db.transaction(readonly=True) as session:
        for key in (Account.crm_key, Account.name_key):
            found = session.scalar(select(Account.id).where(key == needle).order_by(Account.id).limit(1))
            if found is not None:
                return found
    return None
