"""Socket Mode end to end: the real `refdesk serve --socket` against Slack's side on loopback.

Slack's side is the emulator (Web API) behind `SlackProxy`, which answers `apps.connections.open`
with the URL of `SocketModeServer`: envelopes go to the app over the WebSocket and its acks come
back there, as on a laptop talking to Slack.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_ask_and_decide import all_text, buttons, decision_message, form
from tests.e2e.test_customer_say import ANSWER_LINK, csrf_of, page_ok, post_form
from tests.e2e.test_giveback_and_followups import dms_with
from tests.support.blockkit import assert_valid_message_blocks, assert_valid_view
from tests.support.emulator import SIGNING_SECRET, Emulator
from tests.support.mailbox import Mailbox, text_part
from tests.support.payloads import block_actions, block_suggestion, view_submission
from tests.support.program import Program
from tests.support.response_sink import ResponseSink
from tests.support.server import RefdeskServer, Reply, http, run_cli
from tests.support.slack_proxy import SlackProxy
from tests.support.socket_mode import SocketModeServer


def acked(socket_slack: SocketModeServer, envelope_id: str, server: RefdeskServer) -> dict[str, Any]:
    """The ack's payload ({} for a bare ack); fails if the app did not ack within 3 s, as Slack wants."""
    ack = socket_slack.wait_ack(envelope_id, timeout=3)
    assert ack is not None, f"no ack for {envelope_id}: {server.log()}"
    return ack.payload or {}


def open_modal_over_socket(
    server: RefdeskServer, socket_slack: SocketModeServer, emulator: Emulator, slack: SlackProxy, user: str
) -> dict[str, Any]:
    before = len(slack.calls_to("views.open"))
    envelope = socket_slack.command("", user_id=user, trigger_id=emulator.trigger_id(user))
    assert acked(socket_slack, envelope, server) == {}
    opened = slack.wait_for("views.open", count=before + 1)
    assert len(opened) == before + 1, server.log()
    assert_valid_view(opened[-1].args["view"])
    return opened[-1].response["view"]


def health(server: RefdeskServer) -> tuple[int, dict[str, Any]]:
    reply: Reply = http("GET", server.url + "/healthz", timeout=5)
    return reply.status, json.loads(reply.body)


def wait_log(server: RefdeskServer, text: str, count: int = 1, timeout: float = 15) -> str:
    deadline = time.monotonic() + timeout
    while server.log().count(text) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return server.log()


def ask_and_approve_over_socket(
    server: RefdeskServer,
    socket_slack: SocketModeServer,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
    sink: ResponseSink,
) -> None:
    """The requester asks Acme Corp's Jane Doe for a reference call and the owner approves, all
    over the WebSocket: the search, the submission and the click acked there."""
    requester, owner = emulator.ids["requester"], emulator.ids["owner"]
    acme = program.accounts["Acme Corp"]
    view = open_modal_over_socket(server, socket_slack, emulator, slack, requester)

    options = acked(
        socket_slack,
        socket_slack.interact(block_suggestion(requester, "account", "fin", view)),
        server,
    )
    labels = [o["text"]["text"] for o in options["options"]]
    assert labels[0].startswith("Acme Corp") and not any(label.startswith("Umbrella") for label in labels)

    submitted = view_submission(
        requester,
        view,
        form(acme, advocate=(f"advocate:{acme}:reference_call", program.advocates["Jane Doe"])),
    )
    assert acked(socket_slack, socket_slack.interact(submitted), server) == {}

    message = decision_message(emulator, owner)
    assert_valid_message_blocks(message["blocks"])
    assert "Big Bank renewal" in all_text(message) and {"Approve", "Decline"} <= set(buttons(message))
    click = block_actions(
        owner,
        "approve",
        buttons(message)["Approve"],
        trigger_id=emulator.trigger_id(owner),
        response_url=sink.new_url(),
        channel=emulator.dm_channel(owner),
        message_ts=message["ts"],
    )
    assert acked(socket_slack, socket_slack.interact(click), server) == {}
    assert program.wait_balance("Acme Corp", 0) == 0


