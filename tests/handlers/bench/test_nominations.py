"""Nominating in Slack through the real stack (signatures, WSGI, Bolt, our listeners, the outbox
sender) onto SQLite, Slack's side a recording stub on loopback: `/reference nominate`, the modal
with product.md's words and its inline errors, the owner's DM and its buttons, the nominator's
news, **Nominate** pre-filled from a promoter, App Home and the weekly nudge with promoters.

Every view and message is checked against Slack's Block Kit schema."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from sqlalchemy import select

from handlers.bench.blocks import news, nomination_blocks, removed
from handlers.giveback.nudge import render_nudge
from handlers.home.tab import home_view
from handlers.outbox.sender import deliver
from store.addresses import AddressKey
from store.bench import erasure, views
from store.giveback import nudges
from store.models import Advocate, NominationStatus, NpsAnswer
from store.outbox.queue import DeliveryJob
from store.requests import status
from tests.handlers.requests.test_decisions import (
    ADMIN,
    NOW,
    OWNER,
    SECRET,
    SELLER,
    World,
    empty_database,
    world,
)
from tests.support import store_seed
from tests.support.blockkit import assert_valid_message_blocks, assert_valid_view
from tests.support.payloads import text, view_submission
from tests.support.signing import interaction_body, slash_command_body
from tests.support.wsgi import signed_post

__all__ = ["empty_database", "world"]  # the fixtures this module shares with the decisions' tests
LABELS = ["Account", "Name", "Title", "E-mail", "Why them", "Activities they might do"]


def accounts(world: World) -> int:
    with world.desk.db.transaction() as session:
        acme = store_seed.account(session, "Acme Corp", "Retail", owner_slack_id=OWNER)
        jane = store_seed.advocate(session, acme, "Jane Doe", "reference_call")
        session.get_one(Advocate, jane).email = "jane@acme.example"
        return acme


def open_modal(world: World, user: str, words: str) -> dict[str, Any]:
    body = slash_command_body(words, user_id=user, trigger_id=f"trigger-{user}")
    assert signed_post(world.wsgi, SECRET, body) == (200, "")
    [opened] = world.slack.wait_for("views.open", trigger_id=f"trigger-{user}")
    assert_valid_view(opened.args["view"])
    return opened.response["view"]


def submit(world: World, user: str, view: dict[str, Any], **typed: str) -> dict[str, Any]:
    values: dict[str, Any] = {name: {"value": text(value)} for name, value in typed.items()}
    account_id = view["blocks"][1]["element"].get("initial_option", {}).get("value")
    if account_id:
        values["account"] = {"value": {"type": "external_select", "selected_option": {"value": account_id}}}
    status_code, body = signed_post(world.wsgi, SECRET, interaction_body(view_submission(user, view, values)))
    assert status_code == 200
    return json.loads(body)


def mrkdwn_of(blocks: list[dict[str, Any]]) -> list[str]:
    """Every mrkdwn text of the blocks (plain text cannot carry markup)."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(str(node["text"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return found


def nominated(world: World, by: str = SELLER, **typed: str) -> dict[str, Any]:
    """`/reference nominate acme` by `by`, sent with Hank's details (or `typed`): the ack's body."""
    fields = {"name": "Hank", "email": "hank@acme.example", "why": "x", **typed}
    return submit(world, by, open_modal(world, by, "nominate acme"), **fields)


def test_nominate_opens_the_modal_for_the_account_and_says_each_problem_on_its_input(world: World) -> None:
    accounts(world)
    view = open_modal(world, SELLER, "nominate acme")

    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == LABELS
    assert view["blocks"][1]["element"]["initial_option"]["text"]["text"].startswith("Acme Corp")
    assert view["submit"]["text"] == "Nominate"

    refused = submit(world, SELLER, view, name="Jane", email="jane@acme", why="")
    assert refused["response_action"] == "errors"
    assert refused["errors"] == {
        "email": "Enter their e-mail address, like jane@example.com.",
        "why": "Say what makes them a good advocate: the owner and they will read it.",
    }
    already = submit(world, SELLER, view, name="Jane", email="JANE@acme.example", why="great")
    assert already["errors"] == {"email": "Jane Doe is already an advocate of Acme Corp."}


