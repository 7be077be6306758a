"""Slack misbehaves around the owner's decision DM — it answers after the app gave up waiting, stores
the post after the app gave up (before or even after the app looked for it), or rate-limits the
post for longer than one call may wait — and the owner still sees the DM exactly once, and sees it
rewritten without buttons once they decide. A greylisting mail server refuses the advocate's
e-mail once, for now: it goes through on the next try, and the owner is not asked instead."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from store.models import Delivery
from tests.e2e.test_ask_and_decide import acme_jane, all_text, ask, buttons, click, decision_message
from tests.e2e.test_customer_say import approve_jane
from tests.support.emulator import Emulator
from tests.support.mailbox import Mailbox
from tests.support.program import Program
from tests.support.response_sink import ResponseSink
from tests.support.server import RefdeskServer
from tests.support.slack_proxy import Call, SlackProxy
from tests.support.slack_recorder import wait_until

TIMEOUT, LEASE = 1, 8


@pytest.fixture
def env(env: dict[str, str]) -> dict[str, str]:
    """A short Slack timeout and send lease, so a slow Slack plays out in seconds."""
    return {**env, "REFDESK_SLACK_TIMEOUT": str(TIMEOUT), "REFDESK_DELIVERY_LEASE": str(LEASE)}


def decision_delivery(program: Program, timeout: float = 20) -> Delivery:
    """The owner's decision delivery once it is recorded as sent."""
    db = program.database()
    deadline = time.monotonic() + timeout
    try:
        while True:
            with db.transaction() as session:
                row = session.scalars(select(Delivery).where(Delivery.key.like("decide:%"))).one()
            if row.status == "sent" or time.monotonic() > deadline:
                return row
            time.sleep(0.1)
    finally:
        db.dispose()


def decide_and_see_it_rewritten(
    server: RefdeskServer, emulator: Emulator, sink: ResponseSink, message: dict[str, Any]
) -> dict[str, Any]:
    owner = emulator.ids["owner"]
    click(server, emulator, owner, "approve", buttons(message)["Approve"], sink, message)
    deadline = time.monotonic() + 15
    while True:
        [dm] = decision_dms(emulator, owner)  # not the owner-led ask that follows the approval
        if not buttons(dm) or time.monotonic() > deadline:
            return dm
        time.sleep(0.1)


def test_a_post_answered_after_the_timeout_is_found_in_slack_not_posted_again(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program, sink: ResponseSink
) -> None:
    owner = emulator.ids["owner"]
    slack.answer_late(TIMEOUT + 2, methods={"chat.postMessage"}, channel=owner)

    ask(server, emulator, slack, program.accounts["Acme Corp"], advocate=acme_jane(program))
    message = decision_message(emulator, owner)
    delivery = decision_delivery(program)
    time.sleep(TIMEOUT + 2)  # the held answer arrives, to a client long gone; the worker runs on

    assert delivery.status == "sent" and delivery.ts == message["ts"], delivery.last_error
    assert len(emulator.dms(owner)) == 1
    assert len([c for c in slack.calls_to("chat.postMessage") if c.args["channel"] == owner]) == 1
    assert slack.calls_to("conversations.history"), "the retry looked before posting"
    rewritten = decide_and_see_it_rewritten(server, emulator, sink, message)
    assert buttons(rewritten) == {} and f"Approved by <@{owner}>" in all_text(rewritten)
    assert [m["ts"] for m in decision_dms(emulator, owner)] == [message["ts"]]


def landed_late(slack: SlackProxy, owner: str, timeout: float = 20) -> list[Call]:
    """The posts to `owner`, once the one Slack held has landed."""
    deadline = time.monotonic() + timeout
    while True:
        posts = [c for c in slack.calls_to("chat.postMessage") if c.args["channel"] == owner]
        if any(c.held for c in posts) or time.monotonic() > deadline:
            return posts
        time.sleep(0.1)


def test_a_post_slack_stores_after_the_client_gave_up_is_looked_for_only_once_it_can_have_landed(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program, sink: ResponseSink
) -> None:
    """The issue's case, in seconds: the post times out at 1 s and lands at 3 s; the look-up waits
    out the in-flight window (half the lease: 4 s), so it finds the post instead of posting again."""
    owner = emulator.ids["owner"]
    slack.store_late(TIMEOUT + 2, methods={"chat.postMessage"}, channel=owner)

    ask(server, emulator, slack, program.accounts["Acme Corp"], advocate=acme_jane(program))
    posts = landed_late(slack, owner)
    delivery = decision_delivery(program)

    assert len(posts) == 1 and posts[0].held == TIMEOUT + 2
    assert delivery.status == "sent" and delivery.ts == posts[0].response["ts"], delivery.last_error
    assert slack.calls_to("conversations.history"), "the retry looked before posting"
    [message] = decision_dms(emulator, owner)
    rewritten = decide_and_see_it_rewritten(server, emulator, sink, message)
    assert buttons(rewritten) == {} and f"Approved by <@{owner}>" in all_text(rewritten)
    assert [m["ts"] for m in decision_dms(emulator, owner)] == [message["ts"]]


