"""Give back, nudges, decision SLAs and closing the loop, end to end: `refdesk jobs run` with a
controlled "now", the real server for clicks and modals, the emulator for what people see."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from store.act import Act
from store.customer import consent
from store.requests import asking, deciding
from store.requests.asking import Draft
from store.rules.policy import load_policy
from tests.support import store_seed
from tests.support.blockkit import assert_valid_message_blocks, assert_valid_view
from tests.support.emulator import Emulator
from tests.support.payloads import block_actions, block_suggestion, date, select, text, view_submission
from tests.support.program import Program
from tests.support.server import RefdeskServer, run_cli
from tests.support.slack_proxy import SlackProxy

NOW = dt.datetime.now(dt.UTC)


def jobs_run(env: dict[str, str], name: str, at: dt.datetime) -> str:
    done = run_cli(env, "jobs", "run", name, "--now", at.isoformat())
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def file_request(
    program: Program, emulator: Emulator, account: str, *, approve: bool, needed_by: dt.date | None = None
) -> int:
    """A request as the ask-and-decide flow leaves it (that flow has its own end-to-end tests)."""
    db, policy = program.database(), load_policy()
    try:
        admins = frozenset({emulator.ids["admin"]})
        submitted = asking.submit(
            db,
            policy,
            Draft(account_id=program.accounts[account], activity="reference_call", needed_by=needed_by),
            Act(emulator.ids["requester"], admins, NOW, NOW.date()),
            source_key=f"test:{account}:{time.monotonic()}",
        )
        if approve:
            deciding.decide(
                db,
                policy,
                submitted.request_id,
                Act(emulator.ids["admin"], admins, NOW, NOW.date()),
                approve=True,
                advocate_id=store_seed.someone_to_ask(db, submitted.request_id),
            )
            # the customer said yes to the owner (follow-ups go only to asks the customer confirmed)
            consent.answer(
                db, policy, submitted.request_id, "yes", Act(emulator.ids["admin"], admins, NOW, NOW.date())
            )
        return submitted.request_id
    finally:
        db.dispose()


def dms_with(
    emulator: Emulator, user: str, words: str, count: int = 1, timeout: float = 15
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in emulator.dms(user) if words in m.get("text", "")]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def posts(slack: SlackProxy, words: str) -> list[Any]:
    return [c for c in slack.calls_to("chat.postMessage") if words in str(c.args.get("text", ""))]


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {}
    for block in message.get("blocks", []):
        elements = block.get("elements", []) if block["type"] == "actions" else [block.get("accessory") or {}]
        for element in elements:
            if element.get("type") == "button":
                found[element["text"]["text"]] = element
    return found


def click(
    server: RefdeskServer, emulator: Emulator, user: str, message: dict[str, Any], label: str, **kw: Any
) -> None:
    element = buttons(message)[label]
    payload = block_actions(
        user,
        element["action_id"],
        element["value"],
        trigger_id=emulator.trigger_id(user),
        message_ts=message["ts"],
        **kw,
    )
    assert server.interact(payload).status == 200


def opened_view(slack: SlackProxy, count: int) -> dict[str, Any]:
    opened = slack.wait_for("views.open", count=count)
    assert len(opened) >= count
    assert_valid_view(opened[count - 1].args["view"])
    return opened[count - 1].response["view"]


def log_form(
    account: int | None, value: str = "early_access", note: str = "Beta seat", when: str | None = None
) -> dict[str, Any]:
    return {
        "account": {
            "account": select(str(account))
            if account
            else {"type": "external_select", "selected_option": None}
        },
        "advocate": {"log_advocate": {"type": "external_select", "selected_option": None}},
        "value": {"value": select(value)},
        "note": {"value": text(note)},
        "occurred_on": {"value": date(when or NOW.date().isoformat())},
    }


def test_log_value_modal_validates_inline_and_raises_the_balance(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program
) -> None:
    owner = emulator.ids["owner"]
    assert server.command("log acme", user_id=owner, trigger_id=emulator.trigger_id(owner)).status == 200
    view = opened_view(slack, 1)

    labels = [block["label"]["text"] for block in view["blocks"] if block["type"] == "input"]
    assert labels == ["Account", "Advocate", "Value delivered", "What was done", "When"]
    account = view["blocks"][0]["element"]
    assert account["type"] == "external_select" and account["initial_option"]["value"] == str(
        program.accounts["Acme Corp"]
    )
    groups = [g["label"]["text"] for g in view["blocks"][2]["element"]["option_groups"]]
    assert groups == ["Affiliation", "Learning", "Reputation", "Status", "Say in product", "Business"]

    suggestion = server.interact(
        block_suggestion(owner, "log_advocate", "", view, block_id="advocate")
    ).json()
    assert sorted(o["text"]["text"] for o in suggestion["options"]) == [
        "Jane Doe, VP Engineering",
        "Sam Roe, CTO",
    ]

    future = (NOW.date() + dt.timedelta(days=2)).isoformat()
    bad = server.interact(view_submission(owner, view, log_form(None, note="", when=future))).json()
    assert bad["response_action"] == "errors"
    assert set(bad["errors"]) == {"account", "note", "occurred_on"}
    assert program.balance("Acme Corp") == 3

    good = server.interact(view_submission(owner, view, log_form(program.accounts["Acme Corp"]))).json()
    assert good["response_action"] == "update"
    assert_valid_view(good["view"])
    assert "Balance now *6 points*" in good["view"]["blocks"][0]["text"]["text"]
    assert program.balance("Acme Corp") == 6
    receipt = dms_with(emulator, owner, "Logged value for Acme Corp")
    assert len(receipt) == 1 and "balance now 6 points" in receipt[0]["text"]
    assert_valid_message_blocks(receipt[0]["blocks"])


def test_weekly_nudge_goes_once_to_owners_with_something_to_give_and_opens_the_log_modal(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program, env: dict[str, str]
) -> None:
    owner, owner2 = emulator.ids["owner"], emulator.ids["owner2"]
    file_request(program, emulator, "Acme Corp", approve=True)
    program.wait_owed_nothing()  # the server sent the request's messages: the 429 is the nudge's
    slack.fail(429, methods={"chat.postMessage"}, retry_after=1, count=1)
    # the job's clock is the server's (NOW is when the module was imported, minutes ago in a long
    # run): a claim's lease in the server's past would be taken over while its post is on its way
    now = dt.datetime.now(dt.UTC)

    first = jobs_run(env, "nudge", now)
    again = jobs_run(env, "nudge", now + dt.timedelta(hours=2))

    assert "1 claimed" in first
    assert "0 claimed" in again
    nudges = dms_with(emulator, owner, "Time to give back")
    assert len(nudges) == 1
    assert_valid_message_blocks(nudges[0]["blocks"])
    body = " ".join(b.get("text", {}).get("text", "") for b in nudges[0]["blocks"])
    assert "Acme Corp" in body and "balance *0 points*" in body and "Umbrella" not in body
    assert "1 ask (3 points), nothing given back in the last 90 days · never given back" in body
    assert dms_with(emulator, owner2, "Time to give back", timeout=0.5) == []
    posts = [c for c in slack.calls_to("chat.postMessage", ok=None) if "Time to give back" in c.args["text"]]
    assert [c.status for c in posts] == [429, 200]  # Retry-After waited out, then sent

    click(
        server,
        emulator,
        owner,
        nudges[0],
        "Log value",
        channel=nudges[0].get("channel", ""),
        block_id="nudge",
    )
    view = opened_view(slack, 1)
    assert view["blocks"][0]["element"]["initial_option"]["value"] == str(program.accounts["Acme Corp"])


def test_decision_sla_reminds_the_owner_then_escalates_to_the_admins_once_each(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program, env: dict[str, str]
) -> None:
    owner, admin = emulator.ids["owner"], emulator.ids["admin"]
    file_request(program, emulator, "Acme Corp", approve=False)

    assert "0 claimed" in jobs_run(env, "sla-check", NOW + dt.timedelta(hours=23))
    assert "1 claimed" in jobs_run(env, "sla-check", NOW + dt.timedelta(hours=25))
    assert "0 claimed" in jobs_run(env, "sla-check", NOW + dt.timedelta(hours=30))
    assert "1 claimed" in jobs_run(env, "sla-check", NOW + dt.timedelta(hours=49))
    assert "0 claimed" in jobs_run(env, "sla-check", NOW + dt.timedelta(hours=60))

    reminders = [c for c in posts(slack, "Reminder:") if c.response["channel"] == emulator.dm_channel(owner)]
    escalations = [
        c for c in posts(slack, "Escalated:") if c.response["channel"] == emulator.dm_channel(admin)
    ]
    assert len(reminders) == 1 and len(escalations) == 1
    for call in (*reminders, *escalations):
        assert_valid_message_blocks(call.args["blocks"])
    assert "Approve" in buttons(dms_with(emulator, admin, "Escalated:")[0])


def test_done_and_fell_through_close_the_loop_once_and_fell_through_restores_the_balance(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program, env: dict[str, str]
) -> None:
    requester = emulator.ids["requester"]
    done_id = file_request(program, emulator, "Acme Corp", approve=True, needed_by=NOW.date())
    file_request(program, emulator, "Globex", approve=True, needed_by=NOW.date())
    assert program.balance("Globex") == 0

    asked_at = NOW + dt.timedelta(days=1)
    assert "2 claimed" in jobs_run(env, "followup", asked_at)
    assert "0 claimed" in jobs_run(env, "followup", asked_at + dt.timedelta(hours=1))
    questions = {m["text"]: m for m in dms_with(emulator, requester, "How did your reference", count=2)}
    acme, globex = (
        questions["How did your reference with Acme Corp go?"],
        questions["How did your reference with Globex go?"],
    )
    for message in (acme, globex):
        assert_valid_message_blocks(message["blocks"])
        assert set(buttons(message)) == {"Done", "Fell through"}

    click(server, emulator, requester, acme, "Done", block_id="followup")
    done_view = opened_view(slack, 1)
    deal = {
        "deal": {"value": {"type": "radio_buttons", "selected_option": {"value": "moved"}}},
        "note": {"value": text("Signed!")},
    }
    assert server.interact(view_submission(requester, done_view, deal)).status == 200
    rewritten = slack.wait_for("chat.update", ts=acme["ts"])
    assert rewritten and "Done" in rewritten[0].args["text"] and "moved forward" in rewritten[0].args["text"]
    assert_valid_message_blocks(rewritten[0].args["blocks"])
    assert program.balance("Acme Corp") == 0

    week_later = asked_at + dt.timedelta(days=8)
    assert "1 claimed" in jobs_run(env, "followup", week_later)
    reminder = dms_with(emulator, requester, "How did your reference with Globex", count=2)[-1]
    assert "Still open" in reminder["blocks"][0]["text"]["text"]

    click(server, emulator, requester, reminder, "Fell through", block_id="followup")
    reason_view = opened_view(slack, 2)
    empty = server.interact(view_submission(requester, reason_view, {"reason": {"value": text(" ")}})).json()
    assert empty["response_action"] == "errors" and "reason" in empty["errors"]
    assert (
        server.interact(
            view_submission(
                requester, reason_view, {"reason": {"value": text("Prospect went with a competitor")}}
            )
        ).status
        == 200
    )

    updates = [
        *slack.wait_for("chat.update", ts=globex["ts"]),
        *slack.wait_for("chat.update", ts=reminder["ts"]),
    ]
    assert len(updates) == 2
    assert all(
        "Fell through" in u.args["text"] and "balance is now 3 points" in u.args["text"] for u in updates
    )
    assert program.balance("Globex") == 3
    assert "0 claimed" in jobs_run(env, "followup", week_later + dt.timedelta(days=8))
    assert done_id


def test_jobs_run_with_an_unknown_name_lists_the_jobs(env: dict[str, str]) -> None:
    result = run_cli(env, "jobs", "run", "tidy-up")

    assert result.returncode == 2
    assert "nudge, sla-check, followup" in result.stderr
    assert "Traceback" not in result.stderr
