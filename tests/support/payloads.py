"""Interaction payloads shaped as Slack sends them (see ../shared/fixtures/slack/all-fields)."""

from __future__ import annotations

from typing import Any

TEAM = {"id": "T000000001", "domain": "refdesk-test"}


def _user(user_id: str) -> dict[str, str]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": TEAM["id"]}


def block_actions(
    user_id: str,
    action_id: str,
    value: str | None = None,
    *,
    trigger_id: str = "",
    response_url: str = "",
    channel: str = "",
    message_ts: str = "",
    view: dict[str, Any] | None = None,
    selected_option: dict[str, Any] | None = None,
    block_id: str = "decision",
) -> dict[str, Any]:
    """A click on a button (or a choice in a select) in a message or a view."""
    action: dict[str, Any] = {"action_id": action_id, "block_id": block_id, "action_ts": "1.000001"}
    if selected_option is not None:
        action.update(type="static_select", selected_option=selected_option)
    else:
        action.update(type="button", value=value or "", text={"type": "plain_text", "text": action_id})
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": TEAM,
        "user": _user(user_id),
        "api_app_id": "A0REFDESK",
        "token": "unused",
        "trigger_id": trigger_id,
        "actions": [action],
    }
    if view is not None:
        payload["view"] = view
        payload["container"] = {"type": "view", "view_id": view.get("id", "")}
    else:
        payload["container"] = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
        }
        payload["channel"] = {"id": channel, "name": "directmessage"}
        payload["message"] = {"type": "message", "ts": message_ts, "text": ""}
        payload["response_url"] = response_url
    return payload


def view_submission(user_id: str, view: dict[str, Any], values: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Submitting `view` (as Slack returned it from views.open) with the given input state."""
    submitted = {**view, "state": {"values": values}}
    return {
        "type": "view_submission",
        "team": TEAM,
        "user": _user(user_id),
        "api_app_id": "A0REFDESK",
        "token": "unused",
        "trigger_id": "",
        "view": submitted,
        "response_urls": [],
        "is_enterprise_install": False,
    }


def block_suggestion(
    user_id: str, action_id: str, typed: str, view: dict[str, Any], block_id: str = "account"
) -> dict[str, Any]:
    """The options request of an external_select while the user types."""
    return {
        "type": "block_suggestion",
        "team": TEAM,
        "user": _user(user_id),
        "api_app_id": "A0REFDESK",
        "token": "unused",
        "action_id": action_id,
        "block_id": block_id,
        "value": typed,
        "container": {"type": "view", "view_id": view.get("id", "")},
        "view": view,
    }


def select(value: str) -> dict[str, Any]:
    return {
        "type": "static_select",
        "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
    }


def text(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def date(value: str | None) -> dict[str, Any]:
    return {"type": "datepicker", "selected_date": value}
