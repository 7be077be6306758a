"""The one place a domain refusal becomes words on screen.

Listeners let `store.errors.DomainError` propagate; the app's error handler (`handlers.kit.errors`)
hands it here. A modal submission gets its answer inside the ack (errors inline on the right
input, or the modal replaced by a notice when there is nothing left to fix); a click gets an
answer only the clicker sees, in place (ephemeral) or, on App Home, in a small modal.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.kit.blocks import user
from handlers.kit.replies import notice_modal, tell
from store.errors import (
    AlreadySettled,
    Blocked,
    DomainError,
    Gone,
    Invalid,
    NeedsOverride,
    NotAllowed,
    TooSoon,
    Unavailable,
)
from store.models import RequestStatus, SeatStatus

log = logging.getLogger(__name__)

#: said after a refusal to approve a blocked request, once the admins have its DM to decide it
ADMINS_TOLD = " The program admins have it in their DMs to decide."
SORRY = "Sorry, something went wrong on our side and nothing was changed. Please try again in a minute."
#: Slack's answers to `views.open` with a trigger id that is over 3 s old or already used: the
#: person was slow (or Slack was), nothing of ours failed, and a new click works
STALE_TRIGGER = frozenset({"expired_trigger_id", "exchanged_trigger_id"})

#: how a settled request's state reads in a sentence
STATUS_WORDS: dict[str, str] = {
    RequestStatus.PENDING: "⏳ pending",
    RequestStatus.APPROVED: "✅ approved",
    RequestStatus.DECLINED: "❌ declined",
    RequestStatus.CUSTOMER_DECLINED: "🙅 declined by the customer",
    RequestStatus.CANCELLED: "🚫 cancelled",
    RequestStatus.WITHDRAWN: "↩️ withdrawn",
    RequestStatus.DONE: "🏁 done",
    RequestStatus.FELL_THROUGH: "↩️ fell through",
}


#: a Slack user id (a seat's answer may have come from the advocate's page, by their address)
SLACK_ID = re.compile(r"[UW][A-Z0-9]{2,}")
#: an offer's seat that already moved on: (the notice's title, what happened, in words)
SEAT_WORDS: dict[str, tuple[str, str]] = {
    SeatStatus.DELIVERED: ("Already delivered", "Already delivered: the value is on the ledger."),
    SeatStatus.RELEASED: ("Already released", "This seat was already released."),
    SeatStatus.ACCEPTED: ("Already answered", "The customer already said yes to this seat."),
    SeatStatus.DECLINED: ("Already answered", "The customer already said no, thanks: the seat went back."),
    SeatStatus.RESERVED: ("Already reserved", "This seat is already reserved."),
}


def sentence(error: DomainError) -> str:
    """What the person reads, for any refusal."""
    if isinstance(error, NotAllowed):
        who = " or ".join([*(user(p) for p in error.people), "a program admin"])
        why = f": {error.why}" if error.why else ""
        told = ADMINS_TOLD if isinstance(error, Blocked) and error.admins_told else ""
        return f"Only {who} can {error.act}{why}.{told}"
    if isinstance(error, AlreadySettled) and error.thing == "seat":
        said = SEAT_WORDS.get(error.status, ("", f"This seat is already {error.status}."))[1]
        by = f" ({user(error.by)})" if error.by and SLACK_ID.fullmatch(error.by) else ""
        return f"{said.removesuffix('.')}{by}. Nothing changed."
    if isinstance(error, AlreadySettled):
        label = STATUS_WORDS.get(error.status, error.status.replace("_", " "))
        by = f" by {user(error.by)}" if error.by else ""
        return f"Already decided: {label}{by}. Nothing changed."
    if isinstance(error, NeedsOverride):
        told = ADMINS_TOLD if error.admins_told else ""
        return f"A blocking rule applies now: only a program admin can approve, with override.{told}"
    if isinstance(error, Gone):
        return error.why or "This no longer exists. Nothing changed."
    if isinstance(error, Invalid):
        return next(iter(error.errors.values()), "That cannot be done.")
    if isinstance(error, Unavailable):
        return "We couldn't record this just now — nothing was saved. Please try again."
    if isinstance(error, TooSoon):
        return (
            f"This answer changed a moment ago: it can change again in {error.minutes} min. Nothing changed."
        )
    return "That cannot be done. Nothing changed."


def title(error: DomainError) -> str:
    if isinstance(error, AlreadySettled) and error.thing == "seat":
        return SEAT_WORDS.get(error.status, ("Nothing changed", ""))[0]
    return "Already decided" if isinstance(error, AlreadySettled) else "Nothing changed"


def _input_block_ids(view: dict[str, Any]) -> list[str]:
    return [
        str(b["block_id"]) for b in view.get("blocks", []) if b.get("type") == "input" and b.get("block_id")
    ]


def _block_for(field: str, block_ids: list[str]) -> str | None:
    """The input a field's error belongs on: same id, or an id that starts with `field:`."""
    return next((b for b in block_ids if b == field or b.startswith(f"{field}:")), None)


