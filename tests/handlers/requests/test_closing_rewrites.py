"""An ask closed by its requester (**Done**, **Fell through**) rewrites every message about it: the
approval and the customer's yes carried **Withdraw**, which could only refuse once it closed."""

from __future__ import annotations

import datetime as dt
import json

from handlers.kit.desk import Desk
from handlers.requests.renderers import render_refresh
from handlers.routes import ROUTES
from store.act import Act
from store.db import Database
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.requests import followups
from store.rules.policy import Policy
from tests.handlers.requests.test_refresh_wait import NOW, SELLER, approved
from tests.support.blockkit import assert_valid_message_blocks


def test_done_rewrites_the_approval_without_withdraw(db: Database, policy: Policy) -> None:
    rid = approved(db, policy)
    for number, job in enumerate(queue.claim_due(db, NOW, limit=100)):  # all of it reached Slack
        queue.mark_sent(db, job, NOW, channel="D0SELLER1", ts=f"{number}.000100")
    later = NOW + dt.timedelta(days=2)

    closed = followups.mark_done(db, rid, Act(SELLER, frozenset(), later, later.date()), note="went well")

    desk = Desk(db=db, policy=policy, clock=lambda: later, admins=frozenset(), routes=ROUTES)
    [refresh] = [
        job
        for job in queue.claim_due(db, later, limit=100, keys=list(closed.delivery_keys))
        if job.kind == DeliveryKind.REFRESH
    ]
    rewrites = render_refresh(desk, refresh)
    assert rewrites, "the messages already sent are rewritten"
    for message in rewrites:
        assert_valid_message_blocks(message.blocks)
        assert "Withdraw" not in json.dumps([b for b in message.blocks if b["type"] == "actions"])
    assert any("🏁 Done" in json.dumps(message.blocks, ensure_ascii=False) for message in rewrites)
