"""A listener is a plain function: a test calls it with a desk and an act of its own and a Slack
client that only records what it is asked to do — no Bolt, no HTTP, no signing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from slack_bolt import Ack

from handlers.kit.desk import Desk
from handlers.kit.ids import View
from handlers.requests import decisions
from store.db import Database
from store.rules.policy import Policy
from tests.support import store_seed as seed

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
OWNER, BYSTANDER = "U0OWNER01", "U0BYSTAND"


class RecordingClient:
    """The two Slack calls a click's listener makes: a modal opened, a view published."""

    def __init__(self) -> None:
        self.opened: list[dict[str, Any]] = []

    def views_open(self, *, trigger_id: str, view: dict[str, Any]) -> None:
        self.opened.append(view)


def test_decline_opens_the_reason_modal_for_the_owner_and_tells_anyone_else_why_not(
    db: Database, policy: Policy
) -> None:
    desk = Desk(db=db, policy=policy, clock=lambda: NOW)
    with db.transaction() as s:
        request_id = seed.request(s, seed.account(s, "Acme", "Fintech", owner_slack_id=OWNER))
    body = {"type": "block_actions", "trigger_id": "T1", "response_url": "https://hooks.example/1"}
    client, told = RecordingClient(), []

    def respond(**said: Any) -> None:
        told.append(said["text"])

    for who in (OWNER, BYSTANDER):
        decisions.reason_asked(
            ack=Ack(),
            body={**body, "user": {"id": who}},
            action={"action_id": "decline", "value": str(request_id)},
            respond=respond,  # type: ignore[arg-type]
            client=client,  # type: ignore[arg-type]
            desk=desk,
            act=desk.act(who),
        )

    assert [view["callback_id"] for view in client.opened] == [View.DECLINE]
    assert told == [f"Only <@{OWNER}> or a program admin can decide this."]
