"""Find, status, the weekly digest and App Home, end to end against the Slack emulator."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time
import zoneinfo
from decimal import Decimal
from typing import Any

from slack_sdk import WebClient

from handlers.digest.words import week_of
from store import ledger
from store.act import Act
from store.models import EntryKind, ReferenceRequest
from store.periods import Period
from store.requests import asking, deciding
from store.rules.policy import load_policy
from tests.support.blockkit import assert_valid_message_blocks, assert_valid_view
from tests.support.emulator import Emulator
from tests.support.payloads import block_actions
from tests.support.program import Program
from tests.support.server import RefdeskServer, run_cli
from tests.support.slack_proxy import SlackProxy

POLICY = load_policy()
_sources = itertools.count()


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b.get("type") == "section" and "text" in b]


def file_request(
    program: Program,
    emulator: Emulator,
    account: str,
    requester: str = "requester",
    advocate: str | None = None,
) -> int:
    """A request as the modal files it (the modal itself is covered by test_ask_and_decide)."""
    db = program.database()
    now = dt.datetime.now(dt.UTC)
    try:
        return asking.submit(
            db,
            POLICY,
            asking.Draft(
                program.accounts[account],
                "reference_call",
                opportunity_name="Big Bank",
                amount=Decimal(1000),
                advocate_id=program.advocates[advocate] if advocate else None,
            ),
            Act(emulator.ids[requester], frozenset({emulator.ids["admin"]}), now, now.date()),
            source_key=f"test:{next(_sources)}",
        ).request_id
    finally:
        db.dispose()


def test_find_ranks_the_fitting_account_first_the_resting_one_last_and_request_opens_the_modal(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program
) -> None:
    alice = emulator.ids["requester"]
    program.adjust("Acme Corp", 4, emulator.ids["admin"])
    db = program.database()
    try:
        with db.transaction() as session:
            five_days_ago = dt.date.today() - dt.timedelta(days=5)
            ledger.post(
                session,
                account_id=program.accounts["Hooli"],
                kind=EntryKind.ASK,
                amount=0,
                item="logo",
                actor_id=emulator.ids["owner2"],
                now=dt.datetime.now(dt.UTC),
                occurred_on=five_days_ago,
            )
    finally:
        db.dispose()

    answer = server.command("find fintech reference call", user_id=alice).json()

    assert answer["response_type"] == "ephemeral"
    assert_valid_message_blocks(answer["blocks"])
    listed = [b for b in answer["blocks"] if b.get("accessory", {}).get("action_id") == "request_account"]
    names = [b["text"]["text"].split("*")[1] for b in listed]
    assert names == ["Acme Corp", "Globex", "Initech", "Hooli"]
    assert (
        "Balance 7 points → 4 points" in listed[0]["text"]["text"]
        and "1 willing advocate" in listed[0]["text"]["text"]
    )
    assert f"resting: asked on {five_days_ago.isoformat()}" in listed[-1]["text"]["text"]
    assert {b["accessory"]["text"]["text"] for b in listed} == {"Request"}

    acme = listed[0]["accessory"]["value"]
    server.interact(block_actions(alice, "request_account", acme, trigger_id=emulator.trigger_id(alice)))
    opened = slack.wait_for("views.open")
    assert opened, server.log()
    assert_valid_view(opened[0].args["view"])
    account_input = next(b for b in opened[0].args["view"]["blocks"] if b.get("block_id") == "account")
    assert account_input["element"]["initial_option"]["value"] == acme

    nothing = server.command("find aerospace", user_id=alice).json()
    assert_valid_message_blocks(nothing["blocks"])
    assert "No account matches “aerospace”" in texts(nothing["blocks"])[0]
    assert "broader" in json.dumps(nothing["blocks"])


def test_status_lists_my_requests_with_their_state_and_who_decides(
    server: RefdeskServer, emulator: Emulator, program: Program
) -> None:
    pending = file_request(program, emulator, "Acme Corp")
    declined = file_request(program, emulator, "Globex")
    file_request(program, emulator, "Hooli", requester="requester2")
    db = program.database()
    now = dt.datetime.now(dt.UTC)
    try:
        deciding.decide(
            db,
            POLICY,
            declined,
            Act(emulator.ids["owner2"], frozenset(), now, now.date()),
            approve=False,
            reason="Busy quarter",
        )
    finally:
        db.dispose()

    answer = server.command("status", user_id=emulator.ids["requester"]).json()

    assert answer["response_type"] == "ephemeral"
    assert_valid_message_blocks(answer["blocks"])
    lines = texts(answer["blocks"])[1:]
    assert len(lines) == 2 and pending != declined
    assert lines[0].startswith("❌ Declined — Reference call with a prospect with *Globex*")
    assert f"by <@{emulator.ids['owner2']}>" in lines[0]
    assert lines[1].startswith("⏳ Pending — Reference call with a prospect with *Acme Corp*")
    assert f"<@{emulator.ids['owner']}> decides" in lines[1]
    assert "Hooli" not in json.dumps(answer)


def test_the_digest_posts_the_seeded_week_once_and_the_dry_run_prints_it(
    env: dict[str, str], emulator: Emulator, slack: SlackProxy, program: Program
) -> None:
    period = Period.last_complete_week(dt.datetime.now(dt.UTC), zoneinfo.ZoneInfo("UTC"))
    wednesday = dt.datetime.combine(period.start + dt.timedelta(days=2), dt.time(10), dt.UTC)
    db = program.database()
    try:
        with db.transaction() as session:
            for account, status, hours, amount in (
                ("Acme Corp", "approved", 6, "250000"),
                ("Globex", "declined", 2, None),
                ("Hooli", "pending", None, None),
            ):
                session.add(
                    ReferenceRequest(
                        account_id=program.accounts[account],
                        requester_id=emulator.ids["requester"],
                        activity="reference_call",
                        cost=3,
                        status=status,
                        created_at=wednesday,
                        decided_at=wednesday + dt.timedelta(hours=hours) if hours else None,
                        decided_by=emulator.ids["owner"] if hours else None,
                        amount=Decimal(amount) if amount else None,
                    )
                )
            ledger.post(
                session,
                account_id=program.accounts["Acme Corp"],
                kind=EntryKind.GIVE,
                amount=4,
                item="award",
                actor_id=emulator.ids["owner"],
                now=wednesday,
                occurred_on=wednesday.date(),
            )
    finally:
        db.dispose()

    dry = run_cli(env, "digest", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    for line in ("Opened                   3", "Approved                 1", "Declined                 1"):
        assert line in dry.stdout
    assert "Median time to decision  4 h 0 min" in dry.stdout
    # the old sum of requested amounts is gone: outcomes come from the CRM's opportunities
    assert "Pipeline influenced" not in dry.stdout
    assert "No CRM opportunities imported yet: `refdesk import opportunities FILE.csv`." in dry.stdout
    # the command line names people as Slack does
    assert "• Olivia Owner: +4 points given back (1 time)" in dry.stdout
    assert not slack.calls_to("chat.postMessage")

    first, second = run_cli(env, "digest"), run_cli(env, "digest")

    assert first.returncode == 0 and f"posted the digest of the {week_of(period)}" in first.stdout, (
        first.stderr
    )
    assert second.returncode == 0 and "already posted" in second.stdout
    posts = [
        c for c in slack.calls_to("chat.postMessage") if c.args.get("channel") == emulator.ids["channel"]
    ]
    assert len(posts) == 1
    assert_valid_message_blocks(posts[0].args["blocks"])
    history = emulator.history(emulator.ids["channel"])
    digests = [m for m in history if not m.get("files")]
    assert len(digests) == 1 and week_of(period) in digests[0]["text"]
    # beside it, once each, the week's chart and the coverage heat map (tests/e2e/test_offers.py looks
    # at them closely)
    assert len([m for m in history if m.get("files")]) == 2


def test_a_digest_channel_the_app_is_not_in_gets_a_log_line_and_tells_the_admins_how(
    env: dict[str, str], emulator: Emulator
) -> None:
    # the bot cannot see a private channel it is not in; the workspace admin can
    as_admin = WebClient(token="xoxp-workspace-admin", base_url=emulator.api_url)
    channels = as_admin.conversations_list(types="private_channel")["channels"]
    private = next(c["id"] for c in channels if c["name"] == "private-program")
    done = run_cli({**env, "REFDESK_DIGEST_CHANNEL": private}, "digest")

    assert done.returncode == 1
    assert f"could not be posted in channel {private} (not_in_channel)" in done.stderr
    dms = emulator.wait_for_dms(emulator.ids["admin"], 1)
    assert len(dms) == 1 and "/invite @Reference Desk" in json.dumps(dms[0]["blocks"])
    assert_valid_message_blocks(dms[0]["blocks"])


def open_home(server: RefdeskServer, user: str) -> None:
    event = {
        "token": "unused",
        "team_id": "T000000001",
        "api_app_id": "A0REFDESK",
        "type": "event_callback",
        "event_id": f"Ev{time.time_ns()}",
        "event_time": int(time.time()),
        "event": {
            "type": "app_home_opened",
            "user": user,
            "channel": "D0HOME",
            "tab": "home",
            "event_ts": "1.1",
        },
    }
    reply = server.post_signed(json.dumps(event), content_type="application/json")
    assert reply.status == 200, reply


def test_app_home_shows_the_waiting_decision_and_its_approve_button_works(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program
) -> None:
    olivia = emulator.ids["owner"]
    request_id = file_request(program, emulator, "Acme Corp", advocate="Jane Doe")

    open_home(server, olivia)

    published = slack.wait_for("views.publish", user_id=olivia)
    assert published, server.log()
    view = published[0].args["view"]
    assert_valid_view(view)
    buttons = {e["text"]["text"]: e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]}
    # the decision's buttons, and the bench's Nominate (App Home's "Grow the bench")
    assert set(buttons) == {"Approve", "Decline", "Nominate"}
    assert buttons["Approve"]["value"] == str(request_id)
    assert "*Acme Corp*: 3" in json.dumps(view)  # the balance of the account she owns

    home = {**published[0].response["view"], "type": "home"}
    click = block_actions(olivia, "approve", str(request_id), view=home, block_id=f"decision:{request_id}")
    assert server.interact(click).status == 200

    again = slack.wait_for("views.publish", count=2, user_id=olivia)
    assert len(again) == 2, server.log()
    refreshed = again[1].args["view"]
    assert_valid_view(refreshed)
    assert "Nothing to decide right now." in json.dumps(refreshed)
    assert "*Acme Corp*: 0" in json.dumps(refreshed)
    assert program.balance("Acme Corp") == 0
