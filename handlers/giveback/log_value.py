"""Giving back: `/reference log [account]`, the **Log value** button, the log modal and its
receipt (an outbox delivery rendered here, at send time)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.accounts.picker import account_for_text, account_picker
from handlers.kit.blocks import Block, context, escape, modal, option, plain, section
from handlers.kit.desk import Desk
from handlers.kit.forms import (
    as_id,
    date_of,
    input_block,
    metadata_id,
    modal_metadata,
    selected_id,
    selected_of,
    state_values,
    text_input,
    text_of,
    value_element,
)
from handlers.kit.ids import Action, View
from handlers.kit.refusals import answered
from handlers.outbox.messages import Outgoing
from handlers.outbox.sender import send_soon
from store.accounts import lookup
from store.accounts.lookup import AccountChoice
from store.act import Act
from store.errors import Invalid
from store.giveback import gives
from store.giveback.gives import Logged, ValueDraft
from store.outbox.payloads import LoggedPayload
from store.outbox.queue import DeliveryJob
from store.rules.policy import Policy, points


def log_modal(
    policy: Policy, today: dt.date, *, account: AccountChoice | None = None, hint: str | None = None
) -> dict[str, Any]:
    advocate_select = {
        "type": "external_select",
        "action_id": Action.LOG_ADVOCATE,
        "placeholder": plain("Anyone at the account"),
        "min_query_length": 0,
    }
    blocks: list[Block] = [
        input_block("account", "Account", account_picker(account), hint=hint),
        input_block(
            "advocate",
            "Advocate",
            advocate_select,
            optional=True,
            hint="The person who benefited, if one did.",
        ),
        input_block("value", "Value delivered", value_element(policy)),
        input_block(
            "note",
            "What was done",
            text_input(
                max_length=gives.NOTE_MAX,
                multiline=True,
                placeholder="e.g. a seat at the Q1 advisory board",
            ),
        ),
        input_block(
            "occurred_on",
            "When",
            {"type": "datepicker", "action_id": "value", "initial_date": today.isoformat()},
        ),
    ]
    return modal(
        "Log value",
        blocks,
        callback_id=View.LOG_VALUE,
        submit="Log value",
        private_metadata=modal_metadata(account.id if account else None),
    )


def logged_blocks(logged: Logged) -> list[Block]:
    """The receipt: what was credited and the balance it left."""
    who = f" for {escape(logged.advocate_name)}" if logged.advocate_name else ""
    return [
        section(
            f"✅ Logged *{escape(logged.value_name)}* ({points(logged.credit, signed=True)}) for "
            f"*{escape(logged.account_name)}*{who}. Balance now *{points(logged.balance)}*."
        ),
        context(f"{logged.occurred_on.isoformat()} · {escape(logged.note)}"),
    ]


def parse(view: dict[str, Any]) -> tuple[ValueDraft, dict[str, str]]:
    """The draft, and the errors about the typing itself (a date that is not a date)."""
    values = state_values(view)
    occurred_on, ok = date_of(values, "occurred_on")
    errors = {} if ok else {"occurred_on": "Pick a date from the calendar."}
    draft = ValueDraft(
        account_id=selected_id(values, "account"),
        advocate_id=selected_id(values, "advocate"),
        value=selected_of(values, "value"),
        note=text_of(values, "note"),
        occurred_on=occurred_on,
    )
    return draft, errors


def _account_in_view(view: dict[str, Any]) -> int | None:
    """The account chosen in the modal so far (or the one it was opened for)."""
    chosen = selected_id(state_values(view), "account")
    return chosen if chosen is not None else metadata_id(view)


def render_logged(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    logged = gives.logged(desk.db, desk.policy, LoggedPayload.from_dict(job.data).entry_id)
    if logged is None:
        return []
    return [
        Outgoing(
            f"Logged value for {escape(logged.account_name)}: balance now {points(logged.balance)}",
            logged_blocks(logged),
        )
    ]


def open_log_modal(
    desk: Desk, client: WebClient, trigger_id: str, text: str = "", account_id: int | None = None
) -> None:
    account = lookup.choice(desk.db, account_id) if account_id is not None else None
    hint = None
    if account is None:
        account, hint = account_for_text(desk, text)
    client.views_open(
        trigger_id=trigger_id, view=log_modal(desk.policy, desk.today(), account=account, hint=hint)
    )


def log_command(desk: Desk, ack: Ack, command: dict[str, Any], rest: str, client: WebClient) -> None:
    """`/reference log [account]`: the log modal, with the account chosen when the words name one."""
    ack()
    open_log_modal(desk, client, command["trigger_id"], text=rest.strip())


def log_value_clicked(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, desk: Desk
) -> None:
    ack()
    open_log_modal(desk, client, body["trigger_id"], account_id=as_id(action.get("value")))


def advocate_options(ack: Ack, payload: dict[str, Any], desk: Desk) -> None:
    """The chosen account's advocates, filtered by what was typed."""
    account_id = _account_in_view(payload.get("view") or {})
    typed = str(payload.get("value") or "").casefold()
    people = lookup.advocates_for(desk.db, account_id, None) if account_id else []
    ack(
        options=[
            option(f"{a.name}, {a.title}" if a.title else a.name, str(a.id))
            for a in people
            if typed in a.name.casefold() or typed in a.title.casefold()
        ][:100]
    )


def submitted(
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
        logged = gives.log_value(desk.db, desk.policy, draft, act, source_key=f"view:{view['id']}")
        done = modal("Value logged", logged_blocks(logged), callback_id=View.VALUE_LOGGED, close="Close")
        ack(response_action="update", view=done)
        send_soon(desk, logged.delivery_keys)


def register(app: App) -> None:
    app.action(Action.LOG_VALUE)(log_value_clicked)
    app.options(Action.LOG_ADVOCATE)(advocate_options)
    app.view(View.LOG_VALUE)(submitted)
