"""Ask and decide, end to end: `/reference` → modal → owner's DM → one decision → requester told."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.support.blockkit import assert_valid_message_blocks, assert_valid_view
from tests.support.emulator import SIGNING_SECRET, Emulator
from tests.support.payloads import block_actions, block_suggestion, date, select, text, view_submission
from tests.support.program import Program
from tests.support.response_sink import ResponseSink
from tests.support.server import RefdeskServer
from tests.support.slack_proxy import SlackProxy

TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()


def open_modal(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, user: str, words: str = ""
) -> dict[str, Any]:
    """Type `/reference [words]` and return the modal Slack shows."""
    before = len(slack.calls_to("views.open"))
    reply = server.command(words, user_id=user, trigger_id=emulator.trigger_id(user))
    assert reply.status == 200, reply
    opened = slack.wait_for("views.open", count=before + 1)
    assert len(opened) == before + 1, server.log()
    view = opened[-1].response["view"]
    assert_valid_view(opened[-1].args["view"])
    return view


def form(
    account: int | None,
    activity: str = "reference_call",
    *,
    advocate: tuple[str, int] | None = None,
    amount: str = "120000",
    crm: str = "https://crm.example/opp/1",
    needed_by: str | None = TOMORROW,
    opportunity: str = "Big Bank renewal",
) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {
        "account": {
            "account": select(str(account))
            if account
            else {"type": "external_select", "selected_option": None}
        },
        "activity": {"activity": select(activity)},
        "opportunity_name": {"value": text(opportunity)},
        "amount": {"value": text(amount)},
        "crm_link": {"value": text(crm)},
        "prospect_industry": {"value": text("Banking")},
        "needed_by": {"value": date(needed_by)},
        "context": {"value": text("They want to hear about the migration.")},
    }
    if advocate is not None:
        values[advocate[0]] = {"value": select(str(advocate[1]))}
    return values


def ask(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, account: int, **how: Any
) -> dict[str, Any]:
    """The requester files a request; returns the submitted view."""
    requester = emulator.ids["requester"]
    view = open_modal(server, emulator, slack, requester)
    reply = server.interact(view_submission(requester, view, form(account, **how)))
    assert reply.status == 200 and not reply.body, reply
    return view


def acme_jane(program: Program) -> tuple[str, int]:
    """The request modal's choice of Jane Doe at Acme Corp: an approval names who is asked."""
    return (f"advocate:{program.accounts['Acme Corp']}:reference_call", program.advocates["Jane Doe"])


def decision_message(emulator: Emulator, user: str, count: int = 1, timeout: float = 15) -> dict[str, Any]:
    messages = emulator.wait_for_dms(user, count, timeout)
    assert len(messages) >= count, f"{user} got {len(messages)} DMs"
    return messages[count - 1]


def buttons(message: dict[str, Any]) -> dict[str, str]:
    return {
        e["text"]["text"]: e["value"]
        for b in message.get("blocks", [])
        if b["type"] == "actions"
        for e in b["elements"]
    }


def click(
    server: RefdeskServer,
    emulator: Emulator,
    user: str,
    action_id: str,
    value: str,
    sink: ResponseSink,
    message: dict[str, Any] | None = None,
) -> str:
    url = sink.new_url()
    reply = server.interact(
        block_actions(
            user,
            action_id,
            value,
            trigger_id=emulator.trigger_id(user),
            response_url=url,
            channel=emulator.dm_channel(user),
            message_ts=(message or {}).get("ts", ""),
        )
    )
    assert reply.status == 200, reply
    return url


def all_text(message: dict[str, Any]) -> str:
    parts = [message.get("text", "")]
    for block in message.get("blocks", []):
        for key in ("text",):
            if isinstance(block.get(key), dict):
                parts.append(block[key]["text"])
        parts.extend(f["text"] for f in block.get("fields", []))
        parts.extend(e.get("text", "") for e in block.get("elements", []) if isinstance(e.get("text"), str))
    return "\n".join(parts)


def test_reference_opens_the_request_modal_with_every_input(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program
) -> None:
    started = time.monotonic()
    view = open_modal(server, emulator, slack, emulator.ids["requester"])
    assert time.monotonic() - started < 3
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == [
        "Account",
        "Activity",
        "Opportunity name",
        "Amount",
        "CRM link",
        "Prospect industry",
        "Prospect company",
        "May the advocate see it?",
        "Needed by",
        "What they'd like to hear about",
        "Context",
    ]
    activities = next(b for b in view["blocks"] if b.get("block_id") == "activity")["element"]["options"]
    assert {
        "text": {
            "type": "plain_text",
            "text": "Reference call with a prospect (costs 3 points)",
            "emoji": True,
        },
        "value": "reference_call",
    } in activities


