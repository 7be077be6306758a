"""The request modal: building it, and reading a submitted one back into a `Draft`.

Block ids are the `Draft` field names, so an error from the store lands on the right input.
The advocate block's id carries the account and activity it was built for: when either changes
the block is new to Slack and the old choice is dropped instead of silently kept.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from handlers.accounts.picker import account_option
from handlers.kit.blocks import Block, context, escape, modal, option, plain
from handlers.kit.forms import (
    as_id,
    element_value,
    input_block,
    selected_id,
    selected_of,
    state_values,
    text_input,
    text_of,
)
from handlers.kit.ids import Action, View
from store.accounts.lookup import AccountChoice, AdvocateOption
from store.requests.asking import Draft
from store.rules.policy import Policy, points

ADVOCATE_PREFIX = "advocate"
#: the requester's say on whether the advocate is told the prospect company's name (typed for
#: them in **Prospect company**: the opportunity's name is the CRM's and never leaves)
NAME_SHARED_LABEL = "The advocate may see the prospect company's name"


def request_modal(
    policy: Policy,
    *,
    account: AccountChoice | None = None,
    matches: list[AccountChoice] | None = None,
    search: str = "",
    activity: str | None = None,
    advocates: list[AdvocateOption] | None = None,
) -> dict[str, Any]:
    """The whole modal. `matches` (from `/reference acme`) turns the account picker into a short list."""
    blocks: list[Block] = []
    if matches:
        element: dict[str, Any] = {
            "type": "static_select",
            "action_id": Action.ACCOUNT,
            "placeholder": plain("Pick one of the matches"),
            "options": [account_option(m) for m in matches[:100]],
        }
        hint = f"Accounts matching “{search}”. Run /reference alone to search them all."
    else:
        element = {
            "type": "external_select",
            "action_id": Action.ACCOUNT,
            "placeholder": plain("Type a name, industry or CRM id"),
            "min_query_length": 1,
        }
        hint = f"No account matches “{search}”: type another name." if search and not account else None
    if account is not None:
        element["initial_option"] = account_option(account)
    blocks.append(input_block("account", "Account", element, hint=hint, dispatch=True))

    activity_element: dict[str, Any] = {
        "type": "static_select",
        "action_id": Action.ACTIVITY,
        "placeholder": plain("What do you need?"),
        "options": [option(f"{a.name} (costs {points(a.cost)})", a.key) for a in policy.activities.values()],
    }
    if activity in policy.activities:
        chosen = policy.activities[activity]
        activity_element["initial_option"] = option(
            f"{chosen.name} (costs {points(chosen.cost)})", chosen.key
        )
    blocks.append(input_block("activity", "Activity", activity_element, dispatch=True))

    blocks.extend(_advocate_blocks(account, activity, advocates or []))
    blocks.append(
        input_block(
            "opportunity_name",
            "Opportunity name",
            text_input(max_length=200),
        )
    )
    blocks.append(
        input_block(
            "amount",
            "Amount",
            text_input(max_length=30, placeholder="e.g. 120000"),
            optional=True,
        )
    )
    blocks.append(
        input_block(
            "crm_link",
            "CRM link",
            text_input(max_length=500, placeholder="https://…"),
            optional=True,
        )
    )
    blocks.append(
        input_block(
            "prospect_industry",
            "Prospect industry",
            text_input(max_length=100),
            optional=True,
            hint="The advocate's e-mail says it: “30 minutes with a banking peer?”",
        )
    )
    blocks.append(
        input_block(
            "prospect_company",
            "Prospect company",
            text_input(max_length=200),
            optional=True,
            hint="Shown to the advocate only if you tick below. The opportunity name never is.",
        )
    )
    blocks.append(
        input_block(
            "prospect_name_shared",
            "May the advocate see it?",
            {"type": "checkboxes", "action_id": "value", "options": [option(NAME_SHARED_LABEL, "yes")]},
            optional=True,
            hint="Unticked, the advocate reads only the prospect's industry.",
        )
    )
    blocks.append(
        input_block("needed_by", "Needed by", {"type": "datepicker", "action_id": "value"}, optional=True)
    )
    blocks.append(
        input_block(
            "topic",
            "What they'd like to hear about",
            text_input(max_length=500, multiline=True),
            optional=True,
            hint="Written for the customer: the advocate's e-mail shows it as you type it.",
        )
    )
    blocks.append(
        input_block(
            "context",
            "Context",
            text_input(max_length=2000, multiline=True),
            optional=True,
            hint="Internal, for the owner: never shown to the customer.",
        )
    )
    return modal(
        "Reference request",
        blocks,
        callback_id=View.REQUEST,
        submit="Send request",
    )


def _advocate_blocks(
    account: AccountChoice | None, activity: str | None, advocates: list[AdvocateOption]
) -> list[Block]:
    block_id = f"{ADVOCATE_PREFIX}:{account.id if account else 0}:{activity or ''}"
    if account is None:
        return [context("Pick an account to see its advocates.")]
    if not advocates:
        what = "this activity" if activity else "references"
        return [
            context(
                f"No advocate at {escape(account.name)} is listed as willing to do {what}: "
                "the owner will choose the person."
            )
        ]
    element = {
        "type": "static_select",
        "action_id": "value",
        "placeholder": plain("Anyone the owner picks"),
        "options": [option(_advocate_label(a), str(a.id)) for a in advocates[:100]],
    }
    return [
        input_block(
            block_id,
            "Advocate",
            element,
            optional=True,
            hint="Only people willing to do the chosen activity are listed.",
        )
    ]


def _advocate_label(advocate: AdvocateOption) -> str:
    """ "Jane Doe, VP · not 2026-12-14 to 2026-12-20": their next dates not to ask, where they said."""
    label = f"{advocate.name}, {advocate.title}" if advocate.title else advocate.name
    if advocate.dates_off:
        label += f" · not {advocate.dates_off[0].dates}"
    return label


def selected_account_id(values: dict[str, Any]) -> int | None:
    return selected_id(values, "account")


def selected_activity(values: dict[str, Any]) -> str | None:
    return selected_of(values, "activity")


def advocate_block_id(values: dict[str, Any]) -> str | None:
    return next((key for key in values if key.startswith(ADVOCATE_PREFIX)), None)


def _ticked(selected: object) -> bool:
    """Whether the checkbox is ticked; anything but Slack's list of chosen options is not a tick."""
    return isinstance(selected, list) and any(
        isinstance(choice, dict) and choice.get("value") == "yes" for choice in selected
    )