def test_a_post_that_lands_after_the_look_up_is_deleted_so_the_owner_sees_one(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program, sink: ResponseSink
) -> None:
    """Slack holds the post longer than the in-flight window: the look-up at 4 s finds nothing and
    the DM is posted again; the first post lands at 6 s; the look-up after the re-post (at 8 s)
    finds both, keeps the one recorded and deletes the late copy."""
    owner = emulator.ids["owner"]
    slack.store_late(LEASE / 2 + 2, methods={"chat.postMessage"}, channel=owner)

    ask(server, emulator, slack, program.accounts["Acme Corp"], advocate=acme_jane(program))
    posts = landed_late(slack, owner)
    delivery = decision_delivery(program, timeout=30)

    assert delivery.status == "sent", delivery.last_error
    assert len(posts) == 2 and {c.held for c in posts} == {0.0, LEASE / 2 + 2}
    late = next(c.response["ts"] for c in posts if c.held)
    assert [c.args["ts"] for c in slack.calls_to("chat.delete")] == [late]
    [message] = decision_dms(emulator, owner)
    assert message["ts"] == delivery.ts != late
    rewritten = decide_and_see_it_rewritten(server, emulator, sink, message)
    assert buttons(rewritten) == {} and f"Approved by <@{owner}>" in all_text(rewritten)
    assert [m["ts"] for m in decision_dms(emulator, owner)] == [message["ts"]]


def test_a_long_rate_limit_delays_the_post_but_never_doubles_it(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program, sink: ResponseSink
) -> None:
    owner = emulator.ids["owner"]
    # longer than the lease if waited out inside one call (3 tries × 3 s), as slack_sdk would
    slack.fail(429, methods={"chat.postMessage"}, retry_after=3, seconds=LEASE - 1, channel=owner)

    ask(server, emulator, slack, program.accounts["Acme Corp"], advocate=acme_jane(program))
    delivery = decision_delivery(program, timeout=LEASE + 10)
    message = decision_message(emulator, owner)
    time.sleep(LEASE / 2)  # a second sender, if there were one, would post by now

    limited = [c for c in slack.calls_to("chat.postMessage", ok=False) if c.args["channel"] == owner]
    assert limited and {c.status for c in limited} == {429}
    assert delivery.status == "sent" and delivery.ts == message["ts"]
    assert len(emulator.dms(owner)) == 1
    rewritten = decide_and_see_it_rewritten(server, emulator, sink, message)
    assert buttons(rewritten) == {} and f"Approved by <@{owner}>" in all_text(rewritten)
    assert [m["ts"] for m in decision_dms(emulator, owner)] == [message["ts"]]


def decision_dms(emulator: Emulator, owner: str) -> list[dict[str, Any]]:
    """The owner's DMs but the one an approval sends in an owner-led program (record the answer)."""
    return [
        m
        for m in emulator.dms(owner)
        if not any(b.get("block_id", "").startswith("consent:") for b in m.get("blocks", []))
    ]


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """A mail server that greylists: each recipient refused with a 450 the first time."""
    box = Mailbox(greylist=True).start()
    yield box
    box.stop()


def test_a_greylisting_mail_server_gets_the_e_mail_on_the_next_try_and_the_owner_no_buttons(
    mail_server: RefdeskServer,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
    sink: ResponseSink,
    mailbox: Mailbox,
) -> None:
    approve_jane(mail_server, emulator, slack, program, sink)

    [mail] = mailbox.wait_for(1)
    db = program.database()

    def consent_deliveries() -> tuple[tuple[str, int], list[Delivery]]:
        with db.transaction() as session:
            sent = session.scalars(select(Delivery).where(Delivery.key.like("consent-mail:%"))).one()
            owner_asked = session.scalars(select(Delivery).where(Delivery.key.like("consent-remind:%"))).all()
            return (sent.status, sent.attempts), list(owner_asked)

    try:
        # the mail server has the message once its DATA ends; the sender records it after the 250
        (sent, owner_asked) = wait_until(consent_deliveries, lambda read: read[0][0] != "sending")
    finally:
        db.dispose()

    assert mailbox.rcpts == ["jane@acme.example", "jane@acme.example"]
    assert mail["To"].addresses[0].addr_spec == "jane@acme.example"
    assert sent == ("sent", 2)
    assert owner_asked == []
    time.sleep(1)  # nothing else on its way: the owner's DMs are the decision and nothing more
    assert [m for m in emulator.dms(emulator.ids["owner"]) if "Record" in m.get("text", "")] == []
