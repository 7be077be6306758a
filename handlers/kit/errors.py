"""The one error handler: a person sees a clear sentence, the log gets the details.

A refusal from the domain (`store.errors.DomainError`: not allowed, already decided, invalid
input) is normal: it is answered in words by `handlers.kit.refusals` and not logged as a failure.
Anything else is a bug or an outage: logged with its traceback, and the person gets an apology.

Slack never gets an error status from us: Bolt runs listeners after the ack, and a failure there
must not replace the ack already given. Before the ack, a modal keeps its inputs and shows the
answer inline; anything else gets it in place (a `response_url`) or in a small modal (App Home).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from handlers.kit.refusals import SORRY, sentence, sorry_answer, title, view_answer
from handlers.kit.replies import tell
from store.errors import DomainError

log = logging.getLogger(__name__)


def _answer(error: Exception, body: dict[str, Any], respond: Any, client: WebClient, kind: str) -> Any:
    """Tell the person; the ack body for a modal submission, else None (answered in place)."""
    if isinstance(error, DomainError):
        log.info("refused a %s from %s: %s", kind, (body.get("user") or {}).get("id"), error)
        if kind == "view_submission":
            return view_answer(error, body.get("view") or {})
        try:
            tell(body, respond, client, sentence(error), title(error))
        except Exception:  # Slack is unreachable: the refusal changed nothing, so nothing is lost
            log.warning("could not tell %s why nothing changed", kind, exc_info=True)
        return None
    log.error("listener failed on a %s payload: %s", kind, error.__class__.__name__, exc_info=error)
    if kind == "view_submission":
        return sorry_answer(body.get("view") or {})
    try:  # in place, or in a small modal where there is no response_url (App Home)
        tell(body, respond, client, SORRY, "Something went wrong")
    except Exception:  # the apology is a courtesy: never let it mask the real error
        log.warning("could not tell the user about the failure", exc_info=True)
    return None


def on_error(
    error: Exception, body: dict[str, Any], respond: Any, client: WebClient, response: BoltResponse | None
) -> BoltResponse | None:
    """`response` is None once the listener has acked: then Bolt must not get a new one."""
    kind = body.get("type") or ("slash command" if body.get("command") else "unknown")
    ack_body = _answer(error, body, respond, client, kind)
    if response is None:
        return None
    return BoltResponse(status=200, body=ack_body if ack_body is not None else "")


def register(app: App) -> None:
    app.error(on_error)