def view_answer(error: DomainError, view: dict[str, Any]) -> dict[str, Any]:
    """The ack body for a modal submission that was refused."""
    blocks = _input_block_ids(view)
    if isinstance(error, Invalid) and blocks:
        inline: dict[str, str] = {}
        for field, message in error.errors.items():
            inline.setdefault(_block_for(field, blocks) or blocks[0], message)
        return {"response_action": "errors", "errors": inline}
    if isinstance(error, NotAllowed | NeedsOverride) and blocks:
        return {"response_action": "errors", "errors": {blocks[0]: sentence(error)}}
    if isinstance(error, Unavailable) and blocks:
        # the modal keeps what was typed: the same submission can simply be sent again
        retry = "We couldn't record this just now — nothing was saved. Please submit again."
        return {"response_action": "errors", "errors": {blocks[0]: retry}}
    return {"response_action": "update", "view": notice_modal(title(error), sentence(error))}


def answer(error: DomainError, ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
    """Say why nothing changed: inside the ack for a modal, in place for anything else."""
    kind = body.get("type") or "slash command"
    log.info("refused a %s from %s: %s", kind, (body.get("user") or {}).get("id"), error)
    if ack.response is None:
        if kind == "view_submission":
            ack(**view_answer(error, body.get("view") or {}))
            return
        ack()
    try:
        tell(body, respond, client, sentence(error), title(error))
    except Exception:  # Slack is unreachable: the refusal changed nothing, so nothing is lost
        log.warning("could not tell a %s why nothing changed", kind, exc_info=True)


def sorry_answer(view: dict[str, Any]) -> dict[str, Any] | None:
    """The ack body of a modal whose submission failed on our side: the apology on its first input."""
    blocks = _input_block_ids(view)
    return {"response_action": "errors", "errors": {blocks[0]: SORRY}} if blocks else None


def apologize(error: Exception, ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
    """A failure of ours (a bug, an outage): the details to the log, an apology to the person."""
    kind = body.get("type") or "slash command"
    log.error("listener failed on a %s payload: %s", kind, error.__class__.__name__, exc_info=error)
    if ack.response is None:
        inline = sorry_answer(body.get("view") or {}) if kind == "view_submission" else None
        if inline is not None:
            ack(**inline)
            return
        ack()
    try:  # in place, or in a small modal where there is no response_url (App Home)
        tell(body, respond, client, SORRY, "Something went wrong")
    except Exception:  # the apology is a courtesy: never let it mask the real error
        log.warning("could not tell the user about the failure", exc_info=True)


def again(body: dict[str, Any]) -> str:
    """What to do again, in the words of the surface the person used: the button, or the command."""
    actions = body.get("actions") or [{}]
    label = (actions[0].get("text") or {}).get("text") if isinstance(actions[0], dict) else None
    if isinstance(label, str) and label:
        return f"click {label} again"
    if body.get("command"):
        return f"type {body['command']} again"
    return "try again"


def took_too_long(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
    """A modal Slack would not open because the click's trigger expired: say so, and what to do."""
    log.info("a modal for %s came too late for its trigger", (body.get("user") or {}).get("id"))
    if ack.response is None:
        ack()
    try:
        tell(body, respond, client, f"That took too long — {again(body)}.", "Please try again")
    except Exception:  # Slack is unreachable: nothing was changed, so nothing is lost
        log.warning("could not tell the person to click again", exc_info=True)


@contextmanager
def answered(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> Iterator[None]:
    """Run a listener's work; a refusal is answered in the person's words, a failure with an apology.

    Caught in the listener rather than left to Bolt's error handler: an exception raised after
    `ack()` races Bolt's wait for the ack (it can turn the ack into a 404 "unhandled request").
    """
    try:
        yield
    except DomainError as error:
        answer(error, ack, body, respond, client)
    except SlackApiError as error:
        if error.response.get("error") in STALE_TRIGGER:
            took_too_long(ack, body, respond, client)
        else:
            apologize(error, ack, body, respond, client)
    except Exception as error:
        apologize(error, ack, body, respond, client)
