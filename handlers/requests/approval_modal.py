"""The approval modal: whom to ask (anyone at the account, each with what holds them back), **A
line from you** that opens the e-mail, and the e-mail itself as the customer will read it. Opened
by **Preview**, by an **Approve** that must ask whom, and by **I'll ask them myself** (whom only).
"""

from __future__ import annotations

from typing import Any

from handlers.advocate import voice
from handlers.advocate.mails import ask_mail
from handlers.advocate.pages import ANSWER, PROFILE
from handlers.kit.blocks import Block, context, divider, escape, modal, option, section, truncate
from handlers.kit.desk import Desk
from handlers.kit.forms import input_block, text_input
from handlers.kit.ids import View
from store.customer import ask_view
from store.customer.consent import LINE_MAX
from store.errors import Gone
from store.requests.cards import Pickable
from store.rules.checklist import Verdict

#: the approval modal's metadata when the owner asks in person (else: the request id alone)
IN_PERSON = ":in-person"
#: Slack's limit on a section's text: the e-mail's body is shown in pieces under it
PIECE = 2900


def _label(pick: Pickable) -> str:
    return pick.label if pick.verdict is Verdict.OK else f"{pick.verdict.emoji} {pick.label}: {pick.reason}"


def preview_blocks(desk: Desk, request_id: int, advocate_id: int) -> list[Block]:
    """The e-mail `advocate_id` would get, as they will read it (names as Slack knows them now)."""
    try:
        ask = ask_view.preview(desk.db, desk.policy, request_id, advocate_id, "", desk.now(), desk.today())
    except Gone:
        return []
    if not ask.advocate_email or desk.links is None:
        return [
            context(
                f"{escape(ask.advocate_name)} has no e-mail address on file: you would ask them yourself."
            )
        ]
    said = voice.of_ask(desk, ask, wait=False)
    mail = ask_mail(desk, ask, said, ANSWER.url(desk.links, "…"), PROFILE.url(desk.links, "…"))
    replies = escape(mail.reply_to or "no address on file")
    head = (
        f"*From:* {escape(mail.from_name or '')} · *Reply-To:* {replies}\n"
        f"*To:* {escape(mail.to_name)} ({escape(mail.to_address)})\n*Subject:* {escape(mail.subject)}"
    )
    body = escape(mail.text)
    pieces = [body[i : i + PIECE] for i in range(0, len(body), PIECE)]
    return [
        divider(),
        section(f"*The e-mail {escape(ask.advocate_name)} will get*"),
        context(head),
        *(section(f"```{piece}```") for piece in pieces[:10]),
        context(
            "Your line, if you write one, opens it. Another person gets the same e-mail, with their name."
        ),
    ]


def advocate_input(advocates: list[Pickable], named: int | None = None) -> dict[str, Any]:
    """The **Advocate** select of an approval that says who is asked: those who can be asked
    first, each other one with the mark and the reason of what holds them back."""
    choices: dict[str, Any] = {
        "type": "static_select",
        "action_id": "value",
        "options": [option(truncate(_label(pick), 75), str(pick.id)) for pick in advocates[:100]],
    }
    first = next((pick for pick in advocates if pick.id == named), None)
    if first is not None:
        choices["initial_option"] = option(truncate(_label(first), 75), str(first.id))
    return input_block("advocate", "Advocate", choices)


def approve_modal(
    request_id: int, advocates: list[Pickable], *, named: int | None, in_person: bool, preview: list[Block]
) -> dict[str, Any]:
    """The approval modal: whom to ask, and, when the program e-mails, **A line from you** and the
    e-mail itself."""
    if in_person:
        lead = "You ask them yourself: whom? You get their answers as buttons, to record what they say."
    elif preview:
        lead = "Approving e-mails the person below on your behalf. Nobody contacts them before they say yes."
    else:
        lead = "The request names no advocate. Whom should we ask? They answer by e-mail or through you."
    blocks: list[Block] = [section(lead), advocate_input(advocates, named)]
    if preview and not in_person:
        line = text_input(
            max_length=LINE_MAX, multiline=True, placeholder="e.g. Jane, it would mean a lot to us."
        )
        blocks.append(
            input_block(
                "line",
                "A line from you",
                line,
                optional=True,
                hint="Shown first in the e-mail, in your name.",
            )
        )
        blocks += preview
    return modal(
        "Approve request",
        blocks,
        callback_id=View.PICK_ADVOCATE,
        submit="Approve",
        private_metadata=f"{request_id}{IN_PERSON if in_person else ''}",
    )
