"""A rewrite of a request's messages waits for the messages it rewrites, and looks again when the
last of them is due — not after the doubling back-off, which is for a Slack that is down: in a
burst, the messages it waits for are queued behind Slack's pace, and a refresh that looked again
after 5, 10, then 20 s arrived long after them."""

from __future__ import annotations

import datetime as dt

import pytest

from handlers.kit.desk import Desk
from handlers.outbox.messages import LOOK_AGAIN_SECONDS, NotYet
from handlers.requests.renderers import render_refresh
from handlers.routes import ROUTES
from store.act import Act
from store.customer import consent
from store.db import Database
from store.outbox import listing, queue
from store.outbox.kinds import DeliveryKind
from store.requests import asking, deciding
from store.requests.asking import Draft
from store.rules.policy import Policy
from tests.support import store_seed

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
OWNER, SELLER = "U0OWNER01", "U0SELLER1"


def approved(db: Database, policy: Policy) -> int:
    """A request approved: its requester's outcome DM and the rewrite of its messages owed."""
    with db.transaction() as session:
        acme = store_seed.account(session, "Acme", "Banking", owner_slack_id=OWNER)
        jane = store_seed.advocate(session, acme, "Jane Doe", "reference_call")
        store_seed.entry(session, acme, store_seed.EntryKind.GIVE, 10, NOW.date() - dt.timedelta(days=200))
    draft = Draft(account_id=acme, activity="reference_call", advocate_id=jane)
    rid = asking.submit(db, policy, draft, Act(SELLER, frozenset(), NOW, NOW.date()), source_key="view:1")
    deciding.decide(
        db,
        policy,
        rid.request_id,
        Act(OWNER, frozenset(), NOW, NOW.date()),
        approve=True,
        consent_mode=consent.OWNER,
    )
    return rid.request_id


def test_a_refresh_looks_again_when_the_messages_it_rewrites_are_due(db: Database, policy: Policy) -> None:
    rid = approved(db, policy)
    desk = Desk(db=db, policy=policy, clock=lambda: NOW, admins=frozenset(), routes=ROUTES)
    claimed = queue.claim_due(db, NOW, limit=100)
    [refresh] = [job for job in claimed if job.kind == DeliveryKind.REFRESH]

    with pytest.raises(NotYet) as soon:
        render_refresh(desk, refresh)
    assert soon.value.after == LOOK_AGAIN_SECONDS, "the messages it waits for are due now: a second"

    # the messages it rewrites are put back for 40 s (Slack said to wait): so does the refresh
    for job in claimed:
        if job is not refresh:
            queue.mark_retry(db, job, NOW, dt.timedelta(seconds=40), "ratelimited")
    assert listing.unsettled(db, rid, (DeliveryKind.OUTCOME,)) == NOW + dt.timedelta(seconds=40)
    with pytest.raises(NotYet) as later:
        render_refresh(desk, refresh)
    assert later.value.after == pytest.approx(40.0)