def test_a_nomination_reaches_the_owner_who_invites_and_the_nominator_hears_it(world: World) -> None:
    accounts(world)
    thanks = nominated(world, name="Hank <Hill>", why="ran the *rollout*")

    assert thanks["response_action"] == "update"
    assert f"<@{OWNER}> decides" in json.dumps(thanks["view"])
    assert_valid_view(thanks["view"])
    [dm] = world.dms_to(OWNER, "Nomination")
    assert_valid_message_blocks(dm.args["blocks"])
    marked_up = json.dumps(mrkdwn_of(dm.args["blocks"])) + dm.args["text"]
    assert "Hank &lt;Hill&gt;" in marked_up and "<Hill>" not in marked_up, "typed text is escaped in mrkdwn"
    buttons = {
        e["text"]["text"]: e for b in dm.args["blocks"] if b["type"] == "actions" for e in b["elements"]
    }
    assert set(buttons) == {"Invite them", "Not now"}

    stranger_url = world.click("U0NOBODY1", "nomination_invite", buttons["Invite them"]["value"])
    assert world.said(stranger_url) == f"Only <@{OWNER}> or a program admin can decide this nomination."
    world.click(OWNER, "nomination_invite", buttons["Invite them"]["value"])
    [told] = world.dms_to(SELLER, "is invited to join the program")
    assert_valid_message_blocks(told.args["blocks"])
    [rewritten] = world.slack.wait_for("chat.update", channel=dm.response["channel"])
    assert "Invite them" not in json.dumps(rewritten.args["blocks"])
    assert "Invited: waiting for their answer" in json.dumps(rewritten.args["blocks"])
    again = world.click(OWNER, "nomination_invite", buttons["Invite them"]["value"])
    assert world.said(again).startswith("Already decided: invited by")


def test_not_now_asks_the_reason_that_the_nominator_reads(world: World) -> None:
    accounts(world)
    nominated(world)
    [dm] = world.dms_to(OWNER, "Nomination")
    nomination_id = next(b for b in dm.args["blocks"] if b["type"] == "actions")["elements"][1]["value"]

    world.click(OWNER, "nomination_not_now", nomination_id)
    [opened] = world.slack.wait_for("views.open", trigger_id=f"trigger-{OWNER}")
    assert_valid_view(opened.args["view"])
    assert [b["label"]["text"] for b in opened.args["view"]["blocks"] if b["type"] == "input"] == ["Reason"]
    status_code, _ = signed_post(
        world.wsgi,
        SECRET,
        interaction_body(
            view_submission(OWNER, opened.response["view"], {"reason": {"value": text("renewal in March")}})
        ),
    )
    assert status_code == 200
    [told] = world.dms_to(SELLER, "not now")
    assert "renewal in March" in json.dumps(told.args["blocks"])


def test_a_removed_contact_s_name_and_not_now_reason_leave_every_dm_about_them(world: World) -> None:
    """Erasure rewrites the DMs of a nomination decided long ago too: the owner's card and the
    nominator's news, which named the contact (and the reason, which often does)."""
    accounts(world)
    nominated(world, name="Hank Hill")
    [card] = world.dms_to(OWNER, "Nomination")
    nomination_id = next(b for b in card.args["blocks"] if b["type"] == "actions")["elements"][1]["value"]
    world.click(OWNER, "nomination_not_now", nomination_id)
    [opened] = world.slack.wait_for("views.open", trigger_id=f"trigger-{OWNER}")
    reason = {"reason": {"value": text("Hank Hill is busy until March")}}
    signed_post(world.wsgi, SECRET, interaction_body(view_submission(OWNER, opened.response["view"], reason)))
    [told] = world.dms_to(SELLER, "not now")
    world.slack.wait_for("chat.update", channel=card.response["channel"])

    done = erasure.forget_address(world.desk.db, "hank@acme.example", key=AddressKey(b"k"), now=NOW)
    deliver(world.desk, list(done.delivery_keys))

    news_rewrites = world.slack.wait_for("chat.update", ts=told.response["ts"])
    card_rewrites = world.slack.wait_for("chat.update", ts=card.response["ts"], count=2)
    for rewrite in (news_rewrites[-1], card_rewrites[-1]):
        assert_valid_message_blocks(rewrite.args["blocks"])
        shown = rewrite.args["text"] + json.dumps(rewrite.args["blocks"])
        assert "Hank" not in shown and "hank@acme.example" not in shown and "March" not in shown


