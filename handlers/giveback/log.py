"""Giving back: `/reference log [account]`, the **Log value** button, the log modal, the weekly
nudge and the receipt (both outbox deliveries rendered here, at send time).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.kit.blocks import Block, button, context, escape, header, modal, option, plain, section
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
)
from handlers.kit.ids import Action, View
from handlers.kit.refusals import answered
from handlers.offers.blocks import suggestion_block
from handlers.outbox.messages import Outgoing
from handlers.outbox.sender import send_soon
from handlers.requests.modal import account_option
from store.accounts import lookup
from store.accounts.lookup import AccountChoice
from store.errors import Invalid
from store.giveback import gives, nudges
from store.giveback.gives import Logged, ValueDraft
from store.giveback.nudges import NudgeLine
from store.offers import matching
from store.offers.matching import Suggestion
from store.outbox.payloads import LoggedPayload, NudgePayload
from store.outbox.queue import DeliveryJob
from store.rules.policy import Policy, points

#: accounts listed in one nudge; the rest are named in a line (a message holds 50 blocks)
NUDGE_MAX_ACCOUNTS = 40
#: suggested offers in one nudge (one block each), for its most over-asked accounts first
NUDGE_MAX_OFFERS = 6


def value_element(policy: Policy) -> dict[str, Any]:
    """The policy's give types, grouped by the social capital they build (Slack's option_groups)."""
    return {
        "type": "static_select",
        "action_id": "value",
        "placeholder": plain("What did the customer get?"),
        "option_groups": [
            {
                "label": plain(group.capitalize(), 75),
                "options": [
                    option(f"{v.name} ({points(v.credit, signed=True)})", v.key) for v in values[:100]
                ],
            }
            for group, values in list(policy.value_groups().items())[:100]
        ],
    }


def account_picker(account: AccountChoice | None) -> dict[str, Any]:
    """The type-ahead account select of the modals that post to the ledger (log value, adjust);
    its options are the request surface's `Action.ACCOUNT` search."""
    element: dict[str, Any] = {
        "type": "external_select",
        "action_id": Action.ACCOUNT,
        "placeholder": plain("Type a name, industry or CRM id"),
        "min_query_length": 1,
    }
    if account is not None:
        element["initial_option"] = account_option(account)
    return element


def account_for_text(desk: Desk, text: str) -> tuple[AccountChoice | None, str | None]:
    """The account `/reference WORD <text>` names (when exactly one matches), else a hint to show
    on the picker saying why none was chosen."""
    if not text:
        return None, None
    matches = lookup.search_accounts(desk.db, text, limit=2)
    if len(matches) == 1:
        return matches[0], None
    if matches:
        return None, f"Several accounts match “{text}”: type to pick one."
    return None, f"No account matches “{text}”: type another name."


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


def _counted(count: int, what: str, amount: int) -> str:
    """`2 asks (8 points)`."""
    return f"{count} {what}{'' if count == 1 else 's'} ({points(amount)})"


def nudge_line(line: NudgeLine, days: int) -> str:
    """One account of a nudge, in a program manager's words: what was asked and given back."""
    asks = _counted(line.asks, "ask", line.asked) if line.asks else "no asks"
    gives = _counted(line.gives, "give", line.given) if line.gives else "nothing given back"
    last = f"last given back on {line.last_give_on.isoformat()}" if line.last_give_on else "never given back"
    return (
        f"*{escape(line.name)}* · balance *{points(line.balance)}*\n"
        f"{asks}, {gives} in the last {days} days · {last}"
    )


def nudge_blocks(
    lines: list[NudgeLine], days: int, suggested: dict[int, list[Suggestion]] | None = None
) -> list[Block]:
    """One owner's weekly nudge: each account with its figures and a **Log value** button, and
    under the first ones the open offers that fit them, each with **Offer it**."""
    blocks: list[Block] = [
        header("Time to give back"),
        section(
            f"These accounts of yours were asked more than they were given in the last {days} days, "
            "or got nothing back. A little value now keeps them willing to help later."
        ),
    ]
    offers_left = NUDGE_MAX_OFFERS
    for line in lines[:NUDGE_MAX_ACCOUNTS]:
        blocks.append(
            section(
                nudge_line(line, days), accessory=button("Log value", Action.LOG_VALUE, str(line.account_id))
            )
        )
        found = (suggested or {}).get(line.account_id, [])[:offers_left]
        blocks += [suggestion_block(s) for s in found]
        offers_left -= len(found)
    if len(lines) > NUDGE_MAX_ACCOUNTS:
        rest = ", ".join(line.name for line in lines[NUDGE_MAX_ACCOUNTS:])
        blocks.append(context(f"…and {escape(rest)}. Use `/reference log NAME` for those."))
    return blocks


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


def render_nudge(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    """Rendered from today's figures: an account the owner gave to since the claim still shows
    its balance, but an owner with nothing left to do gets nothing."""
    nudge = NudgePayload.from_dict(job.data)
    lines = [
        line
        for line in nudges.nudge_lines(desk.db, desk.policy, list(nudge.account_ids), nudge.since)
        if line.asked > line.given or line.given == 0
    ]
    if not lines:
        return []
    days = desk.policy.rules.give_back_days
    names = escape(", ".join(line.name for line in lines[:5]))
    suggested = matching.suggestions(desk.db, desk.policy, [line.account_id for line in lines], desk.today())
    return [Outgoing(f"Time to give back: {names}", nudge_blocks(lines, days, suggested))]


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


def register(app: App, desk: Desk) -> None:
    @app.action(Action.LOG_VALUE)
    def log_value_clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        open_log_modal(desk, client, body["trigger_id"], account_id=as_id(action.get("value")))

    @app.options(Action.LOG_ADVOCATE)
    def advocate_options(ack: Ack, payload: dict[str, Any]) -> None:
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

    @app.view(View.LOG_VALUE)
    def submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        with answered(ack, body, respond, client):
            draft, errors = parse(view)
            if errors:
                raise Invalid(errors)
            logged = gives.log_value(
                desk.db, desk.policy, draft, desk.act(body["user"]["id"]), source_key=f"view:{view['id']}"
            )
            done = modal("Value logged", logged_blocks(logged), callback_id=View.VALUE_LOGGED, close="Close")
            ack(response_action="update", view=done)
            send_soon(desk, logged.delivery_keys)
