"""Admin adjustments on SQLite and PostgreSQL: only admins post them, always with a reason, once
per submitted modal; the admin is owed a receipt and the owner a notice."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from store import ledger
from store.accounts import adjustments
from store.accounts.adjustments import OPERATOR, AdjustmentDraft
from store.act import Act
from store.db import Database
from store.errors import Invalid, NotAllowed
from store.models import Account, Delivery, EntryKind, LedgerEntry
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.outbox.payloads import AdjustmentPayload
from store.rules.policy import Policy
from tests.support import store_seed

OWNER, ADMIN, SELLER = "U0OWNER01", "U0ADMIN01", "U0SELLER1"
ADMINS = frozenset({ADMIN})


def add_account(db: Database, name: str = "Acme Corp", owner: str | None = OWNER, crm_id: str = "A-1") -> int:
    with db.transaction() as session:
        return store_seed.account(session, name, "Fintech", owner_slack_id=owner, crm_id=crm_id)


def adjust(
    db: Database,
    policy: Policy,
    draft: AdjustmentDraft,
    now: dt.datetime,
    *,
    by: str = ADMIN,
    source_key: str = "view:V1",
) -> adjustments.Adjusted:
    return adjustments.adjust(db, policy, draft, Act(by, ADMINS, now, now.date()), source_key=source_key)


def entries(db: Database) -> list[LedgerEntry]:
    with db.transaction() as session:
        return list(session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)))


def owed(db: Database) -> dict[str, tuple[str, str]]:
    """Delivery key → (kind, recipient)."""
    with db.transaction() as session:
        return {row.key: (row.kind, row.recipient) for row in session.scalars(select(Delivery))}


def test_an_admin_s_adjustment_keeps_its_reason_and_owes_a_receipt_and_a_notice(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = add_account(db)

    done = adjust(db, policy, AdjustmentDraft(acme, "+5", "  Advisory board seat in 2024  "), now)

    [entry] = entries(db)
    assert (entry.kind, entry.amount, entry.reason, entry.actor_id) == (
        EntryKind.ADJUSTMENT,
        5,
        "Advisory board seat in 2024",
        ADMIN,
    )
    assert entry.occurred_on == now.date()
    assert done.created and done.balance == policy.opening_balance + 5 and done.owner_id == OWNER
    assert done.delivery_keys == ("adjust:view:V1", "adjust:view:V1:owner")
    assert owed(db) == {
        "adjust:view:V1": (DeliveryKind.ADJUSTED, ADMIN),
        "adjust:view:V1:owner": (DeliveryKind.ADJUSTMENT_NOTICE, OWNER),
    }


def test_the_same_modal_submitted_twice_adjusts_once(db: Database, policy: Policy, now: dt.datetime) -> None:
    acme = add_account(db)
    draft = AdjustmentDraft(acme, "-2", "double-counted give")

    first = adjust(db, policy, draft, now)
    again = adjust(db, policy, draft, now)

    assert first.created and not again.created
    assert again.entry_id == first.entry_id and again.balance == policy.opening_balance - 2
    assert len(entries(db)) == 1 and len(owed(db)) == 2


def test_only_a_program_admin_may_adjust(db: Database, policy: Policy, now: dt.datetime) -> None:
    acme = add_account(db)

    with pytest.raises(NotAllowed) as refused:
        adjust(db, policy, AdjustmentDraft(acme, "10", "I asked too much"), now, by=OWNER)

    assert refused.value.act == "adjust an account's balance" and refused.value.people == ()
    assert entries(db) == [] and owed(db) == {}


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("5", 5),
        ("+5", 5),
        ("-3", -3),
        ("−3", -3),
        (" - 7 ", -7),
        ("1000", 1000),
        ("-1000", -1000),
        ("007", 7),
    ],
)
def test_an_amount_is_a_whole_number_either_way(
    db: Database, policy: Policy, now: dt.datetime, typed: str, amount: int
) -> None:
    acme = add_account(db)

    done = adjust(db, policy, AdjustmentDraft(acme, typed, "correction"), now)

    assert done.amount == amount


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "whole number"),
        ("five", "whole number"),
        ("2.5", "whole number"),
        ("0", "changes nothing"),
        ("-0", "changes nothing"),
        ("1001", "between -1000 and +1000"),
        ("-99999999999999999999999", "between -1000 and +1000"),
    ],
)
def test_an_amount_that_is_not_one_is_refused_on_its_input(
    db: Database, policy: Policy, now: dt.datetime, typed: str, says: str
) -> None:
    acme = add_account(db)

    with pytest.raises(Invalid) as invalid:
        adjust(db, policy, AdjustmentDraft(acme, typed, "correction"), now)

    assert set(invalid.value.errors) == {"amount"} and says in invalid.value.errors["amount"]
    assert entries(db) == []


def test_every_missing_field_is_named(db: Database, policy: Policy, now: dt.datetime) -> None:
    with pytest.raises(Invalid) as nothing:
        adjust(db, policy, AdjustmentDraft(None, "", "   "), now)
    with pytest.raises(Invalid) as gone:
        adjust(db, policy, AdjustmentDraft(999, "4", "x" * (adjustments.REASON_MAX + 1)), now)

    assert set(nothing.value.errors) == {"account", "amount", "reason"}
    assert "Say why" in nothing.value.errors["reason"]
    assert gone.value.errors == {
        "account": "That account no longer exists. Pick another one.",
        "reason": f"Keep it under {adjustments.REASON_MAX} characters.",
    }


def test_an_admin_who_owns_the_account_gets_the_receipt_only(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    own = add_account(db, owner=ADMIN)
    orphan = add_account(db, "Orphan", owner=None, crm_id="O-1")

    mine = adjust(db, policy, AdjustmentDraft(own, "3", "kept promise"), now, source_key="view:V1")
    nobody = adjust(db, policy, AdjustmentDraft(orphan, "3", "migrated"), now, source_key="view:V2")

    assert mine.delivery_keys == ("adjust:view:V1",)
    assert nobody.delivery_keys == ("adjust:view:V2",)


def test_at_the_terminal_without_by_the_operator_is_named_and_only_the_owner_told(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = add_account(db)

    done = adjust(
        db, policy, AdjustmentDraft(acme, "4", "carried over"), now, by=OPERATOR, source_key="cli:1"
    )

    assert done.actor_id == OPERATOR and entries(db)[0].actor_id == OPERATOR
    assert owed(db) == {"adjust:cli:1:owner": (DeliveryKind.ADJUSTMENT_NOTICE, OWNER)}


def test_an_account_is_named_by_crm_id_or_name(db: Database) -> None:
    acme = add_account(db)
    globex = add_account(db, "Globex  Inc", owner=None, crm_id="G-1")

    assert adjustments.account_named(db, "a-1") == acme
    assert adjustments.account_named(db, "acme corp") == acme
    assert adjustments.account_named(db, " GLOBEX inc ") == globex
    assert adjustments.account_named(db, "Acme") is None


def test_the_receipt_reads_the_adjustment_as_it_stands(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = add_account(db)
    done = adjust(db, policy, AdjustmentDraft(acme, "5", "award"), now)
    with db.transaction() as session:
        session.get_one(Account, acme).owner_slack_id = None

    later = adjustments.adjusted(db, policy, done.entry_id)

    assert later is not None and later.owner_id is None and later.reason == "award"
    assert adjustments.adjusted(db, policy, done.entry_id + 100) is None


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite never interleaves writers
def test_a_twin_submission_that_commits_first_is_answered_not_doubled(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    """Slack sends the same modal twice at once: the second waits on the first's receipt key,
    rolls its own entry back, and answers with the first's."""
    acme = add_account(db)
    claimed, go = threading.Event(), threading.Event()

    def twin() -> None:
        with db.transaction() as session:
            entry = ledger.post(
                session,
                account_id=acme,
                kind=EntryKind.ADJUSTMENT,
                amount=5,
                actor_id=ADMIN,
                now=now,
                occurred_on=now.date(),
                reason="twin",
            )
            queue.enqueue(
                session,
                key="adjust:view:V1",
                kind=DeliveryKind.ADJUSTED,
                recipient=ADMIN,
                now=now,
                payload=AdjustmentPayload(entry.id),
            )
            claimed.set()
            go.wait(timeout=10)

    first = threading.Thread(target=twin)
    first.start()
    assert claimed.wait(timeout=10)
    threading.Timer(0.5, go.set).start()  # commit while the second waits on the key

    second = adjust(db, policy, AdjustmentDraft(acme, "5", "twin"), now)
    first.join(timeout=10)

    assert not second.created and second.reason == "twin"
    assert [e.amount for e in entries(db)] == [5]


def test_an_account_id_beyond_the_column_is_an_account_that_does_not_exist(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    with pytest.raises(Invalid) as invalid:
        adjust(db, policy, AdjustmentDraft(2**63, "4", "forged"), now)

    assert invalid.value.errors == {"account": "That account no longer exists. Pick another one."}