def test_the_owner_s_own_nomination_is_invited_at_once(world: World) -> None:
    accounts(world)
    thanks = nominated(world, by=OWNER)

    assert "is invited" in json.dumps(thanks["view"])
    [shown] = views.open_nominations(world.desk.db, world.desk.policy, limit=5)[0]
    assert shown.status == NominationStatus.INVITED


def promoter(world: World, acme: int, score: int = 10) -> None:
    with world.desk.db.transaction() as session:
        session.add(
            NpsAnswer(
                account_id=acme,
                email="hank@acme.example",
                name="Hank Hill",
                score=score,
                comment="great <support>",
                answered_on=NOW.date() - dt.timedelta(days=20),
                imported_at=NOW,
            )
        )


def test_nominate_next_to_a_promoter_prefills_the_modal(world: World) -> None:
    acme = accounts(world)
    promoter(world, acme)
    with world.desk.db.transaction() as session:
        answer_id = session.scalar(select(NpsAnswer.id))

    world.click(OWNER, "nominate", f"promoter:{answer_id}")
    [opened] = world.slack.wait_for("views.open", trigger_id=f"trigger-{OWNER}")
    view = opened.args["view"]
    assert_valid_view(view)
    initial = {
        b["block_id"]: b["element"].get("initial_value") for b in view["blocks"] if b["type"] == "input"
    }
    assert (initial["name"], initial["email"]) == ("Hank Hill", "hank@acme.example")
    assert initial["why"] == "Gave us 10 on 3 November 2026 in the NPS survey: “great <support>”"


def test_home_shows_what_waits_for_me_the_promoters_and_for_admins_every_open_nomination(
    world: World,
) -> None:
    acme = accounts(world)
    promoter(world, acme)
    nominated(world, name="Dale", email="dale@acme.example")
    desk = world.desk

    for user in (OWNER, ADMIN, SELLER):
        view = home_view(desk, user, status.home_overview(desk.db, desk.policy, user, desk.today()))
        assert_valid_view(view)
        shown = json.dumps(view)
        assert '"Nominate"' in shown
        assert ("Invite them" in shown) is (user == OWNER)
        assert ("gave us 10" in shown) is (user == OWNER)
        assert ("Open nominations" in shown) is (user == ADMIN)
    admin_view = json.dumps(
        home_view(desk, ADMIN, status.home_overview(desk.db, desk.policy, ADMIN, desk.today())),
        ensure_ascii=False,
    )
    assert "waits for the owner's decision · 0 days old" in admin_view


def test_the_weekly_nudge_names_promoters_even_when_nothing_is_owed_back(world: World) -> None:
    acme = accounts(world)
    promoter(world, acme)
    desk = world.desk
    with desk.db.transaction() as session:
        store_seed.entry(session, acme, store_seed.EntryKind.GIVE, 3, NOW.date(), item="training")

    [owed] = nudges.owe_nudges(desk.db, desk.policy, now=NOW, today=NOW.date())
    job = DeliveryJob(
        1,
        owed.key,
        "giveback_nudge",
        OWNER,
        None,
        {"account_ids": [], "since": "2026-08-25", "week": "2026-W48"},
        1,
        None,
        None,
        NOW,
    )
    [message] = render_nudge(desk, job)

    assert owed.owner_id == OWNER and owed.account_ids == ()
    assert_valid_message_blocks(message.blocks)
    assert "Hank Hill" in message.text
    assert any(
        e.get("text", {}).get("text") == "Nominate"
        for b in message.blocks
        for e in [b.get("accessory") or {}]
    )


def test_every_nomination_message_is_valid_block_kit_in_every_state(world: World) -> None:
    accounts(world)
    nominated(world, why="x" * 900)
    [view], _ = views.open_nominations(world.desk.db, world.desk.policy, limit=1)

    for state in NominationStatus:
        shown = dataclasses.replace(view, status=state, reason="<b>later</b>")
        assert_valid_message_blocks(nomination_blocks(shown, reminder=True, days=8))
        line, blocks = news(shown, state)
        assert_valid_message_blocks(blocks)
        assert "<b>" not in line + json.dumps(mrkdwn_of(blocks))
    assert_valid_message_blocks(removed("Acme <Corp>", by_admin=True)[1])
