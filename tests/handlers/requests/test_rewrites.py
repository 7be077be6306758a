"""A request's messages rewritten as it changes: closed by its requester (**Done**, **Fell
through**), the approval and the customer's yes lose **Withdraw**, which could only refuse then;
rerouted to the admins while a ⛔ rule blocks it, the receipt keeps the accounts that fit."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from handlers.kit.desk import Desk
from handlers.requests.customer_say import REFERRAL_REMOVED
from handlers.requests.renderers import render_refresh
from handlers.routes import ROUTES
from store.act import Act
from store.addresses import AddressKey
from store.bench import erasure
from store.customer import consent
from store.customer.referrals import Colleague
from store.db import Database
from store.models import Advocate
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.outbox.queue import DeliveryJob
from store.requests import asking, followups, rerouting
from store.requests.asking import Draft
from store.rules.policy import Policy
from tests.handlers.requests.test_refresh_wait import NOW, OWNER, SELLER, approved
from tests.support import store_seed
from tests.support.blockkit import assert_valid_message_blocks


def refresh_of(db: Database, keys: tuple[str, ...], at: dt.datetime = NOW) -> DeliveryJob:
    """The rewrite a change owed, claimed as the sender would."""
    [refresh] = [
        job for job in queue.claim_due(db, at, limit=100, keys=list(keys)) if job.kind == DeliveryKind.REFRESH
    ]
    return refresh


def test_done_rewrites_the_approval_without_withdraw(db: Database, policy: Policy) -> None:
    rid = approved(db, policy)
    for number, job in enumerate(queue.claim_due(db, NOW, limit=100)):  # all of it reached Slack
        queue.mark_sent(db, job, NOW, channel="D0SELLER1", ts=f"{number}.000100")
    later = NOW + dt.timedelta(days=2)

    closed = followups.mark_done(db, rid, Act(SELLER, frozenset(), later, later.date()), note="went well")

    desk = Desk(db=db, policy=policy, clock=lambda: later, admins=frozenset(), routes=ROUTES)
    rewrites = render_refresh(desk, refresh_of(db, closed.delivery_keys, later))
    assert rewrites, "the messages already sent are rewritten"
    for message in rewrites:
        assert_valid_message_blocks(message.blocks)
        assert "Withdraw" not in json.dumps([b for b in message.blocks if b["type"] == "actions"])
    assert any("🏁 Done" in json.dumps(message.blocks, ensure_ascii=False) for message in rewrites)


def all_sent(db: Database) -> None:
    """Everything owed so far reached Slack."""
    for number, job in enumerate(queue.claim_due(db, NOW, limit=100)):
        queue.mark_sent(db, job, NOW, channel="D0SOMEONE", ts=f"{number}.000200")


def test_a_blocked_receipt_rewritten_keeps_the_accounts_that_fit(db: Database, policy: Policy) -> None:
    with db.transaction() as session:
        paused = store_seed.account(session, "Acme", "Banking", owner_slack_id=OWNER, status="paused")
        other = store_seed.account(session, "Globex", "Banking", owner_slack_id=OWNER)
        for account_id in (paused, other):
            store_seed.advocate(session, account_id, "Pat Lee", "reference_call")
            store_seed.entry(
                session, account_id, store_seed.EntryKind.GIVE, 10, NOW.date() - dt.timedelta(days=9)
            )
    seller = Act(SELLER, frozenset({"U0ADMIN01"}), NOW, NOW.date())
    draft = Draft(account_id=paused, activity="reference_call")
    rid = asking.submit(db, policy, draft, seller, source_key="view:1").request_id
    all_sent(db)

    keys = rerouting.reroute_to_admins(db, rid, OWNER, frozenset({"U0ADMIN01"}), NOW)

    desk = Desk(db=db, policy=policy, clock=lambda: NOW, admins=frozenset({"U0ADMIN01"}), routes=ROUTES)
    [receipt] = [
        m for m in render_refresh(desk, refresh_of(db, keys)) if "Cancel request" in json.dumps(m.blocks)
    ]
    assert_valid_message_blocks(receipt.blocks)
    shown = json.dumps(receipt.blocks)
    assert "These accounts fit the same ask and can afford it" in shown and "Globex" in shown
    assert "Sent to the program admins to decide" in shown


def test_removing_the_advocate_rewrites_the_owner_s_ask_to_make_in_person(
    db: Database, policy: Policy
) -> None:
    """The owner was to ask Jane in person (the DM with the answer buttons); she removed herself
    meanwhile: the DM names her pseudonym and offers nothing to record."""
    approved(db, policy)
    all_sent(db)
    with db.transaction(readonly=True) as session:
        jane = session.scalar(select(Advocate.id).where(Advocate.name == "Jane Doe"))
    assert jane is not None

    done = erasure.forget_advocate(db, jane, key=AddressKey(b"k"), now=NOW)

    desk = Desk(db=db, policy=policy, clock=lambda: NOW, admins=frozenset(), routes=ROUTES)
    [ask] = [
        m for m in render_refresh(desk, refresh_of(db, done.delivery_keys)) if m.text.startswith("Record ")
    ]
    assert_valid_message_blocks(ask.blocks)
    shown = ask.text + json.dumps(ask.blocks)
    assert "Jane" not in shown and "Removed advocate" in shown
    assert not [b for b in ask.blocks if b["type"] == "actions"], "nothing to record for someone removed"


def test_a_colleague_removed_leaves_the_owner_s_referral_dm(db: Database, policy: Policy) -> None:
    rid = approved(db, policy)
    wendy = Colleague("Wendy Wu", "CFO", "wendy@acme.example")
    consent.answer(
        db, policy, rid, "someone_else", Act(consent.ADVOCATE, frozenset(), NOW, NOW.date()), colleague=wendy
    )
    all_sent(db)

    done = erasure.forget_address(db, "wendy@acme.example", key=AddressKey(b"k"), now=NOW)

    desk = Desk(db=db, policy=policy, clock=lambda: NOW, admins=frozenset(), routes=ROUTES)
    rewrites = render_refresh(desk, refresh_of(db, done.delivery_keys))
    [told] = [m for m in rewrites if "colleague" in m.text]
    assert_valid_message_blocks(told.blocks)
    assert told.text == REFERRAL_REMOVED
    assert not any("Wendy" in m.text + json.dumps(m.blocks) for m in rewrites)
