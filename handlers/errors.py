"""The one error handler: a person sees a clear sentence, the log gets the details.

Slack never gets an error status from us: Bolt runs listeners after the ack, and a failure there
must not replace the ack already given. Before the ack, a modal keeps its inputs and shows the
apology inline; anything else gets the apology in place when Slack gave a `response_url`.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltResponse

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on our side and nothing was changed. Please try again in a minute."


def _first_input(view: dict[str, Any]) -> str | None:
    return next((b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"), None)


def register(app: App) -> None:
    @app.error
    def on_error(error: Exception, body: dict[str, Any], respond: Any) -> BoltResponse:
        kind = body.get("type") or ("slash command" if body.get("command") else "unknown")
        log.error("listener failed on a %s payload: %s", kind, error.__class__.__name__, exc_info=error)
        if kind == "view_submission":
            block_id = _first_input(body.get("view") or {})
            if block_id:
                return BoltResponse(
                    status=200, body={"response_action": "errors", "errors": {block_id: SORRY}}
                )
        elif body.get("response_url"):
            try:
                respond(text=SORRY, response_type="ephemeral", replace_original=False)
            except Exception:  # the apology is a courtesy: never let it mask the real error
                log.warning("could not tell the user about the failure", exc_info=True)
        return BoltResponse(status=200, body="")
