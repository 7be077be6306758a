"""The one error handler: a person sees a clear sentence, the log gets the details."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltResponse

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on our side and nothing was changed. Please try again in a minute."


def register(app: App) -> None:
    @app.error
    def on_error(error: Exception, body: dict[str, Any], respond: Any) -> BoltResponse | None:
        kind = body.get("type") or ("command" if body.get("command") else "unknown")
        log.exception("listener failed on a %s payload: %s", kind, error.__class__.__name__, exc_info=error)
        if body.get("response_url"):
            try:
                respond(text=SORRY, response_type="ephemeral", replace_original=False)
            except Exception:  # the answer is a courtesy: never let it mask the real error
                log.warning("could not tell the user about the failure", exc_info=True)
        return None
