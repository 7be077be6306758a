"""App Home within Slack's limits: a busy person's Home (decisions waiting, many open requests,
accounts, offers) stays a view Slack accepts, the decision cards that do not fit counted in the
"and N more" line."""

from __future__ import annotations

import datetime as dt

import pytest

from handlers.home.tab import home_view
from handlers.kit.desk import Desk
from store.act import Act
from store.db import Database
from store.offers import catalog, reserve
from store.offers.catalog import OfferDraft
from store.requests import asking, status
from store.requests.asking import Draft
from store.rules.policy import Policy
from tests.support import store_seed as seed
from tests.support.blockkit import assert_valid_view

NOW = seed.NOW
TODAY = NOW.date()
ADMIN, BUSY = "U0ADMIN01", "U0BUSY001"
#: Slack's most blocks in a Home view: past it, views.publish refuses the view
SLACK_HOME_BLOCKS = 100


@pytest.fixture
def desk(db: Database, policy: Policy) -> Desk:
    return Desk(db=db, policy=policy, clock=lambda: NOW, admins=frozenset({ADMIN}))


def test_a_busy_person_s_home_stays_within_slack_s_hundred_blocks(desk: Desk) -> None:
    """They own eight accounts and asked twenty times of them (every ask waits for their own
    decision, with a topic and context), and three of their accounts hold offer seats."""
    busy = Act(BUSY, desk.admins, NOW, TODAY)
    with desk.db.transaction() as s:
        accounts = [seed.account(s, f"Account {i}", "Retail", owner_slack_id=BUSY) for i in range(8)]
        for account_id in accounts:
            seed.advocate(s, account_id, "Pat Lee", "reference_call")
            seed.entry(s, account_id, seed.EntryKind.GIVE, 10, TODAY - dt.timedelta(days=30))
    for number in range(20):
        draft = Draft(
            account_id=accounts[number % 8],
            activity="reference_call",
            topic="How the rollout went, in detail " * 5,
            context="The prospect asked for a peer in retail " * 5,
        )
        asking.submit(desk.db, desk.policy, draft, busy, source_key=f"view:{number}")
    offer = catalog.create_offer(
        desk.db,
        desk.policy,
        OfferDraft("Spring beta", "early_access", "5", TODAY + dt.timedelta(days=9), "", "Betas"),
        Act(ADMIN, desk.admins, NOW, TODAY),
    )
    for account_id in accounts[:3]:
        reserve.offer_it(desk.db, desk.policy, offer.id, account_id, busy)

    overview = status.home_overview(desk.db, desk.policy, BUSY, TODAY)
    home = home_view(desk, BUSY, overview)

    assert_valid_view(home)
    assert len(home["blocks"]) <= SLACK_HOME_BLOCKS
    shown = sum(1 for b in home["blocks"] if b.get("block_id", "").startswith("decision:"))
    assert 0 < shown < len(overview.waiting_ids), "the cards that fit, not all five"
    said = str(home["blocks"])
    assert f"…and {overview.waiting_total - shown} more decisions: they are in your DMs." in said
    assert "*Your open requests*" in said and "*Your accounts' balances*" in said
