"""`/reference status` and the App Home's figures, on both databases."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from handlers.requests.status import request_line
from store.db import Database
from store.models import Delivery, EntryKind
from store.outbox import listing, queue
from store.outbox.kinds import DeliveryKind
from store.requests import home_refresh
from store.requests.status import home_overview, my_requests
from store.rules.policy import Policy
from tests.support import store_seed as seed

NOW = seed.NOW
ME, OWNER, ADMIN = "U0ALICE01", "U0OLIVIA1", "U0ADAM001"


def test_status_lists_my_requests_of_the_last_90_days_newest_first(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        acme = seed.account(s, "Acme", "Fintech")
        old = seed.request(s, acme, requester=ME, created_at=NOW - dt.timedelta(days=91))
        declined = seed.request(
            s, acme, requester=ME, created_at=NOW - dt.timedelta(days=10), decided_at=NOW, status="declined"
        )
        pending = seed.request(s, acme, requester=ME, created_at=NOW - dt.timedelta(days=1), decider=OWNER)
        seed.request(s, acme, requester="U0RICK001")

    listing = my_requests(db, policy, ME, NOW, NOW.date())

    assert [line.id for line in listing.lines] == [pending, declined] and listing.total == 2
    assert old not in [line.id for line in listing.lines]
    first = listing.lines[0]
    assert (first.account_name, first.activity_name, first.status, first.decider_id) == (
        "Acme",
        "Reference call with a prospect",
        "pending",
        OWNER,
    )


def test_home_shows_open_requests_decisions_waiting_and_owned_balances(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        mine = seed.account(s, "Acme", "Fintech", owner_slack_id=OWNER)
        seed.account(s, "Globex", "Fintech", owner_slack_id=OWNER)
        other = seed.account(s, "Hooli", "Fintech")
        seed.entry(s, mine, EntryKind.ADJUSTMENT, -2, NOW.date())
        to_owner = seed.request(s, mine, requester=ME, decider=OWNER)
        to_admin = seed.request(s, other, requester=ME)  # no owner: the admins decide
        queue.enqueue(
            s, key="d", kind=DeliveryKind.DECISION_REQUEST, recipient=ADMIN, now=NOW, request_id=to_admin
        )
        seed.request(s, mine, requester=ME, status="declined", decided_at=NOW)

    assert home_overview(db, policy, OWNER, NOW.date()).waiting_ids == [to_owner]
    admin = home_overview(db, policy, ADMIN, NOW.date())
    assert admin.waiting_ids == [to_admin] and admin.balances == []
    me = home_overview(db, policy, ME, NOW.date())
    assert sorted(line.id for line in me.my_open.lines) == sorted([to_owner, to_admin])
    owner = home_overview(db, policy, OWNER, NOW.date())
    assert [(b.name, b.balance) for b in owner.balances] == [("Acme", 1), ("Globex", 3)]


def test_a_decision_owes_a_fresh_home_to_the_requester_and_everyone_asked_once(db: Database) -> None:
    with db.transaction() as s:
        request_id = seed.request(s, seed.account(s, "Acme", "Fintech"), requester=ME, decider=OWNER)
        for user in (OWNER, ADMIN):
            queue.enqueue(
                s,
                key=f"decide:{user}",
                kind=DeliveryKind.DECISION_REQUEST,
                recipient=user,
                now=NOW,
                request_id=request_id,
            )
    for _ in range(2):
        with db.transaction() as s:
            keys = home_refresh.owe_for_decision(s, request_id, ME, "approved", NOW)
    assert keys == [f"home_refresh:{user}:{request_id}:approved" for user in sorted({ME, OWNER, ADMIN})]
    assert listing.count_by_status(db) == {"pending": 5}


def test_an_admin_s_override_dm_asks_them_to_decide_once_it_went_out(db: Database, policy: Policy) -> None:
    """Owed with every request an owner decides, it says something only when a ⛔ rule blocks:
    one that came to nothing (no ts) puts nothing on the admin's Home and owes them no refresh."""
    admin2 = "U0ADAM002"
    with db.transaction() as s:
        acme = seed.account(s, "Acme", "Fintech", owner_slack_id=OWNER)
        request_id = seed.request(s, acme, requester=ME, decider=OWNER)
        for admin in (ADMIN, admin2):
            queue.enqueue(
                s,
                key=f"override:{request_id}:{admin}",
                kind=DeliveryKind.OVERRIDE_REQUEST,
                recipient=admin,
                now=NOW,
                request_id=request_id,
            )
        s.execute(
            update(Delivery)
            .where(Delivery.recipient == ADMIN)
            .values(status="sent", sent_at=NOW, channel="D0ADAM001", ts="1.1")
        )
        s.execute(update(Delivery).where(Delivery.recipient == admin2).values(status="sent", sent_at=NOW))

    assert home_overview(db, policy, ADMIN, NOW.date()).waiting_ids == [request_id]
    assert home_overview(db, policy, admin2, NOW.date()).waiting_ids == []
    with db.transaction() as s:
        keys = home_refresh.owe_for_decision(s, request_id, ME, "declined", NOW)
    assert keys == [f"home_refresh:{user}:{request_id}:declined" for user in sorted({ME, ADMIN})]


def test_a_blocked_pending_request_is_listed_as_waiting_for_an_admin_not_its_owner(
    db: Database, policy: Policy
) -> None:
    with db.transaction() as s:
        paused = seed.account(s, "Paused Co", "Fintech", status="paused")
        seed.request(s, paused, requester=ME, decider=OWNER)

    (line,) = my_requests(db, policy, ME, NOW, NOW.date()).lines

    assert line.blocked
    said = request_line(line)
    assert "only a program admin can approve" in said and OWNER not in said
