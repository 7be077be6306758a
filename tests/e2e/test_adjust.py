"""Admin adjustments end to end: `/reference adjust` and `refdesk ledger adjust` against the real
server and CLI, the emulator for what the admin and the owner see."""

from __future__ import annotations

from typing import Any

from tests.e2e.test_giveback_and_followups import dms_with, opened_view
from tests.support.blockkit import assert_valid_message_blocks, assert_valid_view
from tests.support.emulator import Emulator
from tests.support.payloads import block_suggestion, select, text, view_submission
from tests.support.program import Program
from tests.support.server import RefdeskServer, run_cli
from tests.support.slack_proxy import SlackProxy


def adjust_form(account: int, amount: str, reason: str) -> dict[str, Any]:
    return {
        "account": {"account": select(str(account))},
        "amount": {"value": {"type": "number_input", "value": amount}},
        "reason": {"value": text(reason)},
    }


def all_text(message: dict[str, Any]) -> str:
    return " ".join(
        [b["text"]["text"] for b in message["blocks"] if "text" in b]
        + [e["text"] for b in message["blocks"] for e in b.get("elements", [])]
    )


def test_an_admin_adjusts_a_balance_once_and_the_owner_is_told_why(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program
) -> None:
    admin, owner = emulator.ids["admin"], emulator.ids["owner"]
    acme = program.accounts["Acme Corp"]
    assert server.command("adjust", user_id=admin, trigger_id=emulator.trigger_id(admin)).status == 200
    view = opened_view(slack, 1)

    labels = [block["label"]["text"] for block in view["blocks"] if block["type"] == "input"]
    assert labels == ["Account", "Amount", "Reason"]
    picked = server.interact(block_suggestion(admin, "account", "acme", view)).json()
    assert [o["value"] for o in picked["options"]] == [str(acme)]

    bad = server.interact(view_submission(admin, view, adjust_form(acme, "0", ""))).json()
    assert bad["response_action"] == "errors" and set(bad["errors"]) == {"amount", "reason"}

    form = adjust_form(acme, "+2", "Spoke at our <b>summit</b> in 2024")
    good = server.interact(view_submission(admin, view, form)).json()
    again = server.interact(view_submission(admin, view, form)).json()

    assert good["response_action"] == again["response_action"] == "update"
    assert_valid_view(good["view"])
    assert program.balance("Acme Corp") == 5
    [receipt] = dms_with(emulator, admin, "Adjusted Acme Corp by +2 points")
    assert receipt["text"] == "Adjusted Acme Corp by +2 points: balance now 5 points"
    [notice] = dms_with(emulator, owner, "adjusted the balance of Acme Corp")
    for message in (receipt, notice):
        assert_valid_message_blocks(message["blocks"])
    assert f"<@{admin}> adjusted the balance of your account *Acme Corp* by *+2 points*" in all_text(notice)
    assert "Reason: Spoke at our &lt;b&gt;summit&lt;/b&gt; in 2024" in all_text(notice)
    assert len(dms_with(emulator, owner, "adjusted the balance", count=2, timeout=2)) == 1


def test_a_non_admin_gets_a_refusal_only_they_see_and_no_modal(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program
) -> None:
    owner = emulator.ids["owner"]

    reply = server.command("adjust acme", user_id=owner, trigger_id=emulator.trigger_id(owner))

    assert reply.status == 200
    assert reply.json() == {
        "response_type": "ephemeral",
        "text": "Only a program admin can adjust an account's balance.",
    }
    assert slack.calls_to("views.open") == []
    assert program.balance("Acme Corp") == 3


def test_refdesk_ledger_adjust_posts_it_and_sends_both_dms(
    env: dict[str, str], emulator: Emulator, program: Program
) -> None:
    admin, owner2 = emulator.ids["admin"], emulator.ids["owner2"]

    done = run_cli(env, "ledger", "adjust", "G-1", "-1", "--reason", "Duplicate import", "--by", admin)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Globex: −1 point, balance now 2 points"
    assert program.balance("Globex") == 2
    [receipt] = dms_with(emulator, admin, "Adjusted Globex by −1 point")
    [notice] = dms_with(emulator, owner2, "adjusted the balance of Globex by −1 point: Duplicate import")
    for message in (receipt, notice):
        assert_valid_message_blocks(message["blocks"])
