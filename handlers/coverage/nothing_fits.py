"""**Nothing fits**: on find's answer, the requester says what the prospect needed; the admins
read the day's needs in one DM the morning after (`render_nothing_fits`).

The button carries what the search said (its words, the activity, the industry they name), so the
modal opens filled in and the requester only corrects it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.coverage.words import activity_name
from handlers.kit.blocks import Block, button, context, escape, header, modal, option, plain, section, user
from handlers.kit.desk import Desk
from handlers.kit.forms import input_block, selected_of, state_values, text_input, text_of
from handlers.kit.ids import Action, View
from handlers.kit.refusals import answered
from handlers.kit.replies import notice_modal
from handlers.outbox.messages import Outgoing
from store.accounts.find import FindResult
from store.act import Act
from store.coverage import demand
from store.coverage.demand import INDUSTRY_MAX, WORDS_MAX, NothingFitsDraft
from store.outbox.payloads import NothingFitsPayload
from store.outbox.queue import DeliveryJob
from store.rules.policy import Policy

#: the search's words a button carries (Slack allows 2,000 characters in a value, JSON included)
WORDS_CARRIED = 500
#: needs listed in one DM (a message holds 50 blocks; each need is a line of one section)
LISTED_MAX = 25
THANKS = (
    "Thank you. The program admins read what you needed tomorrow morning, and it counts where the "
    "program is short: the owners of accounts like it are asked to nominate advocates."
)


def nothing_fits_button(words: str, result: FindResult) -> Block:
    """**Nothing fits** under find's answer, carrying what the search said."""
    carried = {
        "words": words[:WORDS_CARRIED],
        "activity": result.activity.key if result.activity else "",
        "industry": result.unmet.industry[:INDUSTRY_MAX] if result.unmet else "",
    }
    return {
        "type": "actions",
        "block_id": "nothing_fits",
        "elements": [button("Nothing fits", Action.NOTHING_FITS, json.dumps(carried, ensure_ascii=False))],
    }


def _carried(value: object) -> dict[str, str]:
    """What the button carried; a value that is not ours opens an empty modal."""
    try:
        data = json.loads(value) if isinstance(value, str) else {}
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    return {key: str(data.get(key) or "") for key in ("words", "activity", "industry")}


def nothing_fits_modal(policy: Policy, carried: dict[str, str]) -> dict[str, Any]:
    activity: dict[str, Any] = {
        "type": "static_select",
        "action_id": "value",
        "placeholder": plain("Which activity?"),
        "options": [option(a.name, a.key) for a in list(policy.activities.values())[:100]],
    }
    if carried["activity"] in policy.activities:
        activity["initial_option"] = option(activity_name(policy, carried["activity"]), carried["activity"])
    industry = text_input(max_length=INDUSTRY_MAX, placeholder="Healthcare")
    words = text_input(max_length=WORDS_MAX, multiline=True)
    if carried["industry"]:
        industry["initial_value"] = carried["industry"]
    if carried["words"]:
        words["initial_value"] = carried["words"][:WORDS_MAX]
    return modal(
        "Nothing fits",
        [
            section("Tell the program admins what this deal needs: it shows them where to grow the bench."),
            input_block("words", "What they needed", words, hint="Who the prospect wants to hear from."),
            input_block("activity", "Activity", activity, optional=True),
            input_block("industry", "Industry", industry, optional=True),
        ],
        callback_id=View.NOTHING_FITS,
        submit="Send",
    )


def open_nothing_fits(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient, desk: Desk
) -> None:
    ack()
    with answered(ack, body, respond, client):
        view = nothing_fits_modal(desk.policy, _carried(action.get("value")))
        client.views_open(trigger_id=body["trigger_id"], view=view)


def tomorrow_morning(desk: Desk) -> dt.datetime:
    """The start of tomorrow in the program's time zone: when a day's needs are told."""
    return dt.datetime.combine(desk.today() + dt.timedelta(days=1), dt.time(), desk.tz).astimezone(dt.UTC)


def nothing_fits_submitted(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    respond: Respond,
    client: WebClient,
    desk: Desk,
    act: Act,
) -> None:
    """Store the need (once per modal: its view id), then thank the requester in the modal."""
    values = state_values(view)
    draft = NothingFitsDraft(
        words=text_of(values, "words"),
        activity=selected_of(values, "activity"),
        industry=text_of(values, "industry"),
    )
    with answered(ack, body, respond, client):
        demand.nothing_fits(
            desk.db, desk.policy, draft, act, source_key=str(view.get("id")), tell_at=tomorrow_morning(desk)
        )
        ack(response_action="update", view=notice_modal("Nothing fits", THANKS))


def nothing_fits_blocks(policy: Policy, day: dt.date, needs: list[demand.ToldNeed]) -> list[Block]:
    lines = []
    for need in needs[:LISTED_MAX]:
        what = " · ".join(
            escape(part)
            for part in (activity_name(policy, need.activity) if need.activity else "", need.industry)
            if part
        )
        lines.append(f"• {user(need.requester_id)}: “{escape(need.words)}”" + (f" — {what}" if what else ""))
    if len(needs) > LISTED_MAX:
        lines.append(f"…and {len(needs) - LISTED_MAX} more")
    return [
        header(f"Nothing fits — {day.isoformat()}"),
        section("Sales found nothing in the program that fits these deals:\n" + "\n".join(lines)),
        context(
            "`refdesk coverage` shows where the program is short; each week the owners of accounts "
            "in the largest gaps are asked to nominate advocates."
        ),
    ]


def render_nothing_fits(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    """The day's needs, read when the DM is sent (the day is over by then)."""
    day = NothingFitsPayload.from_dict(job.data).day
    needs = demand.nothing_fits_on(desk.db, day)
    if not needs:
        return []
    text = f"Nothing fits: {len(needs)} deal{'' if len(needs) == 1 else 's'} on {day.isoformat()}"
    return [Outgoing(text, nothing_fits_blocks(desk.policy, day, needs))]


def register(app: App) -> None:
    app.action(Action.NOTHING_FITS)(open_nothing_fits)
    app.view(View.NOTHING_FITS)(nothing_fits_submitted)
