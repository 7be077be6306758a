"""The running server: `/reference help`, signatures, malformed bodies, health."""

from __future__ import annotations

import json
import time

from tests.support.blockkit import assert_valid_message_blocks
from tests.support.emulator import Emulator
from tests.support.server import RefdeskServer, http
from tests.support.signing import slash_command_body
from tests.support.slack_proxy import SlackProxy


def test_help_answers_the_asker_only_with_what_the_command_does(
    server: RefdeskServer, emulator: Emulator
) -> None:
    reply = server.command("help", user_id=emulator.ids["requester"])

    assert reply.status == 200
    answer = reply.json()
    assert answer["response_type"] == "ephemeral"
    assert_valid_message_blocks(answer["blocks"])
    text = " ".join(block["text"]["text"] for block in answer["blocks"])
    for usage in ("/reference log", "/reference find", "/reference status", "/reference help"):
        assert usage in text


def test_an_unknown_sub_command_gets_the_help_with_a_note(server: RefdeskServer, emulator: Emulator) -> None:
    reply = server.command("frobnicate now", user_id=emulator.ids["requester"])

    assert reply.status == 200
    blocks = reply.json()["blocks"]
    assert_valid_message_blocks(blocks)
    assert "`frobnicate` is not a command" in blocks[0]["text"]["text"]


def test_a_bad_signature_gets_401(server: RefdeskServer, emulator: Emulator) -> None:
    reply = server.post_signed(
        slash_command_body("help", user_id=emulator.ids["requester"]), secret="not-the-signing-secret"
    )
    assert reply.status == 401


def test_a_stale_timestamp_gets_401(server: RefdeskServer, emulator: Emulator) -> None:
    ten_minutes_ago = int(time.time()) - 600
    reply = server.post_signed(
        slash_command_body("help", user_id=emulator.ids["requester"]), timestamp=ten_minutes_ago
    )
    assert reply.status == 401


def test_an_unsigned_request_gets_401(server: RefdeskServer) -> None:
    reply = http(
        "POST",
        server.url + "/slack/events",
        b"command=%2Freference&text=help",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 401


def test_malformed_bodies_get_4xx_and_the_server_keeps_serving(
    server: RefdeskServer, emulator: Emulator
) -> None:
    bodies = [
        ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
        ("{not json", "application/json"),
        ("", "application/x-www-form-urlencoded"),
        ("payload=%5B1%2C2%5D", "application/x-www-form-urlencoded"),
        ('payload={"type":"block_actions"}', "application/x-www-form-urlencoded"),
    ]
    for body, content_type in bodies:
        reply = server.post_signed(body, content_type=content_type)
        assert 400 <= reply.status < 500, (body, reply)
    assert server.alive()
    assert server.command("help", user_id=emulator.ids["requester"]).status == 200


def test_healthz_answers_ok(server: RefdeskServer) -> None:
    assert http("GET", server.url + "/healthz").json() == {"status": "ok", "database": "ok"}
    assert http("GET", server.url + "/nope").status == 404


def test_an_event_slack_sends_twice_is_handled_once(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy
) -> None:
    user = emulator.ids["owner"]
    event = {
        "token": "unused",
        "team_id": "T000000001",
        "api_app_id": "A0REFDESK",
        "type": "event_callback",
        "event_id": "Ev0REFDESK01",
        "event_time": int(time.time()),
        "event": {
            "type": "app_home_opened",
            "user": user,
            "channel": "D0000000001",
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        },
    }
    body = json.dumps(event)
    for _ in range(2):
        assert server.post_signed(body, content_type="application/json").status == 200

    assert len(slack.wait_for("views.publish", user_id=user)) == 1
    time.sleep(1)
    assert len(slack.calls_to("views.publish")) == 1
