"""The request lifecycle — ask, decide once, cancel, reroute — and its read side, on SQLite and
PostgreSQL: who may act, what each step changes, and what it owes people in Slack.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import NoResultFound

from store import ledger
from store.act import Act
from store.db import Database
from store.errors import AlreadySettled, Blocked, Gone, Invalid, NeedsOverride, NotAllowed
from store.models import (
    Advocate,
    Blackout,
    Delivery,
    EntryKind,
    LedgerEntry,
    ReferenceRequest,
    RequestStatus,
)
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.requests import asking, cards, deciding, rerouting
from store.requests.asking import Draft, Submitted
from store.requests.deciding import Decided
from store.rules.checklist import Verdict
from store.rules.policy import Policy
from tests.support import store_seed

OWNER, SELLER, BYSTANDER = "U0OWNER01", "U0SELLER1", "U0NOBODY1"
ADMIN, ADMIN2, ADMIN3 = "U0ADMIN01", "U0ADMIN02", "U0ADMIN03"
ADMINS = frozenset({ADMIN2, ADMIN})


# --- set-up and read-back ------------------------------------------------------------------------


def add_account(
    db: Database, name: str = "Acme Corp", industry: str = "Banking", owner: str | None = OWNER, **fields: Any
) -> int:
    with db.transaction() as session:
        return store_seed.account(session, name, industry, owner_slack_id=owner, **fields)


def add_advocate(
    db: Database, account_id: int, name: str = "Jane Doe", activities: str = "reference_call"
) -> int:
    with db.transaction() as session:
        return store_seed.advocate(session, account_id, name, activities)


def adjust(db: Database, account_id: int, amount: int, on: dt.date) -> None:
    with db.transaction() as session:
        store_seed.entry(session, account_id, EntryKind.ADJUSTMENT, amount, on, actor=ADMIN)


def ask(
    db: Database,
    policy: Policy,
    now: dt.datetime,
    account_id: int | None,
    *,
    source_key: str = "view:V1",
    admins: frozenset[str] = ADMINS,
    **draft: Any,
) -> Submitted:
    draft.setdefault("activity", "reference_call")
    return asking.submit(
        db,
        policy,
        Draft(account_id=account_id, **draft),
        Act(SELLER, admins, now, now.date()),
        source_key=source_key,
    )


def decide(
    db: Database,
    policy: Policy,
    now: dt.datetime,
    request_id: int,
    actor: str,
    *,
    approve: bool = True,
    reason: str | None = None,
    override_reason: str | None = None,
) -> Decided:
    return deciding.decide(
        db,
        policy,
        request_id,
        Act(actor, ADMINS, now, now.date()),
        approve=approve,
        reason=reason,
        override_reason=override_reason,
        advocate_id=_someone_to_ask(db, request_id) if approve else None,
    )


def _someone_to_ask(db: Database, request_id: int) -> int | None:
    try:
        return store_seed.someone_to_ask(db, request_id)
    except NoResultFound:  # no such request: the decision itself says so
        return None


def cancel(db: Database, now: dt.datetime, request_id: int, actor: str) -> Decided:
    return deciding.cancel(db, request_id, Act(actor, ADMINS, now, now.date()))


def stored(db: Database, request_id: int) -> ReferenceRequest:
    with db.transaction() as session:
        return session.get_one(ReferenceRequest, request_id)


def balance(db: Database, policy: Policy, account_id: int) -> int:
    with db.transaction() as session:
        return ledger.balance(session, policy.opening_balance, account_id)


def asks_for(db: Database, request_id: int) -> list[LedgerEntry]:
    with db.transaction() as session:
        return list(
            session.scalars(
                select(LedgerEntry).where(
                    LedgerEntry.request_id == request_id, LedgerEntry.kind == EntryKind.ASK
                )
            )
        )


def owed(db: Database) -> dict[str, tuple[str, str]]:
    """Every delivery owed: key → (kind, recipient)."""
    with db.transaction() as session:
        return {d.key: (d.kind, d.recipient) for d in session.scalars(select(Delivery))}


def request_count(db: Database) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(ReferenceRequest)) or 0)


def blocked_account(db: Database, now: dt.datetime, **fields: Any) -> int:
    """An account whose balance (1) cannot pay for a reference call (3): a ⛔ rule applies."""
    account = add_account(db, **fields)
    adjust(db, account, -2, now.date())
    return account


# --- submit --------------------------------------------------------------------------------------


def test_a_request_goes_to_the_owner_and_the_requester_gets_a_receipt(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = add_account(db)
    jane = add_advocate(db, acme)

    submitted = ask(
        db,
        policy,
        now,
        acme,
        advocate_id=jane,
        opportunity_name="Big Bank renewal",
        amount=Decimal("120000"),
        crm_link="https://crm.example/opp/1",
        prospect_industry="Banking",
        needed_by=now.date() + dt.timedelta(days=7),
        context="They want to hear about the migration.",
    )

    rid = submitted.request_id
    assert submitted.created and submitted.deciders == (OWNER,)
    assert submitted.overseers == (ADMIN, ADMIN2)
    assert submitted.delivery_keys == (
        f"decide:{rid}:{OWNER}",
        f"override:{rid}:{ADMIN}",
        f"override:{rid}:{ADMIN2}",
        f"confirm:{rid}",
    )
    assert owed(db) == {
        f"decide:{rid}:{OWNER}": (DeliveryKind.DECISION_REQUEST, OWNER),
        f"override:{rid}:{ADMIN}": (DeliveryKind.OVERRIDE_REQUEST, ADMIN),
        f"override:{rid}:{ADMIN2}": (DeliveryKind.OVERRIDE_REQUEST, ADMIN2),
        f"confirm:{rid}": (DeliveryKind.CONFIRMATION, SELLER),
    }
    row = stored(db, rid)
    assert (row.status, row.decider_id, row.requester_id, row.cost) == (
        RequestStatus.PENDING,
        OWNER,
        SELLER,
        3,
    )
    assert (row.advocate_id, row.amount, row.crm_link) == (
        jane,
        Decimal("120000"),
        "https://crm.example/opp/1",
    )
    assert row.needed_by == now.date() + dt.timedelta(days=7) and row.created_at == now
    assert balance(db, policy, acme) == 3, "asking debits nothing; approving does"


def test_the_same_modal_submitted_twice_creates_one_request(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = add_account(db)
    first = ask(db, policy, now, acme, source_key="view:V1")
    before = owed(db)

    again = ask(db, policy, now, acme, source_key="view:V1")

    assert again == Submitted(first.request_id, (), (), created=False)
    assert request_count(db) == 1 and owed(db) == before


def test_the_same_modal_submitted_several_times_at_once_creates_one_request(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    """Slack's retry while the first copy is still saving: every copy answers with the one request
    (none with the error a broken unique key would be)."""
    acme = add_account(db)
    answers: list[Submitted] = []
    start = threading.Barrier(4)

    def send() -> None:
        start.wait()
        answers.append(ask(db, policy, now, acme, source_key="view:V1"))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(answers) == 4 and len({a.request_id for a in answers}) == 1
    assert sum(a.created for a in answers) == 1 and request_count(db) == 1


def test_another_modal_makes_another_request(db: Database, policy: Policy, now: dt.datetime) -> None:
    acme = add_account(db)
    first = ask(db, policy, now, acme, source_key="view:V1")

    second = ask(db, policy, now, acme, source_key="view:V2")

    assert second.created and second.request_id != first.request_id and request_count(db) == 2


def test_an_account_without_an_owner_in_slack_goes_to_the_admins(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    initech = add_account(db, "Initech", owner=None)

    submitted = ask(db, policy, now, initech)

    rid = submitted.request_id
    assert submitted.deciders == (ADMIN, ADMIN2)
    assert submitted.delivery_keys == (f"decide:{rid}:{ADMIN}", f"decide:{rid}:{ADMIN2}", f"confirm:{rid}")
    assert stored(db, rid).decider_id is None


def test_the_admins_are_owed_an_override_dm_blocked_or_not_without_the_checklist_on_the_submit(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    """Whether a ⛔ rule blocks is worked out when the override DM goes out (its renderer), so a
    blocked request and a clear one are saved alike: the owner decides, the admins may override."""
    blocked = ask(db, policy, now, blocked_account(db, now), source_key="view:B")
    clear = ask(db, policy, now, add_account(db, "Clear Ltd"), source_key="view:C")

    for submitted in (blocked, clear):
        assert (submitted.deciders, submitted.overseers) == ((OWNER,), (ADMIN, ADMIN2))
        assert stored(db, submitted.request_id).decider_id == OWNER


def test_an_owner_who_is_also_an_admin_is_not_owed_an_override_too(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = blocked_account(db, now, owner=ADMIN)
    submitted = ask(db, policy, now, acme)
    assert (submitted.deciders, submitted.overseers) == ((ADMIN,), (ADMIN2,))
    assert f"override:{submitted.request_id}:{ADMIN}" not in owed(db)


def test_a_bad_draft_is_refused_with_every_problem_at_once_and_saves_nothing(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    with pytest.raises(Invalid) as refused:
        ask(
            db,
            policy,
            now,
            None,
            activity="skydiving",
            amount=Decimal("-5"),
            crm_link="crm.example/opp",
            needed_by=now.date() - dt.timedelta(days=1),
        )

    assert refused.value.errors == {
        "account": "Pick an account.",
        "activity": "That activity is no longer offered. Pick another one.",
        "amount": "The amount cannot be negative.",
        "crm_link": "Enter a full link starting with https://, without spaces or < > |",
        "needed_by": "The date is in the past. Pick today or a later date.",
    }
    assert request_count(db) == 0 and owed(db) == {}


def test_an_account_that_no_longer_exists_and_no_activity_are_refused(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    with pytest.raises(Invalid) as refused:
        ask(db, policy, now, 999_999, activity=None, amount=Decimal("1e13"))
    assert refused.value.errors == {
        "account": "That account no longer exists. Pick another one.",
        "activity": "Pick an activity.",
        "amount": "That amount is too large.",
    }


def test_an_advocate_must_be_at_the_account_and_willing(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme, globex = add_account(db), add_account(db, "Globex")
    sam = add_advocate(db, acme, "Sam Roe", "logo;quote")
    elsewhere = add_advocate(db, globex, "Gina Lo")

    with pytest.raises(Invalid) as unwilling:
        ask(db, policy, now, acme, advocate_id=sam)
    with pytest.raises(Invalid) as not_there:
        ask(db, policy, now, acme, advocate_id=elsewhere, source_key="view:V2")

    assert unwilling.value.errors == {"advocate": "Sam Roe is not willing to do this activity."}
    assert not_there.value.errors == {"advocate": "That advocate is not at this account."}
    assert request_count(db) == 0


def test_today_is_a_valid_needed_by_date(db: Database, policy: Policy, now: dt.datetime) -> None:
    submitted = ask(db, policy, now, add_account(db), needed_by=now.date())
    assert stored(db, submitted.request_id).needed_by == now.date()


# --- decide --------------------------------------------------------------------------------------


def test_the_owner_s_approval_debits_the_ledger_once(db: Database, policy: Policy, now: dt.datetime) -> None:
    acme = add_account(db)
    jane = add_advocate(db, acme)
    rid = ask(db, policy, now, acme, advocate_id=jane, opportunity_name="Big Bank").request_id

    decided = decide(db, policy, now, rid, OWNER)

    assert (decided.request_id, decided.status, decided.decided_by) == (rid, RequestStatus.APPROVED, OWNER)
    assert decided.delivery_keys == (
        f"outcome:{rid}:approved",
        f"refresh:{rid}:approved",
        f"home_refresh:{OWNER}:{rid}:approved",
        f"home_refresh:{SELLER}:{rid}:approved",
        f"consent-ask:{rid}",
    )
    assert owed(db)[f"outcome:{rid}:approved"] == (DeliveryKind.OUTCOME, SELLER)
    row = stored(db, rid)
    assert (row.status, row.decided_by, row.decided_at, row.override_reason) == ("approved", OWNER, now, None)
    assert balance(db, policy, acme) == 0
    [entry] = asks_for(db, rid)
    assert (entry.amount, entry.item, entry.advocate_id, entry.actor_id) == (
        -3,
        "reference_call",
        jane,
        OWNER,
    )
    assert (entry.occurred_on, entry.note, entry.reason) == (now.date(), "Big Bank", None)


def test_a_second_decision_is_told_who_won_and_changes_nothing(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = add_account(db)
    rid = ask(db, policy, now, acme).request_id
    decide(db, policy, now, rid, OWNER)
    before = owed(db)

    with pytest.raises(AlreadySettled) as again:
        decide(db, policy, now + dt.timedelta(minutes=1), rid, OWNER)
    with pytest.raises(AlreadySettled) as admin_late:
        decide(db, policy, now, rid, ADMIN, approve=False, reason="Too late")

    assert (again.value.status, again.value.by) == (RequestStatus.APPROVED, OWNER)
    assert (admin_late.value.status, admin_late.value.by) == (RequestStatus.APPROVED, OWNER)
    assert len(asks_for(db, rid)) == 1 and balance(db, policy, acme) == 0
    assert stored(db, rid).decided_at == now and owed(db) == before


def test_an_approval_after_a_decline_is_told_it_was_declined(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = add_account(db)
    rid = ask(db, policy, now, acme).request_id
    decide(db, policy, now, rid, OWNER, approve=False, reason="Renewal talks")

    with pytest.raises(AlreadySettled) as late:
        decide(db, policy, now, rid, ADMIN)

    assert (late.value.status, late.value.by) == (RequestStatus.DECLINED, OWNER)
    assert balance(db, policy, acme) == 3


@pytest.mark.parametrize("reason", [None, "", "   \n "])
def test_a_decline_needs_a_reason(db: Database, policy: Policy, now: dt.datetime, reason: str | None) -> None:
    rid = ask(db, policy, now, add_account(db)).request_id

    with pytest.raises(Invalid) as refused:
        decide(db, policy, now, rid, OWNER, approve=False, reason=reason)

    assert refused.value.errors == {"reason": "Write a reason: the requester will read it."}
    assert stored(db, rid).status == RequestStatus.PENDING


def test_a_decline_records_the_reason_and_debits_nothing(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = add_account(db)
    rid = ask(db, policy, now, acme).request_id

    decided = decide(db, policy, now, rid, OWNER, approve=False, reason="  Renewal talks this month \n")

    assert decided.status == RequestStatus.DECLINED and f"outcome:{rid}:declined" in decided.delivery_keys
    row = stored(db, rid)
    assert (row.status, row.decided_by, row.decision_reason) == (
        "declined",
        OWNER,
        "Renewal talks this month",
    )
    assert asks_for(db, rid) == [] and balance(db, policy, acme) == 3


def test_someone_else_cannot_decide_and_is_told_who_can(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = add_account(db)
    rid = ask(db, policy, now, acme).request_id

    with pytest.raises(NotAllowed) as refused:
        decide(db, policy, now, rid, BYSTANDER)
    with pytest.raises(NotAllowed):
        decide(db, policy, now, rid, SELLER, approve=False, reason="I changed my mind")

    assert (refused.value.act, refused.value.people) == ("decide this", (OWNER,))
    assert stored(db, rid).status == RequestStatus.PENDING and balance(db, policy, acme) == 3


def test_only_admins_decide_for_an_account_without_owner(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    initech = add_account(db, "Initech", owner=None)
    rid = ask(db, policy, now, initech).request_id

    with pytest.raises(NotAllowed) as refused:
        decide(db, policy, now, rid, BYSTANDER)
    decided = decide(db, policy, now, rid, ADMIN2)

    assert refused.value.people == ()
    assert decided.status == RequestStatus.APPROVED and stored(db, rid).decided_by == ADMIN2


def test_an_admin_may_approve_an_unblocked_request_without_a_reason(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    rid = ask(db, policy, now, add_account(db)).request_id

    decide(db, policy, now, rid, ADMIN, override_reason="not needed")

    row = stored(db, rid)
    assert (row.status, row.decided_by, row.override_reason) == ("approved", ADMIN, None)
    assert asks_for(db, rid)[0].reason is None


def test_an_admin_s_plain_approve_of_a_blocked_request_needs_an_override(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = blocked_account(db, now)
    rid = ask(db, policy, now, acme).request_id

    with pytest.raises(NeedsOverride):
        decide(db, policy, now, rid, ADMIN)

    assert stored(db, rid).status == RequestStatus.PENDING and balance(db, policy, acme) == 1


def test_the_owner_cannot_approve_a_blocked_request_but_can_decline_it(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = blocked_account(db, now)
    rid = ask(db, policy, now, acme).request_id

    with pytest.raises(NotAllowed) as refused:
        decide(db, policy, now, rid, OWNER, override_reason="I insist")
    decline = decide(db, policy, now, rid, OWNER, approve=False, reason="No equity left")

    assert (refused.value.act, refused.value.people, refused.value.why) == (
        "approve this",
        (),
        "a ⛔ rule blocks it",
    )
    assert decline.status == RequestStatus.DECLINED and balance(db, policy, acme) == 1


def test_an_owner_who_picks_someone_a_rule_protects_is_asked_to_pick_someone_else(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = add_account(db)
    jane, bob = add_advocate(db, acme), add_advocate(db, acme, "Bob Free")
    adjust(db, acme, 3, now.date())
    with db.transaction() as session:  # Jane was asked a week ago: she rests
        store_seed.asked(session, acme, jane, now.date() - dt.timedelta(days=7))
    rid = ask(db, policy, now, acme).request_id
    owner_now = Act(OWNER, ADMINS, now, now.date())

    with pytest.raises(Invalid) as refused:
        deciding.decide(db, policy, rid, owner_now, approve=True, advocate_id=jane)
    approved = deciding.decide(db, policy, rid, owner_now, approve=True, advocate_id=bob)

    [(field, words)] = refused.value.errors.items()
    assert field == "advocate" and words.startswith("The advocate you picked cannot be asked now (resting")
    assert words.endswith("Pick someone else.")
    assert approved.status == RequestStatus.APPROVED and stored(db, rid).advocate_id == bob


def test_no_one_can_approve_asking_an_advocate_removed_from_the_program(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    # a picker opened before Jane was removed, submitted after
    acme = add_account(db)
    jane = add_advocate(db, acme)
    rid = ask(db, policy, now, acme).request_id
    with db.transaction() as session:
        session.get(Advocate, jane).forgotten_at = now  # type: ignore[union-attr]

    for who in (OWNER, ADMIN):
        with pytest.raises(Invalid) as refused:
            deciding.decide(
                db,
                policy,
                rid,
                Act(who, ADMINS, now, now.date()),
                approve=True,
                advocate_id=jane,
                override_reason="x",
            )
        assert list(refused.value.errors) == ["advocate"]
    assert stored(db, rid).status == RequestStatus.PENDING and stored(db, rid).advocate_id is None


def test_an_owner_whose_every_pick_a_rule_protects_by_the_needed_by_date_is_refused_for_the_admins(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    # Bob rests; Jane asked not to be asked on the day the ask is needed by: nobody can be picked
    acme = add_account(db)
    jane, bob = add_advocate(db, acme), add_advocate(db, acme, "Bob Rested")
    adjust(db, acme, 3, now.date())
    needed_by = now.date() + dt.timedelta(days=3)
    with db.transaction() as session:
        session.add(
            Blackout(advocate_id=jane, starts_on=needed_by, ends_on=needed_by, note="away", created_at=now)
        )
        store_seed.asked(session, acme, bob, now.date() - dt.timedelta(days=7))
    rid = ask(db, policy, now, acme, needed_by=needed_by).request_id
    owner_now = Act(OWNER, ADMINS, now, now.date())

    for pick in (jane, bob):
        with pytest.raises(Blocked):  # not "pick someone else": there is nobody else to pick
            deciding.decide(db, policy, rid, owner_now, approve=True, advocate_id=pick)

    assert stored(db, rid).status == RequestStatus.PENDING and stored(db, rid).advocate_id is None


@pytest.mark.parametrize("reason", ["", "  "])
def test_an_override_needs_a_written_reason(
    db: Database, policy: Policy, now: dt.datetime, reason: str
) -> None:
    acme = blocked_account(db, now)
    rid = ask(db, policy, now, acme).request_id

    with pytest.raises(Invalid) as refused:
        decide(db, policy, now, rid, ADMIN, override_reason=reason)

    assert refused.value.errors == {"reason": "Write why this ask should go ahead anyway."}
    assert stored(db, rid).status == RequestStatus.PENDING


def test_an_override_keeps_its_reason_on_the_request_and_the_ledger(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = blocked_account(db, now)
    rid = ask(db, policy, now, acme).request_id

    decided = decide(db, policy, now, rid, ADMIN, override_reason=" Strategic deal, CEO asked ")

    assert decided.status == RequestStatus.APPROVED
    row = stored(db, rid)
    assert (row.decided_by, row.override_reason) == (ADMIN, "Strategic deal, CEO asked")
    [entry] = asks_for(db, rid)
    assert (entry.amount, entry.reason, entry.actor_id) == (-3, "Strategic deal, CEO asked", ADMIN)
    assert balance(db, policy, acme) == -2


def test_deciding_a_request_that_does_not_exist_is_gone(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    with pytest.raises(Gone):
        decide(db, policy, now, 424242, OWNER)


def test_two_simultaneous_approvals_debit_once(db: Database, policy: Policy, now: dt.datetime) -> None:
    acme = add_account(db)
    add_advocate(db, acme)  # both approvers name her
    rid = ask(db, policy, now, acme).request_id
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def click(actor: str) -> None:
        start.wait()
        try:
            outcomes.append(decide(db, policy, now, rid, actor).status)
        except AlreadySettled as settled:
            outcomes.append(f"already {settled.status}")

    threads = [threading.Thread(target=click, args=(actor,)) for actor in (OWNER, ADMIN)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(outcomes) == ["already approved", "approved"]
    assert len(asks_for(db, rid)) == 1 and balance(db, policy, acme) == 0


# --- cancel --------------------------------------------------------------------------------------


def test_the_requester_cancels_a_pending_request(db: Database, policy: Policy, now: dt.datetime) -> None:
    acme = add_account(db)
    rid = ask(db, policy, now, acme).request_id

    cancelled = cancel(db, now, rid, SELLER)

    assert (cancelled.status, cancelled.decided_by) == (RequestStatus.CANCELLED, SELLER)
    assert cancelled.delivery_keys[0] == f"refresh:{rid}:cancelled"
    assert f"home_refresh:{OWNER}:{rid}:cancelled" in cancelled.delivery_keys
    row = stored(db, rid)
    assert (row.status, row.decided_by, row.decided_at) == ("cancelled", SELLER, now)
    assert asks_for(db, rid) == [] and balance(db, policy, acme) == 3


def test_an_admin_may_cancel_for_the_requester(db: Database, policy: Policy, now: dt.datetime) -> None:
    rid = ask(db, policy, now, add_account(db)).request_id
    assert cancel(db, now, rid, ADMIN).decided_by == ADMIN


@pytest.mark.parametrize("actor", [OWNER, BYSTANDER])
def test_nobody_else_may_cancel(db: Database, policy: Policy, now: dt.datetime, actor: str) -> None:
    rid = ask(db, policy, now, add_account(db)).request_id

    with pytest.raises(NotAllowed) as refused:
        cancel(db, now, rid, actor)

    assert (refused.value.act, refused.value.people) == ("cancel this request", (SELLER,))
    assert stored(db, rid).status == RequestStatus.PENDING


def test_cancelling_after_a_decision_is_too_late(db: Database, policy: Policy, now: dt.datetime) -> None:
    acme = add_account(db)
    rid = ask(db, policy, now, acme).request_id
    decide(db, policy, now, rid, OWNER)

    with pytest.raises(AlreadySettled) as late:
        cancel(db, now, rid, SELLER)

    assert (late.value.status, late.value.by) == (RequestStatus.APPROVED, OWNER)
    assert stored(db, rid).status == RequestStatus.APPROVED and balance(db, policy, acme) == 0


def test_a_cancelled_request_can_be_neither_cancelled_again_nor_decided(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = add_account(db)
    rid = ask(db, policy, now, acme).request_id
    cancel(db, now, rid, SELLER)

    with pytest.raises(AlreadySettled) as twice:
        cancel(db, now, rid, SELLER)
    with pytest.raises(AlreadySettled) as decided:
        decide(db, policy, now, rid, OWNER)

    assert (twice.value.status, twice.value.by) == (RequestStatus.CANCELLED, SELLER)
    assert (decided.value.status, decided.value.by) == (RequestStatus.CANCELLED, SELLER)
    assert balance(db, policy, acme) == 3


def test_cancelling_a_request_that_does_not_exist_is_gone(db: Database, now: dt.datetime) -> None:
    with pytest.raises(Gone):
        cancel(db, now, 424242, SELLER)


# --- check_decider -------------------------------------------------------------------------------


def test_the_owner_and_the_admins_may_open_a_reason_modal(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    rid = ask(db, policy, now, add_account(db)).request_id

    for decider in (OWNER, ADMIN, ADMIN2):
        assert deciding.check_decider(db, rid, Act(decider, ADMINS, now, now.date())) is None


def test_someone_else_may_not_open_a_reason_modal(db: Database, policy: Policy, now: dt.datetime) -> None:
    rid = ask(db, policy, now, add_account(db)).request_id

    with pytest.raises(NotAllowed) as refused:
        deciding.check_decider(db, rid, Act(BYSTANDER, ADMINS, now, now.date()))

    assert refused.value.people == (OWNER,)


def test_a_decided_request_opens_no_reason_modal(db: Database, policy: Policy, now: dt.datetime) -> None:
    rid = ask(db, policy, now, add_account(db)).request_id
    decide(db, policy, now, rid, OWNER, approve=False, reason="No")

    with pytest.raises(AlreadySettled) as settled:
        deciding.check_decider(db, rid, Act(ADMIN, ADMINS, now, now.date()))
    with pytest.raises(NotAllowed):
        deciding.check_decider(
            db, rid, Act(BYSTANDER, ADMINS, now, now.date())
        )  # who asks is checked before the state

    assert (settled.value.status, settled.value.by) == (RequestStatus.DECLINED, OWNER)


def test_checking_a_request_that_does_not_exist_is_gone(db: Database, now: dt.datetime) -> None:
    with pytest.raises(Gone):
        deciding.check_decider(db, 424242, Act(OWNER, ADMINS, now, now.date()))


# --- reroute_to_admins ---------------------------------------------------------------------------


def test_an_unreachable_owner_hands_the_decision_to_the_admins(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    rid = ask(db, policy, now, add_account(db)).request_id

    keys = rerouting.reroute_to_admins(db, rid, OWNER, ADMINS | {ADMIN3}, now)

    # the admins owed an override DM get that one as their decision DM; a newer admin a DM of their own
    assert keys == (
        f"override:{rid}:{ADMIN}",
        f"override:{rid}:{ADMIN2}",
        f"decide:{rid}:{ADMIN3}",
        f"refresh:{rid}:rerouted:{OWNER}",
    )
    assert f"decide:{rid}:{ADMIN}" not in owed(db)
    assert owed(db)[f"decide:{rid}:{ADMIN3}"] == (DeliveryKind.DECISION_REQUEST, ADMIN3)
    assert owed(db)[f"refresh:{rid}:rerouted:{OWNER}"] == (DeliveryKind.REFRESH, SELLER)
    assert stored(db, rid).decider_id is None
    card = cards.card(db, policy, rid, now.date())
    assert card is not None and card.admins_decide and not card.blocked
    assert decide(db, policy, now, rid, ADMIN2).status == RequestStatus.APPROVED


def override_row(db: Database, key: str, **values: Any) -> Delivery:
    """The override DM's row, after setting `values` on it (the state a sender left it in)."""
    with db.transaction() as session:
        row = session.scalars(select(Delivery).where(Delivery.key == key)).one()
        for name, value in values.items():
            setattr(row, name, value)
    with db.transaction(readonly=True) as session:
        return session.scalars(select(Delivery).where(Delivery.key == key)).one()


