"""Evidence's Block Kit, from literal data: valid for Slack (schema and slack_sdk), the attribution
exactly as approved, and hostile words — mrkdwn, mentions, links, HTML, 10,000 characters — inert
everywhere: in the library, before a call, in the modal and in the words to copy."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from typing import Any

from handlers.evidence.blocks import (
    CHUNK,
    copy_view,
    home_blocks,
    library_blocks,
    use_modal,
    words_first_blocks,
)
from handlers.evidence.drafting import draft_modal
from store.evidence.figures import Overview
from store.evidence.library import LibraryItem, LibraryResult
from store.evidence.use import Used, UseForm
from store.rules.policy import Activity, load_policy
from tests.support.blockkit import assert_valid_message_blocks, assert_valid_view

HOSTILE = (
    "*bold* _it_ ~gone~ `code` <!channel> <!here> <@U0ADMIN01> <#C0PROGRAM> "
    "<https://evil.example|click me> <script>alert(1)</script> &amp; &lt;b&gt; > quoted\n"
)
LONG = (HOSTILE * 200)[:10_000]
CALL = Activity("reference_call", "Reference call with a prospect", 3)


def item(text: str = "It halved our close time.", **fields: Any) -> LibraryItem:
    values: dict[str, Any] = {
        "id": 7,
        "kind": "quote",
        "kind_name": "Quote",
        "text": text,
        "link": None,
        "attributed_as": "Jane Roe, CTO, Acme Health",
        "places": ("sales", "website"),
        "expires_on": dt.date(2028, 11, 23),
        "account_id": 1,
        "account_name": "Acme Health",
        "industry": "Healthcare",
        "uses": 2,
    }
    return LibraryItem(**{**values, **fields})


def texts(payload: Any) -> list[str]:
    """Every mrkdwn or plain text in a payload (blocks or a view)."""
    found = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(payload)
    return found


def assert_inert(payload: Any) -> None:
    """No text reaching Slack can mention, link or open a tag: every <, > and & is escaped
    (Slack's own `<!date…>` tokens and the item's own checked link aside)."""
    for text in texts(payload):
        for token in re.findall(r"<[^>]*>", text):
            assert token.startswith(("<https://acme.example/", "<!date^")), (token, text[:200])
        assert "<script" not in text and "<!channel>" not in text and "<@U0ADMIN01>" not in text


def test_the_library_lists_each_item_with_its_attribution_as_approved_and_use_this() -> None:
    result = LibraryResult(
        ("healthcare",), None, [item(), item(id=8, uses=0, link="https://acme.example/story")], 3
    )
    blocks = library_blocks("healthcare", result, admin=False)
    assert_valid_message_blocks(blocks)
    shown = json.dumps(blocks, ensure_ascii=False)
    assert "— Jane Roe, CTO, Acme Health" in blocks[1]["text"]["text"]
    assert "> It halved our close time." in blocks[1]["text"]["text"]
    assert blocks[1]["accessory"]["text"]["text"] == "Use this" and blocks[1]["accessory"]["value"] == "7"
    assert "Where we may use it: In sales conversations · On our website" in shown
    assert "expires on 23 November 2028 · used 2 times" in shown
    assert "not used yet · <https://acme.example/story|the page>" in shown
    assert "…and 1 more" in shown and "Edit" not in shown
    admin = library_blocks("healthcare", result, admin=True)
    assert_valid_message_blocks(admin)
    assert [b["elements"][0]["value"] for b in admin if b["type"] == "actions"] == ["7", "8"]


def test_nothing_fits_says_so_and_what_to_try() -> None:
    blocks = library_blocks("<!channel> retail", LibraryResult(("retail",), None, [], 0), admin=False)
    assert_valid_message_blocks(blocks)
    assert blocks[0]["text"]["text"] == "No approved words from customers for “&lt;!channel&gt; retail” yet."


def test_words_before_a_call_lead_with_the_approved_attribution_and_withdraw_the_request() -> None:
    blocks = words_first_blocks([item(covers=True)], CALL.name, request_id=42)
    assert_valid_message_blocks(blocks)
    assert blocks[0]["text"]["text"] == (
        "💬 *A quote from Jane Roe, CTO, Acme Health* fits this deal: use it instead of a reference "
        "call with a prospect?"
    )
    assert blocks[1]["accessory"]["value"] == "7:42"
    assert words_first_blocks([], CALL.name) == []
    two = words_first_blocks([item(), item(id=8)], None)
    assert "use it instead of an ask? (2 approved pieces fit, below)" in two[0]["text"]["text"]


def test_hostile_words_are_inert_in_every_list_and_stay_within_slack_s_limits() -> None:
    hostile = item(LONG, attributed_as="<!channel> *Jane*", account_name="<@U0ADMIN01> Corp", industry="<b>")
    result = LibraryResult((), None, [hostile] * 10, 10)
    for blocks in (
        library_blocks("<!here>", result, admin=True),
        words_first_blocks([hostile] * 3, "<Call>"),
    ):
        assert_valid_message_blocks(blocks)
        assert_inert(blocks)
    listed = library_blocks("", result, admin=False)[1]["text"]["text"]
    assert len(listed) < 3000 and "&lt;!channel&gt; *Jane*" in listed and listed.count("\n> ") >= 1


def test_the_words_to_copy_are_whole_escaped_and_in_sections_slack_accepts() -> None:
    used = Used(
        1,
        "Quote",
        LONG,
        "https://acme.example/story",
        "<!channel> *Jane*",
        "In sales conversations",
        "<@U1> deal",
    )
    view = copy_view(used)
    assert_valid_view(view)
    assert_inert(view)
    words = [b["text"]["text"] for b in view["blocks"][2 : 2 + -(-len(LONG) // CHUNK)]]
    assert html.unescape("".join(words)) == LONG, "every character, in order, nothing cut"
    assert all(len(text) <= 3000 for text in words)
    assert (
        view["blocks"][0]["text"]["text"]
        == "✅ Recorded: used for *&lt;@U1&gt; deal*, in sales conversations."
    )
    withdrew = copy_view(Used(1, "Quote", "Short.", None, "Acme", "On our website", "Deal", withdrew=9))
    assert (
        "Your request was withdrawn: it cost the customer nothing." in withdrew["blocks"][0]["text"]["text"]
    )


def test_the_use_modal_offers_only_the_places_allowed_and_says_what_a_withdrawal_costs() -> None:
    form = UseForm(7, "Quote", "<!channel> Jane", (("website", "On our website"),))
    view = use_modal(form, "7::")
    assert_valid_view(view)
    assert_inert(view)
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["Opportunity name", "CRM link", "Where you'll use it"]
    place = view["blocks"][-1]["element"]
    assert [o["value"] for o in place["options"]] == ["website"] and place["initial_option"][
        "value"
    ] == "website"
    instead = UseForm(
        7,
        "Quote",
        "Jane",
        (("sales", "In sales conversations"), ("press", "In press and analyst material")),
        request_id=42,
        activity_name="Reference call with a prospect",
        account_name="Acme",
        opportunity_name="Globex renewal",
        crm_link="https://crm.example.com/deal/1",
    )
    view = use_modal(instead, "7:42:")
    assert_valid_view(view)
    assert "withdraws your request for a reference call with a prospect with Acme" in json.dumps(
        view, ensure_ascii=False
    )
    assert view["blocks"][2]["element"]["initial_value"] == "Globex renewal"
    assert "initial_option" not in view["blocks"][-1]["element"]


def test_the_admin_s_home_line_and_drafting_modal() -> None:
    blocks = home_blocks(Overview(3, 1, 1))
    assert_valid_message_blocks(blocks)
    line = "3 approved and current · 1 waiting for the advocate's approval · 1 expires soon"
    assert line in json.dumps(blocks, ensure_ascii=False)
    view = draft_modal(load_policy())
    assert_valid_view(view)
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["Account", "Advocate", "Kind", "Their words", "Link", "Where the words come from"]
