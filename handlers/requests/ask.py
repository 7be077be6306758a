"""Asking for a reference: `/reference [account]`, the modal, its type-ahead, its submission."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.accounts.picker import account_option
from handlers.evidence.library import words_first
from handlers.kit import slash
from handlers.kit.desk import Desk
from handlers.kit.forms import as_id, request_id_of, state_values
from handlers.kit.help import no_match_note
from handlers.kit.ids import Action, View
from handlers.kit.refusals import answered
from handlers.outbox.sender import send_soon
from handlers.requests.modal import (
    parse,
    request_modal,
    selected_account_id,
    selected_activity,
)
from store.accounts import lookup
from store.act import Act
from store.errors import Invalid
from store.requests import asking, deciding

log = logging.getLogger(__name__)

OPTIONS_LIMIT = 100


def modal_for(
    desk: Desk, *, search: str = "", account_id: int | None = None, activity: str | None = None
) -> dict[str, Any]:
    """The request modal for a search text or a known account (exactly one match is pre-selected)."""
    account = None
    matches: list[lookup.AccountChoice] = []
    if account_id is not None:
        account = lookup.choice(desk.db, account_id)
    elif search:
        matches = lookup.search_accounts(desk.db, search, limit=OPTIONS_LIMIT)
        if len(matches) == 1:
            account, matches = matches[0], []
    advocates = lookup.advocates_for(desk.db, account.id, activity, desk.today()) if account else []
    view = request_modal(
        desk.policy, account=account, matches=matches, search=search, activity=activity, advocates=advocates
    )
    # words before a call: the account's approved words that can stand in for the ask, first
    view["blocks"][:0] = words_first(desk, account.id if account else None, activity)
    return view


def open_request_modal(desk: Desk, client: WebClient, trigger_id: str, **how: Any) -> None:
    client.views_open(trigger_id=trigger_id, view=modal_for(desk, **how))


def ask(desk: Desk, ack: Ack, command: dict[str, Any], text: str, client: WebClient) -> None:
    """`/reference [account words]`: the request modal (pre-filled), or help when nothing matches."""
    if text and not lookup.search_accounts(desk.db, text, limit=1):
        slash.answer_help(ack, no_match_note(text))
        return
    ack()
    open_request_modal(desk, client, command["trigger_id"], search=text)


def account_options(ack: Ack, payload: dict[str, Any], desk: Desk) -> None:
    found = lookup.search_accounts(desk.db, str(payload.get("value") or ""), limit=OPTIONS_LIMIT)
    ack(options=[account_option(choice) for choice in found])


def refresh_advocates(ack: Ack, body: dict[str, Any], client: WebClient, desk: Desk) -> None:
    """The account or activity changed: offer that account's advocates willing to do it."""
    ack()
    view = body.get("view")
    if not isinstance(view, dict) or view.get("type") != "modal":
        return  # the same ids on a select outside the request modal: nothing to refresh
    values = state_values(view)
    client.views_update(
        view_id=view["id"],
        hash=view.get("hash"),
        view=modal_for(desk, account_id=selected_account_id(values), activity=selected_activity(values)),
    )


def submit(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    with answered(ack, body, respond, client):
        draft, errors = parse(view)
        if errors:
            raise Invalid(errors)
        submitted = asking.submit(desk.db, desk.policy, draft, act, source_key=f"view:{view['id']}")
        ack()
        send_soon(desk, submitted.delivery_keys)


def request_this_account(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, desk: Desk
) -> None:
    """A **Request** button next to a suggested account: the modal with that account chosen."""
    ack()
    open_request_modal(desk, client, body["trigger_id"], account_id=as_id(action.get("value")))


def cancel_request(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    ack()
    with answered(ack, body, respond, client):
        result = deciding.cancel(desk.db, request_id_of(action.get("value")), act)
        send_soon(desk, result.delivery_keys)


def register(app: App) -> None:
    app.options(Action.ACCOUNT)(account_options)
    app.action(Action.ACCOUNT)(refresh_advocates)
    app.action(Action.ACTIVITY)(refresh_advocates)
    app.view(View.REQUEST)(submit)
    app.action(Action.REQUEST_ACCOUNT)(request_this_account)
    app.action(Action.CANCEL_REQUEST)(cancel_request)