def test_rerouting_renders_afresh_each_override_dm_not_posted_and_leaves_a_posted_one(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    """Came to nothing: owed again. Being sent: its lease ends, so its sender's outcome is not
    recorded and the next claim looks for a post first. Posted: it already holds the buttons."""
    rid = ask(db, policy, now, add_account(db)).request_id
    lease = now + dt.timedelta(minutes=1)
    nothing = override_row(db, f"override:{rid}:{ADMIN}", status="sent", sent_at=now, attempts=1)
    sending = override_row(db, f"override:{rid}:{ADMIN2}", status="sending", lease_until=lease)
    later = now + dt.timedelta(seconds=5)

    rerouting.reroute_to_admins(db, rid, OWNER, ADMINS, later)

    nothing = override_row(db, nothing.key)
    assert (nothing.status, nothing.attempts, nothing.sent_at) == ("pending", 0, None)
    assert nothing.next_attempt_at.replace(tzinfo=dt.UTC) == later
    sending = override_row(db, sending.key)
    moved = lease - dt.timedelta(microseconds=1)
    assert sending.status == "sending" and sending.lease_until.replace(tzinfo=dt.UTC) == moved

    posted = override_row(db, nothing.key, status="sent", channel="D1", ts="1.2")
    rerouting.reroute_to_admins(db, rid, OWNER, ADMINS, later + dt.timedelta(seconds=5))
    assert override_row(db, posted.key).status == "sent"


def test_an_override_dm_being_sent_as_the_owner_is_found_gone_is_fenced_off_and_then_looked_for(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    """Its sender rendered from the state before the reroute (nothing, or a post): that outcome
    is not recorded, and once its lease would have run out the next claim looks for a post."""
    rid = ask(db, policy, now, add_account(db)).request_id
    key = f"override:{rid}:{ADMIN}"
    (job,) = queue.claim_due(db, now, keys=[key])

    rerouting.reroute_to_admins(db, rid, OWNER, ADMINS, now + dt.timedelta(seconds=1))

    assert not queue.mark_sent(db, job, now + dt.timedelta(seconds=2))
    assert queue.claim_due(db, job.lease_until - dt.timedelta(milliseconds=1), keys=[key]) == []
    (again,) = queue.claim_due(db, job.lease_until, keys=[key])
    assert again.maybe_posted


def test_an_unreachable_admin_is_not_asked_again_and_the_owner_stays_decider(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    rid = ask(db, policy, now, add_account(db)).request_id

    keys = rerouting.reroute_to_admins(db, rid, ADMIN2, ADMINS, now)

    assert keys == (f"override:{rid}:{ADMIN}", f"refresh:{rid}:rerouted:{ADMIN2}")
    assert stored(db, rid).decider_id == OWNER


def test_rerouting_twice_owes_each_message_once(db: Database, policy: Policy, now: dt.datetime) -> None:
    rid = ask(db, policy, now, add_account(db)).request_id
    first = rerouting.reroute_to_admins(db, rid, OWNER, ADMINS, now)
    before = owed(db)

    again = rerouting.reroute_to_admins(db, rid, OWNER, ADMINS, now + dt.timedelta(minutes=5))

    assert again == first and owed(db) == before


def test_a_decided_request_is_not_rerouted(db: Database, policy: Policy, now: dt.datetime) -> None:
    rid = ask(db, policy, now, add_account(db)).request_id
    decide(db, policy, now, rid, OWNER)
    before = owed(db)

    assert rerouting.reroute_to_admins(db, rid, OWNER, ADMINS, now) == ()
    assert owed(db) == before and stored(db, rid).decider_id == OWNER


# --- the read side: card and alternatives --------------------------------------------------------


def test_the_card_shows_the_request_as_it_stands(db: Database, policy: Policy, now: dt.datetime) -> None:
    acme = add_account(db)
    jane = add_advocate(db, acme)
    adjust(db, acme, 2, now.date() - dt.timedelta(days=3))
    rid = ask(
        db,
        policy,
        now,
        acme,
        advocate_id=jane,
        opportunity_name="Big Bank",
        prospect_industry="Banking",
        context="Migration",
    ).request_id

    card = cards.card(db, policy, rid, now.date())

    assert card is not None
    assert (card.id, card.status, card.account_id, card.account_name) == (rid, "pending", acme, "Acme Corp")
    assert (card.owner_id, card.requester_id, card.activity_name, card.cost) == (
        OWNER,
        SELLER,
        "Reference call with a prospect",
        3,
    )
    assert (card.advocate_name, card.opportunity_name, card.context) == ("Jane Doe", "Big Bank", "Migration")
    assert (card.balance, card.balance_after, card.pending, card.blocked) == (5, 2, True, False)
    assert [(line.kind, line.what, line.amount, line.actor_id) for line in card.history] == [
        ("adjustment", "", 2, ADMIN)
    ]
    assert {check.rule: check.verdict for check in card.checks}["balance"] is Verdict.OK
    assert "advocate_rest" in {check.rule for check in card.checks}


def test_a_decided_card_has_its_outcome_and_no_checklist(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = blocked_account(db, now)
    rid = ask(db, policy, now, acme).request_id
    decide(db, policy, now, rid, ADMIN, override_reason="CEO asked")

    card = cards.card(db, policy, rid, now.date())

    assert card is not None
    assert (card.status, card.decided_by, card.decided_at, card.override_reason) == (
        "approved",
        ADMIN,
        now,
        "CEO asked",
    )
    assert card.checks == [] and not card.blocked and not card.pending
    assert card.balance == -2
    assert (card.history[0].kind, card.history[0].what, card.history[0].amount) == (
        "ask",
        "Reference call with a prospect",
        -3,
    )


def test_a_pending_blocked_card_says_so(db: Database, policy: Policy, now: dt.datetime) -> None:
    rid = ask(db, policy, now, blocked_account(db, now)).request_id
    card = cards.card(db, policy, rid, now.date())
    assert card is not None and card.blocked
    assert [c.rule for c in card.checks if c.verdict is Verdict.BLOCKING] == ["balance"]


def test_the_card_of_a_request_that_does_not_exist_is_none(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    assert cards.card(db, policy, 424242, now.date()) is None


def test_cards_read_together_are_each_request_s_card(db: Database, policy: Policy, now: dt.datetime) -> None:
    """App Home reads its decisions in one go (`cards.cards`, checklists batched): each is the card
    the request's own message shows, in the order asked, without the requests that are gone."""
    acme = add_account(db)
    jane = add_advocate(db, acme)
    add_advocate(db, acme, "Joe Roe")
    named = ask(db, policy, now, acme, advocate_id=jane, source_key="view:1").request_id
    unnamed = ask(db, policy, now, acme, source_key="view:2").request_id
    other = add_account(db, "Globex")
    add_advocate(db, other, "Gina Lo")
    other_pending = ask(db, policy, now, other, source_key="view:3").request_id
    blocked = ask(db, policy, now, blocked_account(db, now, name="Broke Ltd"), source_key="view:4").request_id
    decided = ask(db, policy, now, blocked_account(db, now, name="Paid Ltd"), source_key="view:5").request_id
    decide(db, policy, now, decided, ADMIN, override_reason="CEO asked")
    asked = [blocked, named, 424242, decided, unnamed, other_pending]

    together = cards.cards(db, policy, asked, now.date())

    one_by_one = [cards.card(db, policy, rid, now.date()) for rid in asked]
    assert together == [card for card in one_by_one if card is not None]
    assert [card.id for card in together] == [blocked, named, decided, unnamed, other_pending]
    assert together[0].blocked and together[1].checks and not together[2].checks


def test_cards_read_together_never_ask_an_advocate_removed_from_the_program(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    """A pending request may still name an advocate who was then removed ("Remove me"): the
    account's other request, naming nobody, reads none of its advocates, together or alone."""
    acme = add_account(db)
    jane = add_advocate(db, acme)
    named = ask(db, policy, now, acme, advocate_id=jane, source_key="view:1").request_id
    unnamed = ask(db, policy, now, acme, source_key="view:2").request_id
    with db.transaction() as session:
        removed = session.get_one(Advocate, jane)
        removed.forgotten_at, removed.activities = now, "logo"  # and no longer one to ask for a call

    together = cards.cards(db, policy, [named, unnamed], now.date())

    assert together == [cards.card(db, policy, rid, now.date()) for rid in (named, unnamed)]
    assert "advocate_rest" not in {check.rule for check in together[1].checks}  # nobody read for it


def test_the_card_keeps_at_most_the_last_entries(db: Database, policy: Policy, now: dt.datetime) -> None:
    acme = add_account(db)
    for days in range(8):
        adjust(db, acme, 1, now.date() - dt.timedelta(days=days))
    rid = ask(db, policy, now, acme).request_id

    card = cards.card(db, policy, rid, now.date(), history=5)

    assert card is not None and len(card.history) == 5 and card.balance == 11


def test_alternatives_are_affordable_active_accounts_of_the_same_industry_best_first(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = add_account(db, "Acme Corp", "Banking")
    globex = add_account(db, "Globex", "banking ")
    add_advocate(db, globex, "Gina Lo")
    hooli = add_account(db, "Hooli", "Banking")
    adjust(db, hooli, 4, now.date())
    initrode = add_account(db, "Initrode", "Insurance")  # the prospect's industry
    broke = add_account(db, "Broke Ltd", "Banking")
    adjust(db, broke, -1, now.date())
    add_account(db, "Paused Inc", "Banking", status="paused")
    add_account(db, "Umbrella", "Pharma")
    rid = ask(db, policy, now, acme, prospect_industry="  insurance").request_id

    found = cards.alternatives(db, policy, rid)

    assert [(a.account_id, a.name, a.balance, a.willing_advocates) for a in found] == [
        (globex, "Globex", 3, 1),  # a willing advocate first
        (hooli, "Hooli", 7, 0),  # then the richest
        (initrode, "Initrode", 3, 0),
    ]


def test_alternatives_only_count_advocates_willing_to_do_the_activity(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = add_account(db, "Acme Corp", "Banking")
    globex = add_account(db, "Globex", "Banking")
    add_advocate(db, globex, "Gina Lo", "logo")
    add_advocate(db, globex, "Gus Ho", "reference_call;quote")
    add_advocate(db, globex, "Ann Bo", "reference_call")
    rid = ask(db, policy, now, acme).request_id

    [alternative] = cards.alternatives(db, policy, rid)

    assert (alternative.name, alternative.industry, alternative.willing_advocates) == ("Globex", "Banking", 2)


def test_alternatives_are_limited(db: Database, policy: Policy, now: dt.datetime) -> None:
    acme = add_account(db, "Acme Corp", "Banking")
    for n in range(5):
        add_account(db, f"Bank {n}", "Banking")
    rid = ask(db, policy, now, acme).request_id

    assert [a.name for a in cards.alternatives(db, policy, rid)] == ["Bank 0", "Bank 1", "Bank 2"]
    assert len(cards.alternatives(db, policy, rid, limit=10)) == 5


def test_an_account_without_industry_has_no_alternatives(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    lonely = add_account(db, "Lonely", "")
    add_account(db, "Nameless", "")
    rid = ask(db, policy, now, lonely).request_id
    assert cards.alternatives(db, policy, rid) == []


# --- links --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "link",
    ["https://crm.example/opp?x=<!channel>", "https://crm.example/opp|<!here>", "https://crm.example/a>b"],
)
def test_a_crm_link_that_could_break_out_of_slack_s_link_syntax_is_refused(
    db: Database, policy: Policy, now: dt.datetime, link: str
) -> None:
    with pytest.raises(Invalid) as refused:
        ask(db, policy, now, add_account(db), crm_link=link)
    assert set(refused.value.errors) == {"crm_link"}


def test_the_advocate_picker_offers_first_those_the_checklist_lets_us_ask(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    """Approving a request that named nobody: the first name offered is one the approval can go
    ahead with; someone a ⛔ rule protects comes last, with the reason."""
    acme = add_account(db)
    adjust(db, acme, 20, now.date())
    amy = add_advocate(db, acme, "Amy Asked")
    bob = add_advocate(db, acme, "Bob Free")
    cleo = add_advocate(db, acme, "Cleo Free")
    with db.transaction() as session:
        ledger.post(
            session,
            account_id=acme,
            advocate_id=amy,
            kind=EntryKind.ASK,
            amount=-3,
            item="reference_call",
            actor_id=OWNER,
            now=now,
            occurred_on=now.date() - dt.timedelta(days=10),
        )
    request_id = ask(db, policy, now, acme).request_id

    picks = cards.advocates_to_pick(db, policy, request_id, now.date())

    assert [(p.id, p.verdict) for p in picks] == [
        (bob, Verdict.OK),
        (cleo, Verdict.OK),
        (amy, Verdict.BLOCKING),
    ]
    assert picks[2].label == "Amy Asked" and picks[2].reason
    assert cards.advocates_to_pick(db, policy, 2**31 - 1, now.date()) == []


def test_asking_the_admins_owes_their_override_dms_again_only_while_the_request_is_blocked(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = add_account(db)
    jane = add_advocate(db, acme)
    rid = ask(db, policy, now, acme, advocate_id=jane).request_id
    came_to_nothing = override_row(db, f"override:{rid}:{ADMIN}", status="sent", sent_at=now, attempts=1)
    later = now + dt.timedelta(seconds=5)
    owner_now = Act(OWNER, frozenset({ADMIN, ADMIN3}), later, later.date())  # ADMIN2 no longer one

    assert deciding.ask_admins(db, policy, rid, owner_now) == ()  # nothing blocks it: nothing owed
    assert override_row(db, came_to_nothing.key).status == "sent"

    adjust(db, acme, -2, now.date())  # the balance no longer pays for it
    keys = deciding.ask_admins(db, policy, rid, owner_now)

    assert keys == (f"override:{rid}:{ADMIN}", f"override:{rid}:{ADMIN3}")
    assert override_row(db, came_to_nothing.key).status == "pending"
    assert owed(db)[f"override:{rid}:{ADMIN3}"] == (DeliveryKind.OVERRIDE_REQUEST, ADMIN3)
    assert deciding.ask_admins(db, policy, rid, owner_now) == keys  # asked again: nothing twice
