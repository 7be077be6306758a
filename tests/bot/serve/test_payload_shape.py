"""What the WSGI layer refuses before Bolt sees it: shapes Slack never sends (a 400, not a 500)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.serve.payload_shape import payload_problem
from tests.support.paths import SHARED

FIXTURES = SHARED / "fixtures" / "slack" / "all-fields"


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.json")))
def test_every_shape_slack_publishes_passes_even_with_blank_values(name: str) -> None:
    assert payload_problem(json.loads((FIXTURES / name).read_text())) is None


def click(**changes: Any) -> dict[str, Any]:
    body = {"type": "block_actions", "user": {"id": "U0OWNER01"}, "trigger_id": "1.2.3"}
    body["actions"] = [{"action_id": "approve", "value": "7"}]
    return {**body, **changes}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (click(actions={}), "actions is not a list"),
        (click(actions=[]), "actions is empty"),
        (click(actions=["approve"]), "actions[0] is not a dict"),
        (click(actions=[{"value": "7"}]), "actions[0].action_id is missing"),
        (click(user=None), "user is missing"),
        (click(user={"id": "U" * 40}), "user.id is not a Slack id"),
        ({**click(), "trigger_id": 5}, "trigger_id is not a str"),
        ({"type": "view_submission", "user": {"id": "U1"}, "view": None}, "view is missing"),
        ({"type": "view_submission", "user": {"id": "U1"}, "view": {"id": "V1"}}, "view.type is missing"),
        ({"command": "/reference", "user_id": "U1"}, "trigger_id is missing"),
        ({"type": "", "event": [{"bot_id": "B1"}]}, "event is not a dict"),
        (
            {"type": "event_callback", "event": {"type": "app_home_opened"}, "event_id": "E" * 65},
            "event_id is not a Slack id",
        ),
    ],
)
def test_a_shape_slack_never_sends_is_named(body: dict[str, Any], problem: str) -> None:
    assert payload_problem(body) == problem
