"""The request modal's say on the prospect's name: a checkbox in plain words, read back into the
draft only when ticked, and the modal still valid Block Kit."""

from __future__ import annotations

import json
from typing import Any

import pytest

from handlers.requests.modal import NAME_SHARED_LABEL, parse, request_modal
from store.accounts.lookup import AccountChoice
from store.rules.policy import load_policy
from tests.support.blockkit import assert_valid_view

ACME = AccountChoice(7, "Acme Corp", "Banking", "CRM-7")


def submitted(ticked: bool) -> dict[str, Any]:
    """The view Slack sends back when the modal is submitted, the checkbox ticked or not."""
    choice = [{"text": {"type": "plain_text", "text": NAME_SHARED_LABEL}, "value": "yes"}]
    return {
        "state": {
            "values": {
                "opportunity_name": {"value": {"type": "plain_text_input", "value": "Globex core banking"}},
                "prospect_name_shared": {
                    "value": {"type": "checkboxes", "selected_options": choice if ticked else []}
                },
            }
        }
    }


def test_the_modal_asks_whether_the_advocate_may_see_the_prospect_company() -> None:
    view = request_modal(load_policy(), account=ACME, activity="reference_call", advocates=[])
    assert_valid_view(view)
    block = next(b for b in view["blocks"] if b.get("block_id") == "prospect_name_shared")
    assert block["optional"] and block["element"]["type"] == "checkboxes"
    assert [o["text"]["text"] for o in block["element"]["options"]] == [
        "The advocate may see the prospect company's name"
    ]
    assert "initial_options" not in block["element"], "not shared unless the requester ticks it"


def test_an_imported_account_name_is_escaped_where_the_modal_says_nobody_is_listed() -> None:
    hostile = AccountChoice(8, "Acme <https://evil.example|click> & <!channel>", "Banking", "CRM-8")
    view = request_modal(load_policy(), account=hostile, activity="reference_call", advocates=[])
    assert_valid_view(view)
    mrkdwn = json.dumps([b for b in view["blocks"] if b["type"] == "context"])
    assert "No advocate at Acme &lt;https://evil.example|click&gt; &amp; &lt;!channel&gt; is listed" in mrkdwn
    assert "<!channel>" not in mrkdwn and "<https://evil" not in mrkdwn


@pytest.mark.parametrize("ticked", [True, False])
def test_the_tick_is_read_into_the_draft(ticked: bool) -> None:
    draft, errors = parse(submitted(ticked))
    assert errors == {}
    assert (draft.opportunity_name, draft.prospect_name_shared) == ("Globex core banking", ticked)


@pytest.mark.parametrize("forged", ["yes", 7, None, [{"value": 5}], ["yes"]])
def test_a_forged_tick_is_no_tick(forged: object) -> None:
    view = submitted(False)
    view["state"]["values"]["prospect_name_shared"]["value"]["selected_options"] = forged
    draft, errors = parse(view)
    assert (errors, draft.prospect_name_shared) == ({}, False)
