"""The weekly nudge: each owner's accounts that were asked more than given, with **Log value**
and the open offers that fit them, then their NPS promoters who are not advocates yet, with
**Nominate** (an outbox delivery rendered here, at send time)."""

from __future__ import annotations

from handlers.bench.blocks import promoter_block
from handlers.kit.blocks import Block, button, context, escape, header, section
from handlers.kit.desk import Desk
from handlers.kit.ids import Action
from handlers.offers.blocks import suggestion_block
from handlers.outbox.messages import Outgoing
from store import promoters
from store.giveback import nudges
from store.giveback.nudges import NudgeLine
from store.offers import matching
from store.offers.matching import Suggestion
from store.outbox.payloads import NudgePayload
from store.outbox.queue import DeliveryJob
from store.promoters import Promoter
from store.rules.policy import points

#: accounts listed in one nudge; the rest are named in a line (a message holds 50 blocks)
NUDGE_MAX_ACCOUNTS = 40


#: suggested offers in one nudge (one block each), for its most over-asked accounts first
NUDGE_MAX_OFFERS = 6
#: promoters suggested in one nudge (one block each), the latest answers first
NUDGE_MAX_PROMOTERS = 5
#: the most blocks Slack takes in one message
MESSAGE_BLOCKS = 50


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


def promoter_blocks(found: list[Promoter]) -> list[Block]:
    """The owner's promoters to nominate, each with **Nominate** (the modal pre-filled)."""
    if not found:
        return []
    return [
        section(
            "*Grow the bench*: these customers gave us 9 or 10 and are not advocates yet. "
            "Nominate them: you decide nothing twice, and they join only by their own yes."
        ),
        *(promoter_block(promoter) for promoter in found),
    ]


def render_nudge(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    """Rendered from today's figures: an account the owner gave to since the claim still shows
    its balance, but an owner with nothing left to do (nothing to give, nobody to nominate) gets
    nothing."""
    nudge = NudgePayload.from_dict(job.data)
    lines = [
        line
        for line in nudges.nudge_lines(desk.db, desk.policy, list(nudge.account_ids), nudge.since)
        if line.asked > line.given or line.given == 0
    ]
    found = promoters.for_owner(desk.db, job.recipient, desk.today(), limit=NUDGE_MAX_PROMOTERS)
    if not lines and not found:
        return []
    if not lines:
        names = escape(", ".join(p.name or p.email for p in found))
        return [
            Outgoing(f"Promoters to nominate: {names}", [header("Grow the bench"), *promoter_blocks(found)])
        ]
    days = desk.policy.rules.give_back_days
    names = escape(", ".join(line.name for line in lines[:5]))
    suggested = matching.suggestions(desk.db, desk.policy, [line.account_id for line in lines], desk.today())
    blocks = nudge_blocks(lines, days, suggested)
    room = MESSAGE_BLOCKS - len(blocks) - 1  # the promoters' heading takes one
    return [Outgoing(f"Time to give back: {names}", blocks + promoter_blocks(found[: max(0, room)]))]
