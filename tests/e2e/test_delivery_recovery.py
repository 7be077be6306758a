"""A sender that dies between posting and recording: the next sender finds the post, not a twin."""

from __future__ import annotations

import datetime as dt

from bot.app import build_desk
from bot.settings import load_settings
from handlers.outbox.posted import marked
from handlers.outbox.sender import deliver
from handlers.routes import ROUTES
from store.act import Act
from store.outbox import listing, queue
from store.outbox.kinds import DeliveryKind
from store.requests import asking
from store.requests.asking import Draft
from tests.support.database import open_database
from tests.support.emulator import Emulator
from tests.support.program import Program


def test_a_message_posted_by_a_sender_that_died_is_not_posted_again(
    env: dict[str, str], emulator: Emulator, program: Program
) -> None:
    clock = [dt.datetime.now(dt.UTC)]
    db = open_database(env["DATABASE_URL"])
    desk = build_desk(
        load_settings(
            **{
                k.lower(): v
                for k, v in {
                    "SLACK_BOT_TOKEN": env["SLACK_BOT_TOKEN"],
                    "SLACK_API_URL": env["SLACK_API_URL"],
                }.items()
            }
        ),
        db,
        clock=lambda: clock[0],
    )
    requester = emulator.ids["requester"]
    submitted = asking.submit(
        db,
        desk.policy,
        Draft(account_id=program.accounts["Acme Corp"], activity="logo"),
        Act(requester, frozenset(), clock[0], clock[0].date()),
        source_key="view:VCRASH",
    )
    receipt_key = next(k for k in submitted.delivery_keys if k.startswith("confirm:"))

    # the first sender claims the receipt, posts it, and dies before recording the ts
    [job] = queue.claim_due(db, clock[0], keys=[receipt_key], lease=dt.timedelta(seconds=30))
    [message] = ROUTES[DeliveryKind(job.kind)].render(desk, job)  # type: ignore[union-attr]
    assert desk.client is not None
    desk.client.chat_postMessage(channel=requester, text=message.text, blocks=marked(message.blocks, job.key))

    clock[0] += dt.timedelta(seconds=31)  # its lease runs out; another sender takes over
    deliver(desk, [receipt_key])

    assert len(emulator.dms(requester)) == 1
    assert listing.count_by_status(db).get("sent") == 1
    db.dispose()