def test_reference_with_one_matching_word_preselects_the_account(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program
) -> None:
    view = open_modal(server, emulator, slack, emulator.ids["requester"], "acme")
    account = next(b for b in view["blocks"] if b.get("block_id") == "account")
    assert account["element"]["initial_option"]["value"] == str(program.accounts["Acme Corp"])
    advocates = [b for b in view["blocks"] if str(b.get("block_id", "")).startswith("advocate")]
    assert advocates, "the chosen account's advocates are offered"


def test_the_account_search_answers_fast_with_matches(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program
) -> None:
    user = emulator.ids["requester"]
    view = open_modal(server, emulator, slack, user)
    started = time.monotonic()
    reply = server.interact(block_suggestion(user, "account", "fin", view))
    elapsed = time.monotonic() - started
    assert reply.status == 200
    labels = [o["text"]["text"] for o in reply.json()["options"]]
    assert labels[0].startswith("Acme Corp") and any(label.startswith("Globex") for label in labels)
    assert not any(label.startswith("Umbrella") for label in labels)
    assert elapsed < 1.0


def test_choosing_an_account_offers_only_advocates_willing_to_do_the_activity(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program
) -> None:
    user = emulator.ids["requester"]
    view = open_modal(server, emulator, slack, user)
    state = {
        **view,
        "state": {
            "values": {
                "account": {"account": select(str(program.accounts["Acme Corp"]))},
                "activity": {"activity": select("reference_call")},
            }
        },
    }
    reply = server.interact(
        block_actions(
            user,
            "account",
            view=state,
            selected_option={"value": str(program.accounts["Acme Corp"])},
            block_id="account",
        )
    )
    assert reply.status == 200
    updated = slack.wait_for("views.update")
    assert updated, server.log()
    assert_valid_view(updated[-1].args["view"])
    advocate = next(
        b for b in updated[-1].args["view"]["blocks"] if str(b.get("block_id", "")).startswith("advocate")
    )
    names = [o["text"]["text"] for o in advocate["element"]["options"]]
    assert names == ["Jane Doe, VP Engineering"]  # Sam Roe does logos and quotes, not calls


@pytest.mark.parametrize(
    ("change", "block", "says"),
    [
        ({"needed_by": "2020-01-01"}, "needed_by", "past"),
        ({"amount": "-5"}, "amount", "negative"),
        ({"amount": "lots"}, "amount", "number"),
        ({"crm": "crm.example/opp"}, "crm_link", "https://"),
        ({"account": 999999}, "account", "no longer exists"),
    ],
)
def test_bad_input_is_shown_inline_on_the_right_field(
    server: RefdeskServer,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
    change: dict[str, Any],
    block: str,
    says: str,
) -> None:
    user = emulator.ids["requester"]
    view = open_modal(server, emulator, slack, user)
    how: dict[str, Any] = {"account": program.accounts["Acme Corp"]}
    how.update(change)
    reply = server.interact(view_submission(user, view, form(how.pop("account"), **how)))
    assert reply.status == 200
    answer = reply.json()
    assert answer["response_action"] == "errors"
    assert says in answer["errors"][block]
    assert emulator.dms(emulator.ids["owner"]) == []


def test_a_request_reaches_the_owner_with_balance_checklist_and_buttons(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program
) -> None:
    ask(
        server,
        emulator,
        slack,
        program.accounts["Acme Corp"],
        advocate=(f"advocate:{program.accounts['Acme Corp']}:reference_call", program.advocates["Jane Doe"]),
    )

    message = decision_message(emulator, emulator.ids["owner"])
    assert_valid_message_blocks(message["blocks"])
    shown = all_text(message)
    assert f"<@{emulator.ids['requester']}>" in shown
    assert "Reference call with a prospect" in shown and "Big Bank renewal" in shown and "120,000" in shown
    assert "3 points now → *0 points* after this ask" in shown
    assert "✅ First ask of this account: nothing owed back yet." in shown
    assert set(buttons(message)) == {"Approve", "Decline"}

    receipt = decision_message(emulator, emulator.ids["requester"])
    assert_valid_message_blocks(receipt["blocks"])
    assert f"Sent to <@{emulator.ids['owner']}>" in all_text(receipt)
    assert set(buttons(receipt)) == {"Cancel request"}

    # no ⛔ rule blocks it: the admins' override DM, owed with it, comes to nothing
    program.wait_owed_nothing()
    assert emulator.dms(emulator.ids["admin"]) == []


