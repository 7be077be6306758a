"""An admin drafts a customer's words (`/reference evidence new`, **Draft evidence** on App Home) or
changes them (**Edit** in the library): account, advocate, kind, the words, a link, where they come
from. Either way the advocate is e-mailed the words to approve, and nobody sees them before.

The advocate picker is the one of every modal with an account input (`Action.LOG_ADVOCATE`, whose
options are the chosen account's people).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.accounts.picker import account_picker
from handlers.evidence.blocks import home_blocks
from handlers.kit.blocks import Block, context, escape, modal, option, plain, section
from handlers.kit.desk import Desk
from handlers.kit.forms import (
    as_id,
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
from handlers.kit.refusals import answered, sentence
from handlers.kit.replies import notice_modal, tell
from handlers.outbox.sender import send_soon
from store.act import Act
from store.errors import NotAllowed
from store.evidence import capture, figures, view
from store.evidence.capture import EvidenceDraft
from store.evidence.items import SOURCE_MAX
from store.evidence.view import ItemView
from store.links import LINK_MAX
from store.rules.policy import Policy

#: Slack's longest text input; the advocate may write more on their page
SLACK_TEXT_MAX = 3000
NO_MAIL = (
    "A customer's words are theirs to approve, by e-mail: set REFDESK_PUBLIC_URL, REFDESK_SMTP_URL "
    "and REFDESK_MAIL_FROM first."
)
TOO_LONG_FOR_SLACK = "These words are longer than Slack can edit: the advocate can change them on their page."


def _inputs(policy: Policy, item: ItemView | None) -> list[Block]:
    words = text_input(max_length=SLACK_TEXT_MAX, multiline=True, placeholder="Their words, exactly")
    page = text_input(max_length=LINK_MAX, placeholder="https://…")
    source = text_input(max_length=SOURCE_MAX, placeholder="e.g. our call on 3 March")
    if item is not None:
        words["initial_value"] = item.text[:SLACK_TEXT_MAX]
        if item.link:
            page["initial_value"] = item.link
        if item.source:
            source["initial_value"] = item.source
    return [
        input_block("text", "Their words", words, hint="A sentence or a figure, as the customer said it."),
        input_block(
            "link", "Link", page, optional=True, hint="For a case study or a link: the page's address."
        ),
        input_block(
            "source", "Where the words come from", source, optional=True, hint="The advocate reads this."
        ),
    ]


def draft_modal(policy: Policy) -> dict[str, Any]:
    kinds = {
        "type": "static_select",
        "action_id": "value",
        "placeholder": plain("What is it?"),
        "options": [option(kind.name, kind.key) for kind in policy.evidence.kinds.values()],
    }
    advocates = {
        "type": "external_select",
        "action_id": Action.LOG_ADVOCATE,
        "placeholder": plain("The person whose words these are"),
        "min_query_length": 0,
    }
    blocks = [
        context("The advocate is e-mailed these words to approve. Nobody sees them before."),
        input_block("account", "Account", account_picker(None)),
        input_block(
            "advocate", "Advocate", advocates, hint="They approve the words, where we use them and how."
        ),
        input_block("kind", "Kind", kinds),
        *_inputs(policy, None),
    ]
    return modal("Draft evidence", blocks, callback_id=View.EVIDENCE_DRAFT, submit="Send to approve")


def edit_modal(policy: Policy, item: ItemView) -> dict[str, Any]:
    """A change to an item's words: it waits for the advocate's approval again."""
    blocks = [
        section(f"*{escape(item.kind_name)}* of {escape(item.advocate_name)} ({escape(item.account_name)})"),
        context("A change takes the words out of the library until the advocate approves them again."),
        *_inputs(policy, item),
    ]
    return modal(
        "Edit evidence",
        blocks,
        callback_id=View.EVIDENCE_DRAFT,
        submit="Send to approve",
        private_metadata=modal_metadata(item.id),
    )


def refusal(desk: Desk, user_id: str) -> str | None:
    """Why `user_id` cannot draft now, in words (None: they can)."""
    if not desk.is_admin(user_id):
        return sentence(NotAllowed("draft a customer's words for them to approve"))
    if desk.links is None or desk.mailer is None:
        return NO_MAIL
    return None


def evidence_home_blocks(desk: Desk, user_id: str) -> list[Block]:
    """App Home's evidence part, for the admins: the library's state and **Draft evidence**."""
    if not desk.is_admin(user_id):
        return []
    return home_blocks(figures.overview(desk.db, desk.policy, desk.today()))


def new_clicked(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, desk: Desk, act: Act
) -> None:
    """**Draft evidence** on App Home."""
    ack()
    refused = refusal(desk, act.user)
    if refused is not None:
        tell(body, respond, client, refused)
        return
    client.views_open(trigger_id=body["trigger_id"], view=draft_modal(desk.policy))


def edit_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    """**Edit** in the library (admins)."""
    ack()
    with answered(ack, body, respond, client):
        refused = refusal(desk, act.user)
        evidence_id = as_id(action.get("value"))
        if refused is not None or evidence_id is None:
            tell(
                body,
                respond,
                client,
                refused or "This button is out of date: run `/reference evidence` again.",
            )
            return
        item = view.item(desk.db, desk.policy, evidence_id, desk.today())
        if len(item.text) > SLACK_TEXT_MAX:
            tell(body, respond, client, TOO_LONG_FOR_SLACK)
            return
        client.views_open(trigger_id=body["trigger_id"], view=edit_modal(desk.policy, item))


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
        values = state_values(view)
        typed = EvidenceDraft(
            account_id=selected_id(values, "account"),
            advocate_id=selected_id(values, "advocate"),
            kind=selected_of(values, "kind"),
            text=text_of(values, "text"),
            link=text_of(values, "link") or None,
            source=text_of(values, "source"),
        )
        evidence_id = metadata_id(view)
        if evidence_id is None:
            done = capture.draft(desk.db, desk.policy, typed, act, source_key=f"view:{view['id']}")
        else:
            done = capture.edit(desk.db, desk.policy, evidence_id, typed, act)
        said = (
            f"Sent to {escape(done.advocate_name)} to approve. Nobody sees these words until they approve "
            "them, say where we may use them, how to name them and until when."
        )
        ack(response_action="update", view=notice_modal("Sent to approve", said))
        send_soon(desk, done.delivery_keys)


def register(app: App) -> None:
    app.action(Action.EVIDENCE_NEW)(new_clicked)
    app.action(Action.EVIDENCE_EDIT)(edit_clicked)
    app.view(View.EVIDENCE_DRAFT)(submitted)
