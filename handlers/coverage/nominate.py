"""**Nominate**: the button on every "we're short" notice, and what it opens.

Nominations in Slack come with the "Grow the bench" issue (`/reference nominate`); until then the
button opens how an advocate joins the program today: through a program admin and
`refdesk import advocates`. The button and its listener live here and nowhere else, so pointing
**Nominate** at the nomination modal is a change to this module alone.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.kit.blocks import button, context, escape, modal, section, user
from handlers.kit.desk import Desk
from handlers.kit.forms import as_id
from handlers.kit.ids import Action
from handlers.kit.refusals import answered
from store.accounts import lookup
from store.errors import Gone

IMPORT_COLUMNS = "account,name,title,email,activities"


def nominate_button(account_id: int) -> dict[str, Any]:
    return button("Nominate", Action.NOMINATE, str(account_id), "primary")


def nominate_view(account_name: str, admins: frozenset[str]) -> dict[str, Any]:
    """How someone at the account becomes an advocate today."""
    who = ", ".join(user(admin) for admin in sorted(admins)) or "a program admin"
    return modal(
        "Nominate",
        [
            section(f"*Who at {escape(account_name)} would be a good advocate?*"),
            section(
                f"Send {who} their name, title and e-mail, why them, and the activities they might do. "
                f"The admin adds them with `refdesk import advocates FILE.csv`: a CSV with the columns "
                f"`{IMPORT_COLUMNS}` (activities as keys, such as `reference_call;quote`)."
            ),
            context("Nobody is asked anything until their account's owner approves an ask for them."),
        ],
        callback_id="notice",
        close="Close",
    )


def nominate(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient, desk: Desk
) -> None:
    ack()
    with answered(ack, body, respond, client):
        account_id = as_id(action.get("value"))
        found = lookup.choice(desk.db, account_id) if account_id is not None else None
        if found is None:
            raise Gone(f"account {action.get('value')!r}")
        client.views_open(trigger_id=body["trigger_id"], view=nominate_view(found.name, desk.admins))


def register(app: App) -> None:
    app.action(Action.NOMINATE)(nominate)