def test_approve_debits_once_rewrites_the_dm_and_tells_the_requester_who_asks_the_customer(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program, sink: ResponseSink
) -> None:
    acme = program.accounts["Acme Corp"]
    ask(
        server,
        emulator,
        slack,
        acme,
        advocate=(f"advocate:{acme}:reference_call", program.advocates["Jane Doe"]),
    )
    owner, requester = emulator.ids["owner"], emulator.ids["requester"]
    message = decision_message(emulator, owner)

    click(server, emulator, owner, "approve", buttons(message)["Approve"], sink, message)

    outcome = decision_message(emulator, requester, 2)
    assert_valid_message_blocks(outcome["blocks"])
    said = all_text(outcome)
    assert "approved" in said and f"*Jane Doe* is asked in person by <@{owner}>" in said
    assert "jane@acme.example" not in said, "nobody approaches the customer before their yes"
    assert program.wait_balance("Acme Corp", 0) == 0
    rewritten = _wait_rewritten(emulator, owner)
    assert buttons(rewritten) == {}
    assert f"Approved by <@{owner}>" in all_text(rewritten)
    assert_valid_message_blocks(rewritten["blocks"])

    click(server, emulator, owner, "approve", buttons(message)["Approve"], sink, message)  # a second click
    assert program.wait_balance("Acme Corp", 0) == 0
    time.sleep(0.5)
    assert len(emulator.dms(requester)) == 2


def _wait_rewritten(emulator: Emulator, user: str, timeout: float = 10) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        message = emulator.dms(user)[0]
        if not buttons(message) or time.monotonic() > deadline:
            return message
        time.sleep(0.1)


def test_decline_asks_for_a_reason_and_offers_the_requester_alternatives(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program, sink: ResponseSink
) -> None:
    ask(server, emulator, slack, program.accounts["Acme Corp"], advocate=acme_jane(program))
    owner, requester = emulator.ids["owner"], emulator.ids["requester"]
    message = decision_message(emulator, owner)

    click(server, emulator, owner, "decline", buttons(message)["Decline"], sink, message)
    reason_modal = slack.wait_for("views.open", count=2)[-1]
    assert_valid_view(reason_modal.args["view"])
    view = reason_modal.response["view"]
    empty = server.interact(view_submission(owner, view, {"reason": {"value": text("  ")}}))
    assert empty.json()["response_action"] == "errors"
    reply = server.interact(
        view_submission(owner, view, {"reason": {"value": text("Renewal talks this month")}})
    )
    assert reply.status == 200

    outcome = decision_message(emulator, requester, 2)
    assert_valid_message_blocks(outcome["blocks"])
    shown = all_text(outcome)
    assert "declined" in shown and "Renewal talks this month" in shown
    assert "Globex" in shown and "Hooli" in shown and "Umbrella" not in shown
    assert program.balance("Acme Corp") == 3
    assert "Declined by" in all_text(_wait_rewritten(emulator, owner))


def test_only_the_owner_or_an_admin_can_decide_and_only_the_requester_can_cancel(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program, sink: ResponseSink
) -> None:
    ask(server, emulator, slack, program.accounts["Acme Corp"], advocate=acme_jane(program))
    owner, bystander, requester = emulator.ids["owner"], emulator.ids["bystander"], emulator.ids["requester"]
    request_id = buttons(decision_message(emulator, owner))["Approve"]

    refused = click(server, emulator, bystander, "approve", request_id, sink)
    answer = sink.wait(refused)
    assert answer and answer[0]["response_type"] == "ephemeral"
    assert f"Only <@{owner}> or a program admin can decide this." == answer[0]["text"]
    refused_cancel = click(server, emulator, bystander, "cancel_request", request_id, sink)
    assert "can cancel" in sink.wait(refused_cancel)[0]["text"]
    assert program.balance("Acme Corp") == 3

    click(server, emulator, requester, "cancel_request", request_id, sink)
    assert "Cancelled by" in all_text(_wait_rewritten(emulator, owner))
    too_late = click(server, emulator, owner, "approve", request_id, sink)
    assert "Already decided" in sink.wait(too_late)[0]["text"]
    assert program.balance("Acme Corp") == 3


