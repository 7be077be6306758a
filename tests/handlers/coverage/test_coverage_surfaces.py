"""Coverage in Slack, listeners called as plain functions: **Nothing fits** on find's answer and
its modal, the admins' daily DM, the gap DM with **Nominate** (offers first where equity is low),
**Nominate** itself, and the digest's coverage part and heat map. Every payload is checked
against Slack's Block Kit schema."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from typing import Any

from slack_bolt import Ack
from sqlalchemy import select

from handlers.bench import nominate
from handlers.coverage import gaps as gap_dm
from handlers.coverage import in_digest, nothing_fits
from handlers.kit.desk import Desk
from handlers.kit.ids import Action, View
from handlers.kit.nominating import for_account
from handlers.requests.find import find_blocks
from store.accounts.find import find_accounts
from store.coverage import demand, gaps
from store.db import Database
from store.models import Delivery, Demand, DemandSource
from store.offers import catalog
from store.outbox.queue import DeliveryJob
from store.rules.policy import Policy
from tests.support import store_seed as seed
from tests.support.blockkit import assert_valid_message_blocks, assert_valid_view
from tests.support.coverage_history import NOW, TODAY, history

SELLER, ADMIN = "U0SELLER1", "U0ADMIN01"
UTC = zoneinfo.ZoneInfo("UTC")


class RecordingClient:
    def __init__(self) -> None:
        self.opened: list[dict[str, Any]] = []

    def views_open(self, *, trigger_id: str, view: dict[str, Any]) -> None:
        self.opened.append(view)


def respond(**said: Any) -> None:
    """Where an ephemeral answer would go; these tests read what the modals say instead."""


class RecordingAck(Ack):
    def __init__(self) -> None:
        super().__init__()
        self.said: list[dict[str, Any]] = []

    def __call__(self, **said: Any) -> Any:  # type: ignore[override]
        self.said.append(said)
        return super().__call__(
            **{k: v for k, v in said.items() if k in ("response_action", "view", "errors")}
        )


def desk_for(db: Database, policy: Policy, now: dt.datetime = NOW) -> Desk:
    return Desk(db=db, policy=policy, clock=lambda: now, admins=frozenset({ADMIN}), tz=UTC)


def job(key: str, db: Database) -> DeliveryJob:
    with db.transaction() as s:
        row = s.scalars(select(Delivery).where(Delivery.key == key)).one()
        return DeliveryJob(
            row.id, row.key, row.kind, row.recipient, row.request_id, row.data, 0, None, None, NOW
        )


def test_finds_answer_carries_nothing_fits_with_what_the_search_said(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        seed.account(s, "Umbrella", "Healthcare", status="paused")
    result = find_accounts(db, policy, "healthcare reference call", TODAY)
    blocks = find_blocks("healthcare reference call", result)
    assert_valid_message_blocks(blocks)
    [button] = blocks[-1]["elements"]
    assert (button["text"]["text"], button["action_id"]) == ("Nothing fits", Action.NOTHING_FITS)
    assert json.loads(button["value"]) == {
        "words": "healthcare reference call",
        "activity": "reference_call",
        "industry": "Healthcare",
    }
    nothing = find_accounts(db, policy, "aerospace", TODAY)
    empty = find_blocks("aerospace", nothing)
    assert_valid_message_blocks(empty)
    assert empty[-1]["elements"][0]["action_id"] == Action.NOTHING_FITS


def test_nothing_fits_opens_a_short_modal_filled_in_and_stores_the_need(db: Database, policy: Policy) -> None:
    desk, client = desk_for(db, policy), RecordingClient()
    carried = json.dumps({"words": "hospital CIO", "activity": "reference_call", "industry": "Healthcare"})
    body = {"type": "block_actions", "trigger_id": "T1", "user": {"id": SELLER}}
    nothing_fits.open_nothing_fits(
        Ack(),
        body,
        {"value": carried},
        respond,
        client,
        desk,
    )
    nothing_fits.open_nothing_fits(
        Ack(),
        body,
        {"value": "not json"},
        respond,
        client,
        desk,
    )
    filled, empty = client.opened
    for view in (filled, empty):
        assert_valid_view(view)
    assert filled["callback_id"] == View.NOTHING_FITS
    inputs = {b["block_id"]: b for b in filled["blocks"] if b["type"] == "input"}
    assert [b["label"]["text"] for b in inputs.values()] == ["What they needed", "Activity", "Industry"]
    assert inputs["words"]["element"]["initial_value"] == "hospital CIO"
    assert inputs["activity"]["element"]["initial_option"]["value"] == "reference_call"
    assert inputs["industry"]["element"]["initial_value"] == "Healthcare"
    assert "initial_value" not in {b.get("block_id"): b for b in empty["blocks"]}["words"]["element"]

    def submit(words: str, view_id: str) -> RecordingAck:
        ack = RecordingAck()
        values = {
            "words": {"value": {"type": "plain_text_input", "value": words}},
            "activity": {"value": {"type": "static_select", "selected_option": {"value": "reference_call"}}},
            "industry": {"value": {"type": "plain_text_input", "value": "Healthcare"}},
        }
        view = {**filled, "id": view_id, "state": {"values": values}}
        nothing_fits.nothing_fits_submitted(
            ack,
            {"type": "view_submission", "view": view},
            view,
            respond,
            client,
            desk,
            desk.act(SELLER),
        )
        return ack

    refused = submit("   ", "V0")
    assert refused.said == [
        {"response_action": "errors", "errors": {"words": "Say what the prospect needed."}}
    ]
    thanked = submit("A hospital CIO in the Nordics", "V1")
    assert thanked.said[0]["response_action"] == "update"
    assert_valid_view(thanked.said[0]["view"])
    with db.transaction() as s:
        need = s.scalars(select(Demand)).one()
        told = s.scalars(select(Delivery)).one()
    assert (need.source, need.words, need.industry, need.requester_id) == (
        DemandSource.NOTHING_FITS,
        "A hospital CIO in the Nordics",
        "Healthcare",
        SELLER,
    )
    assert (told.recipient, told.next_attempt_at) == (ADMIN, dt.datetime(2026, 11, 24, tzinfo=dt.UTC))


def test_the_admins_dm_lists_the_days_needs_escaped(db: Database, policy: Policy) -> None:
    desk = desk_for(db, policy)
    keys = demand.nothing_fits(
        db,
        policy,
        demand.NothingFitsDraft("<!channel> a *bank* in Oslo", "quote", "Banking"),
        desk.act(SELLER),
        source_key="V1",
        tell_at=NOW,
    )
    [sent] = nothing_fits.render_nothing_fits(desk, job(keys[0], db))
    assert_valid_message_blocks(sent.blocks)
    listed = sent.blocks[1]["text"]["text"]
    assert (
        f"<@{SELLER}>: “&lt;!channel&gt; a *bank* in Oslo” — Written quote / testimonial · Banking" in listed
    )
    assert sent.text == "Nothing fits: 1 deal on 2026-11-23"


def test_the_gap_dm_names_each_gap_and_account_with_nominate_offers_first_where_equity_is_low(
    db: Database, policy: Policy
) -> None:
    ids = history(db)
    board = catalog.OfferDraft(
        "Customer advisory board", "advisory_board", "3", TODAY + dt.timedelta(days=30), "", ""
    )
    catalog.create_offer(db, policy, board, desk_for(db, policy).act(ADMIN))
    [key] = gaps.owe_gap_asks(db, policy, now=NOW, today=TODAY, tz=UTC)
    [sent] = gap_dm.render_gap_asks(desk_for(db, policy), job(key, db))
    assert_valid_message_blocks(sent.blocks)
    texts = [b["text"]["text"] for b in sent.blocks if b["type"] == "section"]
    assert texts[1] == (
        "*Healthcare, Reference call with a prospect*: 7 needed in the last 90 days, 2 filled, "
        "1 advocate who can be asked now"
    )
    assert texts[2] == "*Bolt Health* · nobody there can be asked for it now"
    assert texts[3].startswith(
        "*Fintech, Reference call with a prospect*: 2 needed in the last 90 days, 0 filled"
    )
    assert texts[4].startswith("*Eon* · balance 0 points, the ask costs 3 points: give something back first")
    assert texts[5].startswith("*Customer advisory board*") and "for *Eon*" in texts[5]
    offered = [
        b["accessory"] for b in sent.blocks if b.get("accessory", {}).get("action_id") == Action.OFFER_IT
    ]
    assert [o["value"].split(":")[1] for o in offered] == [str(ids["eon"])]
    nominated = [
        b["accessory"] for b in sent.blocks if b.get("accessory", {}).get("action_id") == Action.NOMINATE
    ]
    assert [(n["text"]["text"], n["value"]) for n in nominated] == [
        ("Nominate", f"account:{ids['bolt']}"),
        ("Nominate", f"account:{ids['eon']}"),
    ]
    assert sent.text.startswith("Where we're short: Healthcare, Reference call with a prospect; Fintech")


def test_a_gap_s_nominate_opens_the_nomination_modal_for_its_account(db: Database, policy: Policy) -> None:
    """The gap DM's **Nominate** is the bench's: the nomination modal, the account already chosen."""
    desk, client = desk_for(db, policy), RecordingClient()
    with db.transaction() as s:
        bolt = seed.account(s, "Bolt <Health>", "Healthcare")
    clicked = for_account(bolt)
    nominate.nominate_clicked(Ack(), {"trigger_id": "T1"}, clicked, client, desk)

    [view] = client.opened
    assert_valid_view(view)
    assert view["callback_id"] == View.NOMINATE
    account = next(b for b in view["blocks"] if b.get("block_id") == "account")
    assert account["element"]["initial_option"]["value"] == str(bolt)


def test_the_digest_carries_the_coverage_part_and_its_heat_map(db: Database, policy: Policy) -> None:
    history(db)
    desk = desk_for(db, policy)
    cover = in_digest.coverage_now(desk)
    [part] = in_digest.coverage_blocks(cover, desk)
    assert_valid_message_blocks([part])
    text = part["text"]["text"]
    assert text.startswith(
        "*🧭 Where we are short*\n10 needed in the last 90 days (4 found nothing to ask), 3 filled"
    )
    assert "1. Healthcare, Reference call with a prospect: 7 needed in the last 90 days, 2 filled" in text
    assert "2. Fintech, Reference call with a prospect: 2 needed" in text
    [chart] = in_digest.render_coverage_chart(
        desk,
        DeliveryJob(
            1,
            "coverage_chart:2026-W47",
            "coverage_chart",
            "C1",
            None,
            {"period": "2026-W47", "sla_hours": 24},
            0,
            None,
            None,
            NOW,
        ),
    )
    assert chart.upload is not None and chart.upload.content.startswith(b"\x89PNG")
    assert chart.upload.filename == "coverage-2026-W47.png"
    assert_valid_message_blocks(chart.blocks)
