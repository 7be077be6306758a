"""Nominating a contact (flow 16): `/reference nominate [account]`, **Nominate** (App Home, the
weekly nudge's promoters), the modal and its submission.

The modal's inputs are product.md's words: **Account**, **Name**, **Title**, **E-mail**, **Why
them**, **Activities they might do**. Every refusal (a bad address, an advocate already, a
do-not-contact account, someone who cannot be nominated) comes back from the store and is shown
inline on its input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.accounts.picker import account_for_text, account_picker
from handlers.bench.blocks import written_day
from handlers.kit.blocks import Block, escape, modal, option, plain, section, user
from handlers.kit.desk import Desk
from handlers.kit.forms import (
    as_id,
    element_value,
    input_block,
    selected_id,
    state_values,
    text_input,
    text_of,
)
from handlers.kit.ids import Action, View
from handlers.kit.nominating import FOR_ACCOUNT, FROM_PROMOTER, FROM_REFERRAL, NOMINATE
from handlers.kit.refusals import answered
from handlers.outbox.sender import send_soon
from store import promoters
from store.accounts import lookup
from store.accounts.lookup import AccountChoice
from store.act import Act
from store.addresses import ADDRESS_MAX
from store.bench import nominating
from store.bench.nominating import NAME_MAX, WHY_MAX, Nominated, NominationDraft
from store.customer import referrals
from store.errors import Gone
from store.models import NominationStatus
from store.rules.policy import Policy


@dataclass(frozen=True)
class Prefill:
    """What a **Nominate** next to a promoter already knows."""

    name: str = ""
    email: str = ""
    why: str = ""
    title: str = ""


def _text(
    max_length: int, initial: str = "", *, multiline: bool = False, placeholder: str | None = None
) -> dict[str, Any]:
    element = text_input(max_length=max_length, multiline=multiline, placeholder=placeholder)
    if initial:
        element["initial_value"] = initial[:max_length]
    return element


def nominate_modal(
    policy: Policy,
    *,
    account: AccountChoice | None = None,
    hint: str | None = None,
    prefill: Prefill = Prefill(),
) -> dict[str, Any]:
    activities = {
        "type": "multi_static_select",
        "action_id": "value",
        "placeholder": plain("What might they do?"),
        "options": [option(a.name, a.key) for a in list(policy.activities.values())[:100]],
    }
    blocks: list[Block] = [
        section(
            "A customer contact who would make a good advocate. The account's owner decides whether "
            "to invite them; they join only by their own yes."
        ),
        input_block("account", "Account", account_picker(account), hint=hint),
        input_block("name", "Name", _text(NAME_MAX, prefill.name)),
        input_block("title", "Title", _text(NAME_MAX, prefill.title), optional=True),
        input_block("email", "E-mail", _text(ADDRESS_MAX, prefill.email, placeholder="jane@example.com")),
        input_block(
            "why",
            "Why them",
            _text(WHY_MAX, prefill.why, multiline=True),
            hint="What makes them a good advocate: the owner reads it, and so do they in their invitation.",
        ),
        input_block("activities", "Activities they might do", activities, optional=True),
    ]
    return modal("Nominate a contact", blocks, callback_id=View.NOMINATE, submit=NOMINATE)


def parse(view: dict[str, Any]) -> NominationDraft:
    values = state_values(view)
    chosen = element_value(values, "activities").get("selected_options") or []
    activities = tuple(
        str(c["value"]) for c in chosen if isinstance(c, dict) and isinstance(c.get("value"), str)
    )
    return NominationDraft(
        account_id=selected_id(values, "account"),
        name=text_of(values, "name"),
        title=text_of(values, "title"),
        email=text_of(values, "email"),
        why=text_of(values, "why"),
        activities=activities,
    )


def nominated_text(name: str, done: Nominated) -> str:
    """What the nominator reads once the modal is sent."""
    if done.status == NominationStatus.INVITED:
        return (
            f"Thank you: *{escape(name)}* is invited. They get an e-mail on your behalf and decide "
            "on their own page; you will hear how it goes in a DM."
        )
    deciders = ", ".join(user(d) for d in done.deciders) or "the program admins"
    return (
        f"Thank you: *{escape(name)}* is nominated. {deciders} decides whether to invite them; "
        "you will hear how it goes in a DM."
    )


def open_nominate_modal(
    desk: Desk, client: WebClient, trigger_id: str, value: str = "", text: str = ""
) -> None:
    """The modal: blank, for an account (its id, or the words of `/reference nominate <account>`),
    or pre-filled from a promoter's NPS answer or from the colleague an advocate named."""
    account, hint, prefill = None, None, Prefill()
    if value.startswith(FROM_PROMOTER):
        found = promoters.answer(desk.db, as_id(value.removeprefix(FROM_PROMOTER)) or 0, desk.today())
        if found is not None:
            account = lookup.choice(desk.db, found.account_id)
            said = f": “{found.comment}”" if found.comment else ""
            why = f"Gave us {found.score} on {written_day(found.answered_on)} in the NPS survey{said}"
            prefill = Prefill(found.name, found.email, why)
    elif value.startswith(FROM_REFERRAL):
        account, prefill = _referred(desk, as_id(value.removeprefix(FROM_REFERRAL)) or 0)
    elif value.startswith(FOR_ACCOUNT):
        account_id = as_id(value.removeprefix(FOR_ACCOUNT))
        account = lookup.choice(desk.db, account_id) if account_id is not None else None
    elif text:
        account, hint = account_for_text(desk, text)
    client.views_open(
        trigger_id=trigger_id, view=nominate_modal(desk.policy, account=account, hint=hint, prefill=prefill)
    )


def _referred(desk: Desk, referral_id: int) -> tuple[AccountChoice | None, Prefill]:
    """The colleague an advocate named instead of themselves, as the nomination starts."""
    try:
        named = referrals.referral(desk.db, referral_id)
    except Gone:
        return None, Prefill()
    activity = desk.policy.activities.get(named.activity)
    what = activity.name if activity else named.activity
    why = f"{named.advocate_name} named them: someone else would be better for the {what}"
    return lookup.choice(desk.db, named.account_id), Prefill(named.name, named.email, why, named.title)


def nominate_command(desk: Desk, ack: Ack, command: dict[str, Any], rest: str, client: WebClient) -> None:
    """`/reference nominate [account]`."""
    ack()
    open_nominate_modal(desk, client, command["trigger_id"], text=rest.strip())


def nominate_clicked(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, desk: Desk
) -> None:
    ack()
    open_nominate_modal(desk, client, body["trigger_id"], value=str(action.get("value") or ""))


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
        draft = parse(view)
        done = nominating.nominate(
            desk.db, desk.policy, draft, act, key=desk.address_key, source_key=f"view:{view['id']}"
        )
        thanks = modal(
            "Nominated", [section(nominated_text(draft.name, done))], callback_id=View.NOTICE, close="Close"
        )
        ack(response_action="update", view=thanks)
        send_soon(desk, done.delivery_keys)


def register(app: App) -> None:
    app.action(Action.NOMINATE)(nominate_clicked)
    app.view(View.NOMINATE)(submitted)
