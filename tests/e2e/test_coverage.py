"""Coverage end to end: the real `refdesk serve`, the Slack emulator and the `refdesk` command.

A find for healthcare, whose only account is paused → unmet demand recorded after the answer →
**Nothing fits** says what the deal needed → a new healthcare customer with nobody to ask yet is
imported → `refdesk coverage` names the gap → `refdesk jobs run coverage-gaps` DMs that account's
owner once, whose **Nominate** opens how to add someone; the admins read the day's needs the next
morning.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from store.models import Delivery, Demand, DemandSource
from store.outbox.kinds import DeliveryKind
from tests.e2e.test_giveback_and_followups import dms_with, jobs_run, opened_view
from tests.support.blockkit import assert_valid_message_blocks, assert_valid_view
from tests.support.emulator import Emulator
from tests.support.payloads import block_actions, view_submission
from tests.support.program import Program
from tests.support.server import RefdeskServer, run_cli
from tests.support.slack_proxy import SlackProxy

GAP = (
    "1. Healthcare, Reference call with a prospect: 2 needed in the last 90 days, 0 filled, "
    "0 advocates who can be asked now"
)


def needs(program: Program, count: int, timeout: float = 10) -> list[tuple[str, str, str | None, str]]:
    """The demand rows once there are `count` (the search's is written just after the answer)."""
    deadline = time.monotonic() + timeout
    while True:
        db = program.database()
        try:
            with db.transaction() as session:
                rows = [
                    (d.source, d.industry, d.activity, d.blocked_by)
                    for d in session.scalars(select(Demand).order_by(Demand.id))
                ]
        finally:
            db.dispose()
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.1)


def nothing_fits_values(words: str) -> dict[str, dict[str, Any]]:
    return {
        "words": {"value": {"type": "plain_text_input", "value": words}},
        "activity": {"value": {"type": "static_select", "selected_option": {"value": "reference_call"}}},
        "industry": {"value": {"type": "plain_text_input", "value": "Healthcare"}},
    }


def test_an_unmet_find_becomes_a_named_gap_and_the_owner_of_a_fitting_account_is_asked_once(
    server: RefdeskServer,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
    env: dict[str, str],
    tmp_path: Path,
) -> None:
    alice, admin = emulator.ids["requester"], emulator.ids["admin"]
    owner, owner2 = emulator.ids["owner"], emulator.ids["owner2"]

    answer = server.command("find healthcare reference call", user_id=alice).json()

    assert_valid_message_blocks(answer["blocks"])
    listed = [b["text"]["text"] for b in answer["blocks"] if b["type"] == "section"][1:]
    assert len(listed) == 1 and "*Umbrella*" in listed[0] and "Not now — paused" in listed[0]
    assert needs(program, 1) == [(DemandSource.SEARCH, "Healthcare", "reference_call", "account_status")]

    # Nothing fits: the modal opens filled in with what the search said, and stores the need
    [nothing_fits] = answer["blocks"][-1]["elements"]
    assert json.loads(nothing_fits["value"])["industry"] == "Healthcare"
    click = block_actions(
        alice,
        "nothing_fits",
        nothing_fits["value"],
        trigger_id=emulator.trigger_id(alice),
        block_id="nothing_fits",
    )
    assert server.interact(click).status == 200
    view = opened_view(slack, 1)
    thanked = server.interact(view_submission(alice, view, nothing_fits_values("A hospital CIO"))).json()
    assert thanked["response_action"] == "update"
    assert_valid_view(thanked["view"])
    assert [row[0] for row in needs(program, 2)] == [DemandSource.SEARCH, DemandSource.NOTHING_FITS]

    # a new healthcare customer signs; nobody there is an advocate yet
    accounts = tmp_path / "mercy.csv"
    accounts.write_text(
        "name,industry,segment,region,products,owner_email,crm_id,renewal_date,status\n"
        "Mercy Health,Healthcare,Mid-market,NA,Records,oscar@example.com,M-1,,active\n"
    )
    assert run_cli(env, "import", "accounts", str(accounts)).returncode == 0

    covered = run_cli(env, "coverage")
    print(f"\n$ refdesk coverage\n{covered.stdout}")
    assert covered.returncode == 0, covered.stderr
    assert GAP in covered.stdout
    as_json = json.loads(run_cli(env, "coverage", "--json").stdout)
    assert as_json["gaps"][0]["industry"] == "Healthcare" and as_json["gaps"][0]["short"] == 2

    now = dt.datetime.now(dt.UTC)
    first = jobs_run(env, "coverage-gaps", now)
    # later the same day, so in the same week: its claim is made, nothing new is
    end_of_day = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(0), dt.UTC)
    again = jobs_run(env, "coverage-gaps", now + min(dt.timedelta(hours=2), (end_of_day - now) / 2))
    assert "1 claimed, 1 sent" in first and "0 claimed" in again
    [asked] = dms_with(emulator, owner2, "Where we're short")
    assert_valid_message_blocks(asked["blocks"])
    sections = [b["text"]["text"] for b in asked["blocks"] if b["type"] == "section"]
    assert sections[1] == (
        "*Healthcare, Reference call with a prospect*: 2 needed in the last 90 days, 0 filled, "
        "0 advocates who can be asked now"
    )
    assert sections[2] == "*Mercy Health* · nobody there can be asked for it now"
    assert dms_with(emulator, owner, "Where we're short", timeout=0.5) == []  # Umbrella is paused
    time.sleep(1)
    assert len(dms_with(emulator, owner2, "Where we're short")) == 1

    nominate = next(
        b["accessory"]
        for b in asked["blocks"]
        if b.get("accessory", {}).get("text", {}).get("text") == "Nominate"
    )
    press = block_actions(
        owner2, "nominate", nominate["value"], trigger_id=emulator.trigger_id(owner2), message_ts=asked["ts"]
    )
    assert server.interact(press).status == 200
    nominating = opened_view(slack, 2)  # the bench's nomination modal, for the gap's account
    assert nominating["callback_id"] == "nominate_modal"
    account = next(b for b in nominating["blocks"] if b.get("block_id") == "account")
    assert "Mercy Health" in account["element"]["initial_option"]["text"]["text"]

    # the admins are told the day's Nothing fits the next morning, once: a drill of another job
    # as of tomorrow does not send it early (it is due by real time), the server does when it comes
    assert dms_with(emulator, admin, "Nothing fits", timeout=0.5) == []
    tomorrow = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(0, 5), dt.UTC)
    jobs_run(env, "sla-check", tomorrow)
    assert dms_with(emulator, admin, "Nothing fits", timeout=1.0) == []
    db = program.database()
    try:
        with db.transaction() as session:  # the morning comes
            held = session.scalars(select(Delivery).where(Delivery.kind == DeliveryKind.NOTHING_FITS)).one()
            assert held.next_attempt_at == dt.datetime.combine(tomorrow.date(), dt.time(0), dt.UTC)
            held.next_attempt_at = dt.datetime.now(dt.UTC)
    finally:
        db.dispose()
    [told] = dms_with(emulator, admin, "Nothing fits")
    assert len(dms_with(emulator, admin, "Nothing fits", count=2, timeout=1.5)) == 1
    assert (
        "“A hospital CIO” — Reference call with a prospect · Healthcare" in told["blocks"][1]["text"]["text"]
    )
