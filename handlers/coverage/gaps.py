"""The owner's weekly "we're short" DM: each gap their accounts are in, in one line, and under it
their accounts, each with **Nominate**; an account too low on equity to be asked gets the open
offers that fit it first (give first), then **Nominate**."""

from __future__ import annotations

import datetime as dt

from handlers.coverage.words import activity_name, gap_figures, window
from handlers.kit.blocks import Block, context, escape, header, section
from handlers.kit.desk import Desk
from handlers.kit.nominating import for_account
from handlers.offers.blocks import suggestion_block
from handlers.outbox.messages import Outgoing
from store.coverage import gaps
from store.coverage.figures import DEFAULT_DAYS
from store.coverage.gaps import GapAccount
from store.offers import matching
from store.offers.matching import Suggestion
from store.outbox.payloads import GapAsk, GapAsksPayload
from store.outbox.queue import DeliveryJob
from store.rules.policy import Policy, points

#: accounts named in one DM, and offers suggested in it: a message holds 50 blocks
ACCOUNTS_MAX = 15
OFFERS_MAX = 6


def gap_name(policy: Policy, gap: GapAsk) -> str:
    labels = [label or "not named" for label in gap.labels]
    return ", ".join([*labels, activity_name(policy, gap.activity or None)])


def _account_block(policy: Policy, gap: GapAsk, account: GapAccount, low: bool) -> Block:
    if low:
        cost = policy.activities[gap.activity].cost if gap.activity in policy.activities else 0
        why = (
            f"balance {points(account.balance)}, the ask costs {points(cost)}: give something back first, "
            "and nominate someone for when it can be asked"
        )
    else:
        why = "nobody there can be asked for it now"
    return section(f"*{escape(account.name)}* · {why}", accessory=for_account(account.account_id))


def gap_ask_blocks(
    policy: Policy,
    asks: GapAsksPayload,
    accounts: dict[int, GapAccount],
    suggested: dict[int, list[Suggestion]],
) -> list[Block]:
    when = window(asks.since, asks.since + dt.timedelta(days=DEFAULT_DAYS))
    blocks: list[Block] = [
        header("Where we're short"),
        section(
            "Sales needed these more often than the program could answer. Your accounts below fit, and "
            "nobody at them can be asked now: do you know someone there who would speak for us?"
        ),
    ]
    named, offers_left = 0, OFFERS_MAX
    for gap in asks.gaps:
        figures = gap_figures(gap.needed, gap.filled, gap.supply, when)
        blocks.append(section(f"*{escape(gap_name(policy, gap))}*: {figures}"))
        low = set(gap.low_ids)
        ordered = sorted(gap.account_ids, key=lambda a: (a not in low, a))  # low on equity first
        for account_id in ordered:
            if account_id not in accounts or named >= ACCOUNTS_MAX:
                continue
            blocks.append(_account_block(policy, gap, accounts[account_id], account_id in low))
            named += 1
            found = suggested.get(account_id, [])[:offers_left] if account_id in low else []
            blocks += [suggestion_block(s) for s in found]
            offers_left -= len(found)
    left = len({a for gap in asks.gaps for a in gap.account_ids}) - named
    if left > 0:
        blocks.append(
            context(f"…and {left} more of your accounts: `/reference give ACCOUNT` suggests offers.")
        )
    return blocks


def render_gap_asks(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    """Rendered when sent: names and balances as they are now, the offers open now."""
    asks = GapAsksPayload.from_dict(job.data)
    ids = {a for gap in asks.gaps for a in gap.account_ids}
    accounts = gaps.gap_accounts(desk.db, desk.policy, ids)
    if not accounts:
        return []
    low = [a for gap in asks.gaps for a in gap.low_ids]
    suggested = matching.suggestions(desk.db, desk.policy, low, desk.today())
    text = "Where we're short: " + "; ".join(escape(gap_name(desk.policy, gap)) for gap in asks.gaps)
    return [Outgoing(text, gap_ask_blocks(desk.policy, asks, accounts, suggested))]