def parse(view: dict[str, Any]) -> tuple[Draft, dict[str, str]]:
    """The draft, and the errors that are about the typing itself (not a number, not a date)."""
    values = state_values(view)
    errors: dict[str, str] = {}

    def text(block_id: str) -> str:
        return text_of(values, block_id)

    amount = None
    if raw := text("amount").replace(",", "").replace(" ", "").lstrip("$€£"):
        try:
            amount = Decimal(raw)
            if not amount.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            errors["amount"] = "Enter a number, like 120000."
            amount = None
    needed_by = None
    if raw_date := element_value(values, "needed_by").get("selected_date"):
        try:
            needed_by = dt.date.fromisoformat(raw_date)
        except (TypeError, ValueError):
            errors["needed_by"] = "Pick a date from the calendar."
    advocate_key = advocate_block_id(values)
    advocate_raw = selected_of(values, advocate_key) if advocate_key else None
    draft = Draft(
        account_id=selected_account_id(values),
        activity=selected_activity(values),
        advocate_id=as_id(advocate_raw),
        opportunity_name=text("opportunity_name")[:200],
        prospect_name_shared=_ticked(element_value(values, "prospect_name_shared").get("selected_options")),
        prospect_company=text("prospect_company")[:200],
        amount=amount,
        crm_link=text("crm_link") or None,
        prospect_industry=text("prospect_industry")[:100],
        needed_by=needed_by,
        topic=text("topic")[:500],
        context=text("context")[:2000],
    )
    return draft, errors