def test_ask_approve_and_the_dms_over_socket_mode(
    socket_server: RefdeskServer,
    socket_slack: SocketModeServer,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
    sink: ResponseSink,
) -> None:
    ask_and_approve_over_socket(socket_server, socket_slack, emulator, slack, program, sink)

    outcome = decision_message(emulator, emulator.ids["requester"], 2)
    assert_valid_message_blocks(outcome["blocks"])
    said = all_text(outcome)
    assert "approved" in said and f"*Jane Doe* is asked in person by <@{emulator.ids['owner']}>" in said
    assert "jane@acme.example" not in said, "nobody approaches the customer before their yes"


@pytest.fixture
def socket_mail_server(
    socket_env: dict[str, str], mail_env: dict[str, str], page_port: int, tmp_path: Path
) -> Iterator[RefdeskServer]:
    """`refdesk serve --socket` with the mail settings: the advocate's pages on `--port`."""
    process = RefdeskServer({**socket_env, **mail_env}, tmp_path, SIGNING_SECRET, socket=True, port=page_port)
    yield process.start()
    process.stop()


def test_the_advocate_answers_on_the_page_served_in_socket_mode(
    socket_mail_server: RefdeskServer,
    socket_slack: SocketModeServer,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
    sink: ResponseSink,
    mailbox: Mailbox,
) -> None:
    requester, owner = emulator.ids["requester"], emulator.ids["owner"]
    assert "the advocate's pages" in wait_log(socket_mail_server, "Socket Mode")
    ask_and_approve_over_socket(socket_mail_server, socket_slack, emulator, slack, program, sink)

    [mail] = mailbox.wait_for(1)
    assert mail["To"].addresses[0].addr_spec == "jane@acme.example"
    link = ANSWER_LINK.search(text_part(mail))
    assert link and link[0].startswith(socket_mail_server.url + "/answer/"), text_part(mail)
    page = http("GET", link[0], timeout=5)
    assert page.status == 200, socket_mail_server.log()
    page_ok(page.body)
    for words in ("Yes, happy to help", "Not this time", "Not for 3 months", "Please don&#39;t ask me again"):
        assert words in page.body, words

    fields = {"csrf": csrf_of(page.body), "answer": "yes", "note": "Glad to.", "times": "Fridays"}
    assert post_form(link[0], {**fields, "csrf": "forged"}).status == 403, "the CSRF field is checked"
    answered = post_form(link[0], fields)
    assert answered.status == 200 and "Thank you, Jane Doe" in answered.body
    page_ok(answered.body)
    [told] = dms_with(emulator, requester, "Yes, happy to help")
    assert_valid_message_blocks(told["blocks"])
    assert "jane@acme.example" in str(told["blocks"]) and "Glad to." in str(told["blocks"])
    assert dms_with(emulator, owner, "Yes, happy to help")
    assert program.balance("Acme Corp") == 0


def test_bad_input_comes_back_in_the_ack_as_an_inline_error(
    socket_server: RefdeskServer,
    socket_slack: SocketModeServer,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
) -> None:
    requester = emulator.ids["requester"]
    view = open_modal_over_socket(socket_server, socket_slack, emulator, slack, requester)

    submitted = view_submission(requester, view, form(program.accounts["Acme Corp"], amount="-5"))
    answer = acked(socket_slack, socket_slack.interact(submitted), socket_server)

    assert answer["response_action"] == "errors"
    assert "negative" in answer["errors"]["amount"]
    time.sleep(0.5)
    assert emulator.dms(emulator.ids["owner"]) == []


def home_opened(user: str, event_id: str) -> dict[str, Any]:
    return {
        "token": "unused",
        "team_id": "T000000001",
        "api_app_id": "A0REFDESK",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "event": {
            "type": "app_home_opened",
            "user": user,
            "channel": "D0000000001",
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        },
    }


