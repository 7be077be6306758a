"""Validate every Block Kit payload the app builds, two ways.

1. Against `../shared/schemas/slack-blockkit.schema.json` (generated from Slack's TypeScript
   types): the structure — which block has which fields.
2. Through `slack_sdk.models`: the lengths and counts that the schema does not check.
Plus Slack's own ceilings: at most 50 blocks in a message, 100 in a modal or Home view.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from tests.support.paths import SCHEMAS

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100


@cache
def _schema() -> dict[str, Any]:
    with (SCHEMAS / "slack-blockkit.schema.json").open() as handle:
        return json.load(handle)


@cache
def _validator(definition: str) -> jsonschema.Draft7Validator:
    schema = _schema()
    return jsonschema.Draft7Validator(
        {
            "$schema": schema["$schema"],
            "definitions": schema["definitions"],
            "$ref": f"#/definitions/{definition}",
        }
    )


def _check(definition: str, payload: Any) -> None:
    errors = sorted(_validator(definition).iter_errors(payload), key=lambda e: list(e.path))
    if errors:
        worst = jsonschema.exceptions.best_match(errors)
        raise AssertionError(f"not a valid {definition} at {list(worst.path)}: {worst.message[:300]}")


def assert_valid_message_blocks(blocks: list[dict[str, Any]]) -> None:
    assert isinstance(blocks, list) and blocks, "a message needs blocks"
    assert len(blocks) <= MAX_MESSAGE_BLOCKS, f"{len(blocks)} blocks: Slack allows {MAX_MESSAGE_BLOCKS}"
    _check("MessageBlocks", blocks)
    for block in Block.parse_all(blocks):
        block.validate_json()


def assert_valid_view(view: dict[str, Any]) -> None:
    kind = view.get("type")
    definition = {"modal": "SlackModalView", "home": "SlackHomeView"}.get(str(kind))
    assert definition, f"unknown view type {kind!r}"
    limit = MAX_VIEW_BLOCKS
    assert len(view.get("blocks", [])) <= limit, f"{len(view['blocks'])} blocks: Slack allows {limit}"
    _check(definition, view)
    View(**view).validate_json()
