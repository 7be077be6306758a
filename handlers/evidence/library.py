"""`/reference evidence <words>` (the library), **Use this** and its modal, and the words offered
before a call: in the request modal, in the requester's receipt of a pending request, in `find`.

The library answers in the slash command's ack, visible to the asker only, like `find`. **Use
this** opens a small modal (pushed on top of the request modal when clicked there) asking for the
deal and the place; its answer replaces the modal with the words to copy, which only the clicker
sees. The modal's view id is the use's key, so the same modal sent twice records one use.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.evidence.blocks import copy_view, library_blocks, use_modal, words_first_blocks
from handlers.evidence.drafting import draft_modal, refusal
from handlers.kit.blocks import escape, section, truncate
from handlers.kit.desk import Desk
from handlers.kit.forms import as_id, selected_of, state_values, text_of
from handlers.kit.ids import Action, View
from handlers.kit.refusals import answered
from handlers.outbox.sender import send_soon
from store.act import Act
from store.errors import Invalid
from store.evidence import library, use
from store.evidence.use import UseDraft
from store.rules.policy import Activity

#: `/reference evidence new`: an admin drafts a customer's words
NEW = "new"


def answer_evidence(desk: Desk, ack: Ack, command: dict[str, Any], rest: str, client: WebClient) -> None:
    """`/reference evidence [words]`: the approved words that fit; `new` drafts one (admins)."""
    words = rest.strip()
    user_id = str(command.get("user_id") or "")
    if words.lower() == NEW:
        refused = refusal(desk, user_id)
        if refused is not None:
            ack(response_type="ephemeral", text=refused, blocks=[section(refused)])
            return
        ack()
        client.views_open(trigger_id=command["trigger_id"], view=draft_modal(desk.policy))
        return
    result = library.search(desk.db, desk.policy, words, desk.today())
    said = escape(truncate(words, 80))
    summary = (
        f"{result.total} piece(s) of customers' approved words fit “{said}”"
        if result.items
        else f"No approved words fit “{said}”"
    )
    admin = desk.is_admin(user_id)
    ack(response_type="ephemeral", text=summary, blocks=library_blocks(words, result, admin=admin))


def words_first(desk: Desk, account_id: int | None, activity: str | None) -> list[dict[str, Any]]:
    """The request modal's top: the account's words that can stand in for the ask, with **Use this**."""
    if account_id is None:
        return []
    items = library.for_ask(desk.db, desk.policy, account_id, activity, desk.today())
    return words_first_blocks(items, _activity_name(desk, activity))


def words_instead(desk: Desk, request_id: int, activity: str) -> list[dict[str, Any]]:
    """The requester's receipt of a pending request: words that could replace it (withdrawing it)."""
    items = library.for_request(desk.db, desk.policy, request_id, desk.today())
    return words_first_blocks(items, _activity_name(desk, activity), request_id=request_id)


def words_for_find(desk: Desk, words: str) -> list[dict[str, Any]]:
    """`find`'s top: the library's best few for the same words, when any fit."""
    result = library.search(desk.db, desk.policy, words, desk.today(), limit=library.BEFORE_AN_ASK)
    activity: Activity | None = result.activity
    fitting = [item for item in result.items if activity is None or item.covers]
    return words_first_blocks(fitting, activity.name if activity else None)


def _activity_name(desk: Desk, activity: str | None) -> str | None:
    chosen = desk.policy.activities.get(activity or "")
    return chosen.name if chosen else None


def _metadata(evidence_id: int, request_id: int | None, instead_of: str | None) -> str:
    return f"{evidence_id}:{request_id or ''}:{instead_of or ''}"


def _parse_metadata(view: dict[str, Any]) -> tuple[int, int | None, str | None]:
    evidence, _, rest = str(view.get("private_metadata") or "").partition(":")
    request, _, instead_of = rest.partition(":")
    evidence_id = as_id(evidence)
    if evidence_id is None:
        raise Invalid({"opportunity_name": "This form is out of date: close it and click again."})
    return evidence_id, as_id(request), instead_of or None


def use_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    """**Use this**: the modal for the deal and the place, on top of the request modal when clicked there."""
    ack()
    with answered(ack, body, respond, client):
        evidence, _, request = str(action.get("value") or "").partition(":")
        evidence_id = as_id(evidence)
        if evidence_id is None:
            raise Invalid({"evidence": "This button is out of date: run `/reference evidence` again."})
        request_id = as_id(request)
        form = use.use_form(desk.db, desk.policy, evidence_id, request_id, act)
        view = body.get("view") or {}
        in_request_modal = view.get("type") == "modal" and view.get("callback_id") == View.REQUEST
        instead_of = selected_of(state_values(view), "activity") if in_request_modal else None
        modal = use_modal(form, _metadata(evidence_id, request_id, instead_of))
        if view.get("type") == "modal":
            client.views_push(trigger_id=body["trigger_id"], view=modal)
        else:
            client.views_open(trigger_id=body["trigger_id"], view=modal)


def use_submitted(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    """Record the use, then show the words to copy in place of the modal."""
    with answered(ack, body, respond, client):
        evidence_id, request_id, instead_of = _parse_metadata(view)
        values = state_values(view)
        draft = UseDraft(
            evidence_id=evidence_id,
            opportunity_name=text_of(values, "opportunity_name"),
            place=selected_of(values, "place"),
            crm_link=text_of(values, "crm_link") or None,
            request_id=request_id,
            instead_of=instead_of,
        )
        used = use.record(desk.db, desk.policy, draft, act, source_key=f"view:{view['id']}")
        ack(response_action="update", view=copy_view(used))
        send_soon(desk, used.delivery_keys)


def register(app: App) -> None:
    app.action(Action.EVIDENCE_USE)(use_clicked)
    app.view(View.EVIDENCE_USE)(use_submitted)