def test_app_home_opened_publishes_the_home_tab(
    socket_server: RefdeskServer, socket_slack: SocketModeServer, emulator: Emulator, slack: SlackProxy
) -> None:
    user = emulator.ids["owner"]

    assert acked(socket_slack, socket_slack.event(home_opened(user, "Ev0SOCKET01")), socket_server) == {}

    published = slack.wait_for("views.publish", user_id=user)
    assert len(published) == 1
    assert_valid_view(published[0].args["view"])


def test_a_refresh_and_a_dropped_connection_lose_nothing_and_handle_nothing_twice(
    socket_server: RefdeskServer, socket_slack: SocketModeServer, emulator: Emulator, slack: SlackProxy
) -> None:
    user = emulator.ids["owner"]
    # an event still in flight on the connection Slack is about to retire
    before_refresh = socket_slack.event(home_opened(user, "Ev0SOCKET10"))
    assert socket_slack.refresh() == 0

    assert socket_slack.wait_connections(2) == 2, socket_server.log()
    after_refresh = socket_slack.command("help", user_id=user)
    assert "Reference Desk commands" in acked(socket_slack, after_refresh, socket_server)["text"]
    assert socket_slack.acks_of(after_refresh)[0].connection == 1

    assert socket_slack.drop() == 1
    assert socket_slack.wait_connections(3) == 3, socket_server.log()
    after_drop = socket_slack.event(home_opened(user, "Ev0SOCKET11"))
    assert acked(socket_slack, after_drop, socket_server) == {}
    assert socket_slack.acks_of(after_drop)[0].connection == 2

    # a stream closed without a close frame is noticed at once, not after pings time out
    assert socket_slack.drop(reset=False) == 2
    assert socket_slack.wait_connections(4, timeout=3) == 4, socket_server.log()
    after_close = socket_slack.command("help", user_id=user)
    assert "Reference Desk commands" in acked(socket_slack, after_close, socket_server)["text"]

    assert len(slack.wait_for("views.publish", count=2, user_id=user)) == 2
    time.sleep(1)
    assert len(slack.calls_to("views.publish")) == 2  # each event once, none twice
    for envelope in (before_refresh, after_refresh, after_drop, after_close):
        assert len(socket_slack.acks_of(envelope)) == 1
    assert len(slack.calls_to("apps.connections.open")) == 4
    log = wait_log(socket_server, "Socket Mode connection lost and reopened (attempt 1)", count=2)
    assert log.count("Socket Mode connection lost and reopened (attempt 1)") == 2
    assert "Traceback" not in log
    assert health(socket_server) == (200, {**health(socket_server)[1], "status": "ok"})


def test_a_lost_connection_is_retried_with_backoff_one_line_per_attempt_and_health_says_so(
    socket_server: RefdeskServer, socket_slack: SocketModeServer, emulator: Emulator, slack: SlackProxy
) -> None:
    status, body = health(socket_server)
    assert status == 200
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["socket_mode"]["state"] == "connected"

    slack.fail(503, methods={"apps.connections.open"})
    socket_slack.drop()
    log = wait_log(socket_server, "to reopen it failed", count=2)
    status, body = health(socket_server)
    assert status == 503, body
    assert body["status"] == "unavailable" and body["database"] == "ok"
    assert body["socket_mode"]["state"] == "reconnecting" and body["socket_mode"]["attempts"] >= 2

    slack.heal()
    assert socket_slack.wait_connections(2, timeout=10) == 2, socket_server.log()
    log = wait_log(socket_server, "Socket Mode connection lost and reopened")
    failed = [line for line in log.splitlines() if "to reopen it failed" in line]
    assert failed[0].endswith(
        "attempt 1 to reopen it failed (Slack answered service_unavailable); next in 1 s"
    )
    assert failed[1].endswith(
        "attempt 2 to reopen it failed (Slack answered service_unavailable); next in 2 s"
    )
    assert "Traceback" not in log
    reopened = [line for line in log.splitlines() if "reopened" in line]
    assert len(reopened) == 1 and reopened[0].endswith(f"(attempt {len(failed) + 1})")
    assert health(socket_server)[0] == 200
    help_after = socket_slack.command("help", user_id=emulator.ids["requester"])
    assert "Reference Desk commands" in acked(socket_slack, help_after, socket_server)["text"]


