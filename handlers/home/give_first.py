"""App Home's give-first part: what each of my accounts got back by group, the offers that fit
them (**Offer it**), the seats I offered still to deliver, and **New offer** for admins."""

from __future__ import annotations

from handlers.kit.blocks import Block, actions, button, context, escape, section
from handlers.kit.desk import Desk
from handlers.kit.ids import Action
from handlers.offers.blocks import capital_line, seat_blocks, suggestion_block
from store.giveback import social_capital
from store.offers import matching, seats
from store.requests.status import BalanceLine

#: accounts whose social capital and offers Home shows (the most over-asked first)
HOME_ACCOUNTS = 5
HOME_OFFERS = 4
HOME_SEATS = 3


def give_first_blocks(desk: Desk, user_id: str, balances: list[BalanceLine]) -> list[Block]:
    today = desk.today()
    shown = balances[:HOME_ACCOUNTS]
    ids = [b.account_id for b in shown]
    blocks: list[Block] = []
    if shown:
        capital = social_capital.breakdowns(desk.db, desk.policy, ids, today)
        lines = [f"*{escape(b.name)}*: {capital_line(capital.get(b.account_id))}" for b in shown]
        blocks.append(context("\n".join(lines)))
    suggested = matching.suggestions(desk.db, desk.policy, ids, today)
    found = [s for account_id in ids for s in suggested.get(account_id, [])][:HOME_OFFERS]
    waiting = seats.open_seats(desk.db, desk.policy, user_id, limit=HOME_SEATS)
    if found or waiting or desk.is_admin(user_id):
        blocks.append(section("*Give first*"))
    blocks += [suggestion_block(s) for s in found]
    for seat in waiting:
        blocks += seat_blocks(seat)
    if desk.is_admin(user_id):
        blocks.append(actions(button("New offer", Action.NEW_OFFER, "new")))
    return blocks
