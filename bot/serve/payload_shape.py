"""Is a signed payload shaped like something Slack sends? Checked before Bolt sees it.

Bolt routes on a few fields (`type`, `actions[].action_id`, `view.callback_id`, `command`, ...)
and reads them without looking: `"actions": {}` or `"view": null` raises inside Bolt, before any
listener or error handler of ours can answer, and becomes a 500. Our listeners likewise rely on
what Slack always sends (who clicked, the trigger id of a click). Checking those fields here turns
a malformed payload into a 400 with one log line, and lets every listener trust its payload.
Fields nobody routes on or reads are not checked: Slack adds fields over time.
"""

from __future__ import annotations

import re
from typing import Any

#: path → required type; a path ending in "?" may be absent (but not of another type)
Shape = dict[str, type | tuple[type, ...]]

_USER: Shape = {"user": dict, "user.id": str}
_VIEW: Shape = {"view": dict, "view.id": str, "view.type": str, "view.callback_id?": str}

SHAPES: dict[str, Shape] = {
    "block_actions": {
        **_USER,
        "trigger_id": str,
        "actions": list,
        "view?": dict,
        "view.id?": str,
        "container?": dict,
        "response_url?": str,
    },
    "view_submission": {**_USER, **_VIEW, "view.private_metadata?": str, "view.state?": dict},
    "view_closed": {**_USER, **_VIEW},
    "block_suggestion": {**_USER, "action_id": str, "block_id?": str, "value?": str, "view?": dict},
    "event_callback": {"event": dict, "event.type": str, "event_id?": str, "event.user?": str},
    "url_verification": {"challenge": str},
}
#: read by Bolt's middleware whatever the payload's type (ignoring_self_events reads `event.bot_id`)
ANY_KIND: Shape = {"event?": dict}
SLASH_COMMAND: Shape = {"command": str, "user_id": str, "trigger_id": str, "text?": str, "response_url?": str}
ACTION: Shape = {"action_id": str, "block_id?": str, "value?": str, "type?": str, "action_ts?": str}


#: the ids the app stores (columns of 32 and 64 characters): Slack's are short, upper-case ASCII
USER_ID = re.compile(r"[A-Z0-9]{0,32}")
EVENT_ID = re.compile(r"[A-Za-z0-9._-]{0,64}")
IDS = {"user.id": USER_ID, "user_id": USER_ID, "event.user": USER_ID, "event_id": EVENT_ID}


def _at(body: dict[str, Any], path: str) -> tuple[bool, Any]:
    node: Any = body
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _check(body: dict[str, Any], shape: Shape, where: str = "") -> str | None:
    for key, wanted in shape.items():
        path = key.rstrip("?")
        present, value = _at(body, path)
        if not present or value is None:
            if key.endswith("?"):
                continue
            return f"{where}{path} is missing"
        if not isinstance(value, wanted):
            return f"{where}{path} is not a {getattr(wanted, '__name__', wanted)}"
    return None


def payload_problem(body: dict[str, Any]) -> str | None:
    """Why this payload cannot be from Slack, or None when it has what routing and listeners read."""
    if "command" in body:
        return _check(body, SLASH_COMMAND) or _ids(body)
    kind = body.get("type")
    if not isinstance(kind, str):
        return "type is missing"
    shape = SHAPES.get(kind)
    if shape is None:
        return _check(body, ANY_KIND)  # a kind we do not handle: Bolt answers it as unhandled (404)
    problem = _check(body, shape) or _ids(body) or _blocks(body.get("view"))
    if problem is None and kind == "block_actions":
        actions = body["actions"]
        if not actions:
            return "actions is empty"
        for number, action in enumerate(actions):
            if not isinstance(action, dict):
                return f"actions[{number}] is not a dict"
            problem = problem or _check(action, ACTION, f"actions[{number}].")
    return problem


def _ids(body: dict[str, Any]) -> str | None:
    for path, pattern in IDS.items():
        present, value = _at(body, path)
        if present and isinstance(value, str) and not pattern.fullmatch(value):
            return f"{path} is not a Slack id"
    return None


def _blocks(view: Any) -> str | None:
    """A view's blocks are read back to put an error on an input: a list of objects with str ids."""
    if not isinstance(view, dict) or "blocks" not in view:
        return None
    blocks = view["blocks"]
    if not isinstance(blocks, list):
        return "view.blocks is not a list"
    for number, block in enumerate(blocks):
        if not isinstance(block, dict):
            return f"view.blocks[{number}] is not a dict"
        if not isinstance(block.get("block_id", ""), str) or not isinstance(block.get("type", ""), str):
            return f"view.blocks[{number}] has a block_id or type that is not a str"
    return None


#: payload kinds the ack histogram names; anything else is "other" (a label never takes a value
#: a sender chose)
PAYLOAD_KINDS = frozenset(
    {
        "slash_command",
        "block_actions",
        "view_submission",
        "view_closed",
        "block_suggestion",
        "event_callback",
        "url_verification",
        "shortcut",
        "message_action",
    }
)


def payload_kind(body: object) -> str:
    """The kind of a Slack payload, as the ack histogram (`bot.metrics`) and the log name it."""
    if not isinstance(body, dict):
        return "other"
    if "command" in body:
        return "slash_command"
    kind = body.get("type")
    return kind if isinstance(kind, str) and kind in PAYLOAD_KINDS else "other"


def slack_user(body: object) -> str | None:
    """Who sent a Slack payload, as the log names them: a click's or a modal's user, a command's
    user_id, an event's user."""
    if not isinstance(body, dict):
        return None
    user = body.get("user")
    if isinstance(user, dict):
        user = user.get("id")
    if not isinstance(user, str):
        user = body.get("user_id")
    if not isinstance(user, str):
        event = body.get("event")
        user = event.get("user") if isinstance(event, dict) else None
    return user if isinstance(user, str) else None