def test_a_blocked_request_needs_an_admin_override_with_a_reason_on_the_ledger(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program, sink: ResponseSink
) -> None:
    owner, admin = emulator.ids["owner"], emulator.ids["admin"]
    program.adjust("Acme Corp", -2, admin)  # balance 1: a reference call (3) would go below zero
    ask(server, emulator, slack, program.accounts["Acme Corp"], advocate=acme_jane(program))

    owner_view = decision_message(emulator, owner)
    assert set(buttons(owner_view)) == {"Decline"} and "⛔" in all_text(owner_view)
    admin_view = decision_message(emulator, admin)
    assert set(buttons(admin_view)) == {"Approve with override", "Decline"}
    request_id = admin_view and buttons(admin_view)["Decline"]

    forged = click(server, emulator, owner, "approve", request_id, sink)
    assert "program admin" in sink.wait(forged)[0]["text"]
    click(server, emulator, admin, "approve_override", request_id, sink)
    view = slack.wait_for("views.open", count=2)[-1].response["view"]
    server.interact(view_submission(admin, view, {"reason": {"value": text("Strategic deal, CEO asked")}}))

    assert "approved" in all_text(decision_message(emulator, emulator.ids["requester"], 2))
    assert program.wait_balance("Acme Corp", -2) == -2
    db = program.database()
    try:
        from store import ledger

        with db.transaction() as session:
            entries = ledger.history(session, account_id=program.accounts["Acme Corp"])
    finally:
        db.dispose()
    assert entries[0].kind == "ask" and entries[0].reason == "Strategic deal, CEO asked"
    assert entries[0].actor_id == admin


def test_an_account_without_an_owner_in_slack_goes_to_the_admins(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program
) -> None:
    ask(server, emulator, slack, program.accounts["Initech"])
    message = decision_message(emulator, emulator.ids["admin"])
    assert set(buttons(message)) == {"Approve", "Decline"}
    assert "the program admins" in all_text(decision_message(emulator, emulator.ids["requester"]))


@pytest.fixture
def short_lease_server(env: dict[str, str], tmp_path: Path) -> Iterator[RefdeskServer]:
    """`refdesk serve` with a 12 s delivery lease: a DM fenced off mid-send is looked for and sent
    again once that lease would have run out, within the test's patience."""
    process = RefdeskServer({**env, "REFDESK_DELIVERY_LEASE": "12"}, tmp_path, SIGNING_SECRET).start()
    yield process
    process.stop()


def test_an_owner_who_left_slack_is_replaced_by_the_admins(
    short_lease_server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program
) -> None:
    server = short_lease_server
    program.set_owner("Acme Corp", "U0LEFTCOMPANY")
    ask(server, emulator, slack, program.accounts["Acme Corp"], advocate=acme_jane(program))

    message = decision_message(emulator, emulator.ids["admin"])
    assert set(buttons(message)) == {"Approve", "Decline"}
    failed = [
        c for c in slack.calls_to("chat.postMessage", ok=False) if c.args.get("channel") == "U0LEFTCOMPANY"
    ]
    assert failed and failed[0].response["error"] in {"user_not_found", "channel_not_found"}
    # the admin's override DM, owed with the request, became their decision DM: one DM, even when
    # it was being sent as the owner's failed (then it is fenced off, and looked for before it is
    # posted again once its lease would have run out)
    program.wait_owed_nothing(timeout=45)
    assert len(emulator.dms(emulator.ids["admin"])) == 1


def test_the_same_modal_submitted_twice_makes_one_request(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program
) -> None:
    requester = emulator.ids["requester"]
    view = open_modal(server, emulator, slack, requester)
    payload = view_submission(requester, view, form(program.accounts["Acme Corp"]))
    assert server.interact(payload).status == 200
    assert server.interact(payload).status == 200
    time.sleep(1)
    assert len(emulator.wait_for_dms(emulator.ids["owner"], 1)) == 1
    assert len(emulator.dms(requester)) == 1


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_twenty_concurrent_approve_clicks_decide_once(
    backend: str,
    server: RefdeskServer,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
    sink: ResponseSink,
) -> None:
    ask(server, emulator, slack, program.accounts["Acme Corp"], advocate=acme_jane(program))
    owner, requester = emulator.ids["owner"], emulator.ids["requester"]
    message = decision_message(emulator, owner)
    request_id = buttons(message)["Approve"]
    channel = emulator.dm_channel(owner)
    payloads = [
        block_actions(
            owner,
            "approve",
            request_id,
            response_url=sink.new_url(),
            channel=channel,
            message_ts=message["ts"],
        )
        for _ in range(20)
    ]

    with ThreadPoolExecutor(max_workers=20) as pool:
        replies = list(pool.map(server.interact, payloads))

    assert all(reply.status == 200 for reply in replies)
    assert program.wait_balance("Acme Corp", 0) == 0
    assert len(emulator.wait_for_dms(requester, 2)) == 2
    time.sleep(1.5)
    assert len(emulator.dms(requester)) == 2  # the receipt and one outcome
    outcomes = [c for c in slack.calls_to("chat.postMessage") if c.args.get("channel") == requester]
    assert len(outcomes) == 2
    deadline = time.monotonic() + 10
    while True:
        answers = [a for p in payloads for a in sink.wait(p["response_url"], timeout=0)]
        if len(answers) >= 19 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    already = sum(1 for answer in answers if "Already decided" in answer["text"])
    assert already == 19, [a["text"] for a in answers]


