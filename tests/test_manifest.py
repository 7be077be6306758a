"""manifest.yml creates the whole app in one paste: Slack's schema accepts it and it declares
everything the app uses (one URL for every surface, the Home tab, the scopes)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
import yaml

from tests.support.paths import ROOT, SCHEMAS


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    with (ROOT / "manifest.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_the_manifest_is_valid_against_slacks_schema(manifest: dict[str, Any]) -> None:
    with (SCHEMAS / "slack-manifest.schema.1.0.0.json").open() as handle:
        schema = json.load(handle)
    assert manifest["_metadata"]["major_version"] == 1

    errors = list(jsonschema.Draft7Validator(schema).iter_errors(manifest))

    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_the_reference_command_is_declared(manifest: dict[str, Any]) -> None:
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}

    assert set(commands) == {"/reference"}
    assert commands["/reference"]["should_escape"] is False
    assert "help" in commands["/reference"]["usage_hint"]


def test_every_slack_surface_posts_to_the_same_endpoint(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    urls = {
        "slash command": manifest["features"]["slash_commands"][0]["url"],
        "interactivity": settings["interactivity"]["request_url"],
        "options load": settings["interactivity"]["message_menu_options_url"],
        "events": settings["event_subscriptions"]["request_url"],
    }

    assert len(set(urls.values())) == 1, urls
    assert all(url.startswith("https://") and url.endswith("/slack/events") for url in urls.values()), urls
    assert settings["interactivity"]["is_enabled"] is True


def test_the_home_tab_and_dms_are_enabled(manifest: dict[str, Any]) -> None:
    home = manifest["features"]["app_home"]

    assert home["home_tab_enabled"] is True
    assert home["messages_tab_enabled"] is True
    assert home["messages_tab_read_only_enabled"] is False
    assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]


def test_the_bot_scopes_are_what_the_app_calls(manifest: dict[str, Any]) -> None:
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])

    assert {"commands", "chat:write", "im:write", "users:read", "users:read.email"} <= scopes
    # the digest channel invites the bot; the app never posts where it was not invited
    assert "chat:write.public" not in scopes


def test_http_mode_is_the_default_and_the_bot_is_named_refdesk(manifest: dict[str, Any]) -> None:
    assert manifest["settings"]["socket_mode_enabled"] is False
    assert manifest["settings"]["token_rotation_enabled"] is False
    assert manifest["features"]["bot_user"] == {"display_name": "refdesk", "always_online": True}
