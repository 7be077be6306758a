"""Giving back, nudges, decision SLAs and closing the loop, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from store import ledger
from store.act import Act
from store.customer import consent
from store.db import Database
from store.errors import AlreadySettled, Invalid, NotAllowed
from store.giveback import gives, nudges
from store.giveback.gives import ValueDraft
from store.models import Account, Delivery, DeliveryStatus, EntryKind, RequestStatus
from store.requests import asking, deciding, followups
from store.requests.asking import Draft
from store.rules.policy import Policy
from tests.support import store_seed

OWNER, OWNER2, REQUESTER, ADMIN = "UOWNER", "UOWNER2", "UREQ", "UADMIN"
ADMINS = frozenset({ADMIN})


def add_account(db: Database, name: str, owner: str | None, created: dt.datetime) -> int:
    with db.transaction() as session:
        account = Account(
            name=name, name_key=name.lower(), owner_slack_id=owner, created_at=created, updated_at=created
        )
        session.add(account)
        session.flush()
        return account.id


def approved_request(
    db: Database, policy: Policy, account_id: int, now: dt.datetime, needed_by: dt.date | None
) -> int:
    submitted = asking.submit(
        db,
        policy,
        Draft(account_id=account_id, activity="reference_call", needed_by=needed_by),
        Act(REQUESTER, ADMINS, now, now.date()),
        source_key=f"test:{account_id}:{now.isoformat()}",
    )
    deciding.decide(
        db,
        policy,
        submitted.request_id,
        Act(OWNER, ADMINS, now, now.date()),
        approve=True,
        advocate_id=store_seed.someone_to_ask(db, submitted.request_id),
    )
    # the customer said yes (the owner asked in person): "How did it go?" is for confirmed asks
    consent.answer(db, policy, submitted.request_id, "yes", Act(OWNER, ADMINS, now, now.date()))
    return submitted.request_id


def balance(db: Database, policy: Policy, account_id: int) -> int:
    with db.transaction() as session:
        return ledger.balance(session, policy.opening_balance, account_id)


def value_for(account_id: int, now: dt.datetime) -> ValueDraft:
    return ValueDraft(account_id=account_id, value="early_access", note="beta seat", occurred_on=now.date())


def log(
    db: Database, policy: Policy, draft: ValueDraft, actor: str, now: dt.datetime, *, source_key: str = "v"
) -> gives.Logged:
    return gives.log_value(db, policy, draft, Act(actor, ADMINS, now, now.date()), source_key=source_key)


def keys(db: Database) -> set[str]:
    with db.transaction() as session:
        return set(session.scalars(select(Delivery.key)))


def test_logging_value_credits_the_ledger_once_per_submitted_modal(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = add_account(db, "Acme", OWNER, now)
    draft = ValueDraft(account_id=acme, value="early_access", note="beta seat", occurred_on=now.date())

    first = log(db, policy, draft, OWNER, now, source_key="view:V1")
    again = log(db, policy, draft, OWNER, now, source_key="view:V1")

    assert first.created and not again.created
    assert first.balance == again.balance == policy.opening_balance + 3
    assert balance(db, policy, acme) == policy.opening_balance + 3
    assert first.delivery_keys == ("give:view:V1",)


def test_logging_value_reports_every_bad_field(db: Database, policy: Policy, now: dt.datetime) -> None:
    draft = ValueDraft(
        account_id=999, value="gold bars", note=" ", occurred_on=now.date() + dt.timedelta(days=1)
    )
    with pytest.raises(Invalid) as invalid:
        log(db, policy, draft, OWNER, now)
    assert set(invalid.value.errors) == {"account", "value", "note", "occurred_on"}
    assert "future" in invalid.value.errors["occurred_on"]


def test_value_older_than_a_year_is_pointed_at_an_adjustment(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = add_account(db, "Acme", OWNER, now)
    long_ago = now.date() - dt.timedelta(days=400)
    draft = ValueDraft(account_id=acme, value="award", note="2024 award", occurred_on=long_ago)

    with pytest.raises(Invalid) as invalid:
        log(db, policy, draft, OWNER, now)

    assert invalid.value.errors == {
        "occurred_on": "That is more than a year ago: ask a program admin to post an adjustment "
        "(`/reference adjust`)."
    }


@pytest.mark.parametrize("logger", [OWNER, ADMIN])
def test_the_owner_and_the_admins_may_log_value(
    db: Database, policy: Policy, now: dt.datetime, logger: str
) -> None:
    acme = add_account(db, "Acme", OWNER, now)

    logged = log(db, policy, value_for(acme, now), logger, now)

    assert logged.created and logged.actor_id == logger
    assert balance(db, policy, acme) == policy.opening_balance + 3


def test_a_requester_cannot_lift_a_blocked_balance_by_logging_value(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = add_account(db, "Acme", OWNER, now)
    approved_request(db, policy, acme, now, None)  # balance 0: the next reference call is ⛔

    with pytest.raises(NotAllowed) as refused:
        log(db, policy, value_for(acme, now), REQUESTER, now)

    assert refused.value.act == "log value for this account" and refused.value.people == (OWNER,)
    assert balance(db, policy, acme) == policy.opening_balance - 3
    assert not any(key.startswith("give:") for key in keys(db))


def test_a_refusal_comes_before_the_fields_to_fix(db: Database, policy: Policy, now: dt.datetime) -> None:
    acme = add_account(db, "Acme", OWNER, now)
    draft = ValueDraft(account_id=acme, value=None, note="", occurred_on=None)

    with pytest.raises(NotAllowed):
        log(db, policy, draft, OWNER2, now)


def test_only_admins_log_value_for_an_account_without_an_owner_in_slack(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    orphan = add_account(db, "Orphan", None, now)

    with pytest.raises(NotAllowed) as refused:
        log(db, policy, value_for(orphan, now), OWNER, now)
    logged = log(db, policy, value_for(orphan, now), ADMIN, now, source_key="v2")

    assert refused.value.people == ()
    assert logged.balance == policy.opening_balance + 3


def test_nudge_lists_accounts_asked_more_than_given_or_neglected_once_per_week(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    old = now - dt.timedelta(days=200)
    asked = add_account(db, "Asked", OWNER, now)
    balanced = add_account(db, "Balanced", OWNER, now)
    add_account(db, "Neglected", OWNER2, old)
    add_account(db, "Young and quiet", OWNER2, now)
    add_account(db, "No owner", None, old)
    approved_request(db, policy, asked, now, None)
    approved_request(db, policy, balanced, now, None)
    log(db, policy, ValueDraft(balanced, "referral", "intro", now.date()), OWNER, now)

    owed = nudges.owing_accounts(db, policy, now.date())
    assert {owner: [line.name for line in lines] for owner, lines in owed.items()} == {
        OWNER: ["Asked"],
        OWNER2: ["Neglected"],
    }
    first = nudges.owe_nudges(db, policy, now=now, today=now.date())
    later_same_week = nudges.owe_nudges(db, policy, now=now + dt.timedelta(days=1), today=now.date())
    next_week = nudges.owe_nudges(db, policy, now=now, today=now.date() + dt.timedelta(days=7))

    assert sorted(n.key for n in first) == [f"nudge:{OWNER2}:2026-W48", f"nudge:{OWNER}:2026-W48"]
    assert later_same_week == []
    assert len(next_week) == 2


def test_nudge_figures_count_asks_and_gives_beside_their_points_without_asks_that_fell_through(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = add_account(db, "Acme", OWNER, now)
    with db.transaction() as session:
        asks = [
            ledger.post(
                session,
                account_id=acme,
                kind=EntryKind.ASK,
                amount=-3,
                actor_id=OWNER,
                now=now,
                occurred_on=day,
            )
            for day in (now.date(), now.date(), now.date() - dt.timedelta(days=200))
        ]
        ledger.reverse(session, asks[0], actor_id=REQUESTER, now=now, today=now.date(), reason="went dark")
    log(db, policy, value_for(acme, now), OWNER, now)
    quiet = add_account(db, "Quiet", OWNER, now)

    since = now.date() - dt.timedelta(days=policy.rules.give_back_days)
    figures = {line.name: line for line in nudges.nudge_lines(db, policy, [acme, quiet], since)}

    assert (figures["Acme"].asks, figures["Acme"].asked) == (1, 3), "one standing ask in the window"
    assert (figures["Acme"].gives, figures["Acme"].given) == (1, 3)
    assert figures["Acme"].last_give_on == now.date()
    assert (figures["Quiet"].asks, figures["Quiet"].asked, figures["Quiet"].gives) == (0, 0, 0)


def test_sla_reminds_the_decider_then_escalates_to_admins_each_once(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = add_account(db, "Acme", OWNER, now)
    submitted = asking.submit(
        db,
        policy,
        Draft(account_id=acme, activity="logo"),
        Act(REQUESTER, ADMINS, now, now.date()),
        source_key="s",
    )
    rid = submitted.request_id

    def check(hours: float) -> list[str]:
        return followups.owe_sla_reminders(
            db,
            now=now + dt.timedelta(hours=hours),
            sla=dt.timedelta(hours=24),
            escalation=dt.timedelta(hours=48),
            admins=ADMINS,
        )

    assert check(23) == []
    assert check(25) == [f"sla-remind:{rid}"]
    assert check(30) == []
    assert check(49) == [f"sla-escalate:{rid}:{ADMIN}"]
    assert check(100) == []


def test_followup_after_needed_by_with_one_reminder_a_week_later(
    db: Database, policy: Policy, now: dt.datetime
) -> None:
    acme = add_account(db, "Acme", OWNER, now)
    rid = approved_request(db, policy, acme, now, now.date() + dt.timedelta(days=2))

    assert followups.owe_followups(db, now=now, today=now.date() + dt.timedelta(days=2)) == []
    asked_at = now + dt.timedelta(days=3)
    assert followups.owe_followups(db, now=asked_at, today=asked_at.date()) == [f"followup:{rid}"]
    assert followups.owe_followups(db, now=asked_at, today=asked_at.date()) == []
    with db.transaction() as session:
        row = session.scalar(select(Delivery).where(Delivery.key == f"followup:{rid}"))
        assert row is not None
        row.status, row.sent_at = DeliveryStatus.SENT, asked_at
    week_later = asked_at + dt.timedelta(days=7)
    assert followups.owe_followups(db, now=week_later, today=week_later.date()) == [
        f"followup-reminder:{rid}"
    ]
    assert followups.owe_followups(db, now=week_later, today=week_later.date()) == []


def test_fell_through_reverses_the_debit_exactly_once(db: Database, policy: Policy, now: dt.datetime) -> None:
    acme = add_account(db, "Acme", OWNER, now)
    rid = approved_request(db, policy, acme, now, now.date())
    assert balance(db, policy, acme) == policy.opening_balance - 3

    with pytest.raises(NotAllowed):
        followups.mark_fell_through(db, rid, Act(OWNER2, ADMINS, now, now.date()), reason="no")
    with pytest.raises(Invalid):
        followups.mark_fell_through(db, rid, Act(REQUESTER, ADMINS, now, now.date()), reason=" ")
    first = followups.mark_fell_through(
        db, rid, Act(REQUESTER, ADMINS, now, now.date()), reason="prospect went dark"
    )
    with pytest.raises(AlreadySettled) as second:
        followups.mark_fell_through(db, rid, Act(REQUESTER, ADMINS, now, now.date()), reason="again")
    with pytest.raises(AlreadySettled) as done:
        followups.mark_done(db, rid, Act(REQUESTER, ADMINS, now, now.date()))

    assert first.status == RequestStatus.FELL_THROUGH
    # the follow-up question rewritten, and every message about the request (Withdraw goes)
    assert first.delivery_keys == (f"followup-closed:{rid}", f"refresh:{rid}:closed:fell_through")
    assert second.value.status == done.value.status == RequestStatus.FELL_THROUGH
    assert balance(db, policy, acme) == policy.opening_balance
    card = followups.followup_card(db, policy, rid)
    assert card is not None and card.status == RequestStatus.FELL_THROUGH
    assert card.outcome_note == "prospect went dark"
    with db.transaction() as session:
        kinds = [e.kind for e in ledger.history(session, account_id=acme)]
    assert kinds.count(EntryKind.REVERSAL) == 1


def test_done_records_whether_the_deal_moved(db: Database, policy: Policy, now: dt.datetime) -> None:
    acme = add_account(db, "Acme", OWNER, now)
    rid = approved_request(db, policy, acme, now, now.date())

    result = followups.mark_done(
        db, rid, Act(REQUESTER, ADMINS, now, now.date()), deal_moved=True, note="won"
    )

    card = followups.followup_card(db, policy, rid)
    assert result.status == RequestStatus.DONE
    assert card is not None and card.deal_moved is True and card.closed_at == now
    assert balance(db, policy, acme) == policy.opening_balance - 3
    assert f"followup-closed:{rid}" in keys(db)
