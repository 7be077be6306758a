"""Requests signed exactly as Slack signs them (v0 HMAC-SHA256 over `v0:timestamp:body`)."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier


def signed_headers(
    secret: str,
    body: str,
    *,
    timestamp: int | None = None,
    content_type: str = "application/x-www-form-urlencoded",
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
    }


def slash_command_body(
    text: str,
    *,
    user_id: str,
    command: str = "/reference",
    trigger_id: str = "",
    channel_id: str = "D0000000001",
    response_url: str = "",
    team_id: str = "T0000000001",
) -> str:
    """The form body Slack POSTs for a slash command (every field Slack sends)."""
    return urlencode(
        {
            "token": "unused-verification-token",
            "team_id": team_id,
            "team_domain": "refdesk",
            "channel_id": channel_id,
            "channel_name": "directmessage",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0000000001",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )


def interaction_body(payload: dict[str, Any]) -> str:
    """The form body Slack POSTs for block_actions, view_submission, block_suggestion..."""
    return urlencode({"payload": json.dumps(payload)})
