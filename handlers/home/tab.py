"""The App Home tab: my open requests, the decisions waiting for me (with working buttons), the
balances of the accounts I own, giving first, and growing the bench.

The decision cards are the very blocks of the decision DM (`decision_blocks`), so Approve and
Decline carry the same action ids and the same listeners decide, with the same checks. Home is
published when the person opens the tab and again after a decision they clicked there (an outbox
delivery that waits until the decision is recorded, so it never shows a stale card).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse

from handlers.evidence.drafting import evidence_home_blocks
from handlers.home.bench import bench_blocks
from handlers.home.give_first import give_first_blocks
from handlers.kit.blocks import Block, context, divider, escape, header, section
from handlers.kit.desk import Desk
from handlers.kit.forms import as_id
from handlers.kit.ids import DECISION_ACTIONS
from handlers.outbox.messages import NotYet, Outgoing
from handlers.requests.messages import decision_blocks
from handlers.requests.status import listing_blocks, more
from store.models import RequestStatus
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.outbox.payloads import HomeRefreshPayload
from store.outbox.queue import DeliveryJob
from store.requests import cards, home_refresh, status
from store.requests.status import HomeOverview
from store.rules.policy import points

log = logging.getLogger(__name__)

#: a decision clicked on Home may wait in a Decline modal; stop waiting after this many tries
MAX_WAITS = 6
#: Slack's most blocks in a Home view
HOME_BLOCKS_MAX = 100


def _unique_ids(blocks: list[Block], suffix: str) -> list[Block]:
    """Block ids must be unique in a view: the DM's `decision` becomes `decision:42`."""
    return [{**b, "block_id": f"{b['block_id']}:{suffix}"} if "block_id" in b else b for b in blocks]


def home_view(desk: Desk, user_id: str, overview: HomeOverview) -> dict[str, Any]:
    """The Home view, within Slack's 100 blocks: the decision cards (a dozen blocks each) take the
    room the other parts leave, and those that do not fit are counted in the "and N more" line
    (they are in the person's DMs). Past the limit, `views.publish` refuses the whole view and
    Home stops changing."""
    rest = _the_rest(desk, user_id, overview)
    blocks: list[Block] = [header("Reference Desk"), section("*Decisions waiting for you*")]
    if not overview.waiting_ids:
        blocks.append(context("Nothing to decide right now."))
    room, shown = HOME_BLOCKS_MAX - len(blocks) - len(rest) - 1, 0  # one for the "more" line
    for card in cards.cards(desk.db, desk.policy, overview.waiting_ids, desk.today()):
        decision = decision_blocks(card, viewer_is_admin=desk.is_admin(user_id), mails=desk.mails_advocates)
        one = [*_unique_ids(decision, str(card.id)), divider()]
        if len(one) > room:
            break
        blocks += one
        room, shown = room - len(one), shown + 1
    tail = more(shown, overview.waiting_total, "decisions: they are in your DMs")
    if tail:
        blocks.append(tail)
    return {"type": "home", "blocks": (blocks + rest)[:HOME_BLOCKS_MAX]}


def _the_rest(desk: Desk, user_id: str, overview: HomeOverview) -> list[Block]:
    """Everything under the decisions: my open requests, my accounts' balances, giving first,
    evidence (admins) and growing the bench."""
    blocks = [section("*Your open requests*")]
    if overview.my_open.lines:
        blocks += listing_blocks(overview.my_open, "open requests (`/reference status` lists them)")
    else:
        blocks.append(
            context("None open. `/reference` asks for a reference; `/reference find` suggests accounts.")
        )
    blocks.append(section("*Your accounts' balances*"))
    if overview.balances:
        lines = [
            f"• *{escape(b.name)}*: {points(b.balance)}"
            + ("" if b.status == "active" else f" ({b.status.replace('_', ' ')})")
            for b in overview.balances
        ]
        blocks.append(section("\n".join(lines)))
        tail = more(len(overview.balances), overview.balances_total, "accounts")
        if tail:
            blocks.append(tail)
    else:
        blocks.append(context("You own no account in the program."))
    blocks += give_first_blocks(desk, user_id, overview.balances)
    blocks += evidence_home_blocks(desk, user_id)
    blocks += bench_blocks(desk, user_id)
    return blocks


def current_home(desk: Desk, user_id: str) -> dict[str, Any]:
    """`user_id`'s Home as the program stands now."""
    return home_view(desk, user_id, status.home_overview(desk.db, desk.policy, user_id, desk.today()))


def publish_home(desk: Desk, user_id: str) -> None:
    assert desk.client is not None
    desk.client.views_publish(user_id=user_id, view=current_home(desk, user_id))


def render_home_refresh(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    """The recipient's Home to republish once the decision it follows is recorded (no chat
    message: the sender publishes it)."""
    request_id = job.request_id
    waits = HomeRefreshPayload.from_dict(job.data).wait_for_decision
    if request_id is not None and waits and job.attempts < MAX_WAITS:
        current = status.request_status(desk.db, request_id)
        if current == RequestStatus.PENDING:
            raise NotYet("the decision clicked on Home is not recorded yet")
    read_from = desk.now()
    home = current_home(desk, job.recipient)
    # the Home about to be published was read after every refresh owed before `read_from` (should
    # this publish fail, this delivery is tried again and reads Home anew)
    queue.cover_pending(desk.db, DeliveryKind.HOME_REFRESH, job.recipient, read_from, desk.now())
    return [Outgoing(text="", home=home)]


def _decision_on_home(body: dict[str, Any]) -> tuple[str, int, str] | None:
    """(user, request id, click id) when the payload is a click on a decision button in Home."""
    if body.get("type") != "block_actions" or (body.get("view") or {}).get("type") != "home":
        return None
    for action in body.get("actions") or []:
        request_id = as_id(action.get("value"))
        if action.get("action_id") in DECISION_ACTIONS and request_id is not None:
            user_id = str((body.get("user") or {}).get("id") or "")
            return user_id, request_id, str(action.get("action_ts") or "")
    return None


def home_opened(event: dict[str, Any], desk: Desk) -> None:
    if event.get("tab", "home") == "home" and event.get("user"):
        publish_home(desk, str(event["user"]))


def refresh_home_after_decision(
    body: dict[str, Any], next: Callable[[], BoltResponse], desk: Desk
) -> BoltResponse:
    """A click on Home's Approve / Decline is decided by the decision listeners (an Approve after
    its ack, in its turn: `handlers.kit.later`); owe a republish of that Home (the delivery worker
    sends it once the decision is recorded)."""
    clicked = _decision_on_home(body)
    if clicked is not None and clicked[0]:
        user_id, request_id, click = clicked
        home_refresh.owe(
            desk.db, user_id, request_id, desk.now(), why=f"click:{click}", wait_for_decision=True
        )
    return next()


def register(app: App) -> None:
    app.event("app_home_opened")(home_opened)
    app.middleware(refresh_home_after_decision)
