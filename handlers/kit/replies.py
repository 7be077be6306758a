"""Answers only the clicking person sees: a refusal, an "already decided", a notice.

A click in a message comes with a `response_url` (an ephemeral answer in place); a click on the
App Home tab does not, so there the answer is a small modal opened with the click's trigger id
(pushed on top, when the click was in a modal: Slack opens no second modal beside it).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from handlers.kit.blocks import modal, section

log = logging.getLogger(__name__)


def notice_modal(title: str, text: str) -> dict[str, Any]:
    return modal(title, [section(text)], callback_id="notice", close="Close")


def tell(
    body: dict[str, Any], respond: Respond, client: WebClient, text: str, title: str = "Nothing changed"
) -> None:
    """Tell the person who clicked, where they clicked."""
    if body.get("response_url"):
        respond(text=text, response_type="ephemeral", replace_original=False)
    elif body.get("trigger_id"):
        in_modal = (body.get("view") or {}).get("type") == "modal"
        show = client.views_push if in_modal else client.views_open
        show(trigger_id=body["trigger_id"], view=notice_modal(title, text))
    else:
        log.warning("no way to answer %s in place: %s", body.get("user", {}).get("id"), text)