def test_a_slack_outage_delays_the_notices_but_loses_nothing(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program, sink: ResponseSink
) -> None:
    ask(server, emulator, slack, program.accounts["Acme Corp"], advocate=acme_jane(program))
    owner, requester = emulator.ids["owner"], emulator.ids["requester"]
    message = decision_message(emulator, owner)
    decision_message(emulator, requester)  # the receipt is there before Slack goes down

    slack.fail(503, methods={"chat.postMessage", "chat.update"})
    click(server, emulator, owner, "approve", buttons(message)["Approve"], sink, message)
    time.sleep(2)
    assert program.wait_balance("Acme Corp", 0) == 0  # the decision stands
    assert len(emulator.dms(requester)) == 1  # but Slack has not been told yet

    slack.fail(429, methods={"chat.postMessage"}, retry_after=1, count=2)
    # a 5xx may come from a gateway while Slack still stores the post: the retry looks for it
    # once the post can no longer be in flight (half the 60 s lease)
    outcome = decision_message(emulator, requester, 2, timeout=60)
    assert "approved" in all_text(outcome)
    assert "Approved by" in all_text(_wait_rewritten(emulator, owner))
    time.sleep(1.5)
    assert len(emulator.dms(requester)) == 2
    assert any(c.status == 429 for c in slack.calls_to("chat.postMessage", ok=False))


@pytest.mark.parametrize("backend", ["postgresql"])
def test_two_replicas_behind_a_balancer_decide_once(
    backend: str,
    server: RefdeskServer,
    env: dict[str, str],
    tmp_path: Any,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
    sink: ResponseSink,
) -> None:
    replica = RefdeskServer(env, tmp_path, server.signing_secret).start()
    try:
        ask(server, emulator, slack, program.accounts["Acme Corp"], advocate=acme_jane(program))
        owner, requester = emulator.ids["owner"], emulator.ids["requester"]
        request_id = buttons(decision_message(emulator, owner))["Approve"]
        payloads = [
            block_actions(owner, "approve", request_id, response_url=sink.new_url()) for _ in range(10)
        ]
        targets = [server, replica] * 5

        with ThreadPoolExecutor(max_workers=10) as pool:
            replies = list(
                pool.map(lambda pair: pair[0].interact(pair[1]), zip(targets, payloads, strict=True))
            )

        assert all(reply.status == 200 for reply in replies)
        assert len(emulator.wait_for_dms(requester, 2)) == 2
        time.sleep(1.5)
        assert len(emulator.dms(requester)) == 2
        assert program.wait_balance("Acme Corp", 0) == 0
    finally:
        replica.stop()


def test_a_refused_click_on_the_home_tab_is_answered_in_a_modal(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program
) -> None:
    ask(server, emulator, slack, program.accounts["Acme Corp"], advocate=acme_jane(program))
    request_id = buttons(decision_message(emulator, emulator.ids["owner"]))["Approve"]
    bystander = emulator.ids["bystander"]
    opened_before = len(slack.calls_to("views.open"))

    reply = server.interact(
        block_actions(
            bystander,
            "approve",
            request_id,
            trigger_id=emulator.trigger_id(bystander),
            view={"id": "VHOMETAB", "type": "home"},
            block_id=f"decision:{request_id}",
        )
    )

    assert reply.status == 200
    notice = slack.wait_for("views.open", count=opened_before + 1)[-1]
    assert_valid_view(notice.args["view"])
    assert f"Only <@{emulator.ids['owner']}> or a program admin can decide this." in str(notice.args["view"])
    assert program.balance("Acme Corp") == 3