def test_socket_mode_serves_health_but_no_slack_route_on_its_port(socket_server: RefdeskServer) -> None:
    assert http("POST", socket_server.url + "/slack/events", b"{}").status == 404
    assert http("GET", socket_server.url + "/nope").status == 404


def test_a_correct_start_is_quiet_and_says_mode_workspace_bot_and_digest_once(
    socket_server: RefdeskServer, emulator: Emulator
) -> None:
    log = socket_server.log()

    assert " WARNING " not in log and "Traceback" not in log, log
    [line] = [line for line in log.splitlines() if "refdesk serving over" in line]
    assert "refdesk serving over Socket Mode, /healthz on " + socket_server.url in line
    assert "workspace Refdesk Test" in line and "as @refdesk (U0REFDESK)" in line
    assert f"the digest goes to channel {emulator.ids['channel']}" in line


def test_a_correct_http_start_is_quiet_too(server: RefdeskServer) -> None:
    log = server.log()

    assert " WARNING " not in log and "Traceback" not in log, log
    [line] = [line for line in log.splitlines() if "refdesk serving over" in line]
    assert f"refdesk serving over HTTP, Slack posts to {server.url}/slack/events" in line
    assert "workspace Refdesk Test" in line


@pytest.mark.parametrize(
    ("change", "connections_error", "says"),
    [
        (
            {"SLACK_API_URL": "http://127.0.0.1:9/api/"},
            None,
            "refdesk: Slack is unreachable at http://127.0.0.1:9/api/ (",
        ),
        (
            {"SLACK_APP_TOKEN": "xapp-1-A0REFDESK-1-wrong"},
            None,
            "refdesk: Slack refused SLACK_APP_TOKEN (invalid_auth): on the app's Basic Information page",
        ),
        (
            {"SLACK_BOT_TOKEN": "xoxp-a-user-token"},
            None,
            "refdesk: SLACK_BOT_TOKEN is invalid (it does not start with xoxb-): set SLACK_BOT_TOKEN to",
        ),
        (
            {"SLACK_APP_TOKEN": "xoxb-refdesk-test-bot"},
            None,
            "refdesk: SLACK_APP_TOKEN is invalid (it starts with xoxb-, a bot token, which belongs in "
            "SLACK_BOT_TOKEN): set SLACK_APP_TOKEN to an app-level token (xapp-...)",
        ),
        (
            {},
            "missing_scope",
            "refdesk: SLACK_APP_TOKEN lacks the connections:write scope (missing_scope): on the app's "
            "Basic Information page, App-Level Tokens, generate a token with the connections:write scope",
        ),
        (
            {},
            "not_allowed_token_type",
            "refdesk: SLACK_APP_TOKEN is not an app-level token (not_allowed_token_type): ",
        ),
    ],
    ids=[
        "unreachable",
        "app-token-refused",
        "bot-token-kind",
        "app-token-kind",
        "no-connections-write",
        "not-an-app-token",
    ],
)
def test_a_start_that_cannot_work_stops_with_one_line_naming_the_fix(
    socket_env: dict[str, str],
    slack: SlackProxy,
    change: dict[str, str],
    connections_error: str | None,
    says: str,
) -> None:
    slack.connections_error = connections_error

    started = time.monotonic()
    result = run_cli({**socket_env, **change}, "serve", "--socket", timeout=60)

    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(says), line
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 30
