"""`/reference status`: the asker's requests of the last 90 days, in place, visible to them only.

`request_line` is also how the App Home lists requests, so both read the same.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from handlers.kit.blocks import Block, context, escape, section, user, when
from handlers.kit.desk import Desk
from handlers.requests.messages import customer_line
from store.models import RequestStatus
from store.requests import status
from store.requests.status import Listing, RequestLine

STATE = {
    RequestStatus.PENDING: "⏳ Pending",
    RequestStatus.APPROVED: "✅ Approved",
    RequestStatus.DECLINED: "❌ Declined",
    RequestStatus.CUSTOMER_DECLINED: "🙅 Declined by the customer",
    RequestStatus.CANCELLED: "🚫 Cancelled",
    RequestStatus.WITHDRAWN: "↩️ Withdrawn",
    RequestStatus.DONE: "🏁 Done",
    RequestStatus.FELL_THROUGH: "↩️ Fell through",
}


#: how the owner's decision reads in a line (every other decided state was an approval first)
DECIDED_VERB = {RequestStatus.DECLINED: "declined", RequestStatus.CANCELLED: "cancelled"}


def _state(line: RequestLine) -> str:
    """The request's state as its requester follows it: an approved ask says where the customer is."""
    side = line.customer
    if line.status == RequestStatus.APPROVED and side is not None:
        return "🤝 Confirmed by the customer" if side.confirmed else "✉️ Waiting for the customer"
    return STATE.get(RequestStatus(line.status), line.status)


def request_line(line: RequestLine) -> str:
    """`⏳ Pending — Reference call with *Acme* · Deal · asked … · <@owner> decides`, and where the
    customer is once approved."""
    state = _state(line)
    deal = f" · {escape(line.opportunity_name)}" if line.opportunity_name else ""
    if line.status == RequestStatus.PENDING and line.blocked:
        who = "⛔ a rule blocks it: only a program admin can approve, with override"
    elif line.status == RequestStatus.PENDING:
        who = f"{user(line.decider_id)} {'decides' if line.decider_id else 'decide'}"
    elif line.decided_by:
        verb = DECIDED_VERB.get(RequestStatus(line.status), "approved")
        who = f"{verb} by {user(line.decided_by)}"
    else:
        who = ""
    text = (
        f"{state} — {escape(line.activity_name)} with *{escape(line.account_name)}*{deal}\n"
        f"asked {when(line.created_at)}" + (f" · {who}" if who else "")
    )
    return text + (f"\n{customer_line(line.customer)}" if line.customer is not None else "")


def more(shown: int, total: int, what: str) -> Block | None:
    """The "and N more" line under a list that was cut."""
    return context(f"…and {total - shown} more {what}.") if total > shown else None


def listing_blocks(listing: Listing, what: str) -> list[Block]:
    blocks = [section(request_line(line)) for line in listing.lines]
    tail = more(len(listing.lines), listing.total, what)
    return blocks + ([tail] if tail else [])


def status_blocks(listing: Listing) -> list[Block]:
    if not listing.lines:
        return [
            section(
                f"You have asked for no reference in the last {status.STATUS_DAYS} days. "
                "`/reference` asks for one; `/reference find <words>` suggests accounts."
            )
        ]
    return [
        section(f"*Your requests of the last {status.STATUS_DAYS} days*"),
        *listing_blocks(listing, "requests"),
    ]


def answer_status(desk: Desk, ack: Ack, command: dict[str, Any], rest: str, client: WebClient) -> None:
    listing = status.my_requests(desk.db, desk.policy, str(command["user_id"]), desk.now(), desk.today())
    ack(
        response_type="ephemeral",
        text=f"Your requests of the last {status.STATUS_DAYS} days: {listing.total}",
        blocks=status_blocks(listing),
    )
