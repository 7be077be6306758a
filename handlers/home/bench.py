"""App Home's "Grow the bench" part: **Nominate**, the nominations waiting for my decision, the
promoters at my accounts to nominate (pre-filled), and for admins every open nomination with its
age."""

from __future__ import annotations

from handlers.bench.blocks import (
    nomination_line_blocks,
    open_nominations_blocks,
    promoter_block,
)
from handlers.kit.blocks import Block, actions, context, section
from handlers.kit.desk import Desk
from handlers.kit.nominating import nominate_button
from store import promoters
from store.bench import views

HOME_NOMINATIONS = 3
HOME_PROMOTERS = 3
HOME_OPEN = 10


def bench_blocks(desk: Desk, user_id: str) -> list[Block]:
    blocks: list[Block] = [section("*Grow the bench*")]
    for view in views.waiting_for(desk.db, desk.policy, user_id, desk.admins, limit=HOME_NOMINATIONS):
        blocks += nomination_line_blocks(view)
    found = promoters.for_owner(desk.db, user_id, desk.today(), limit=HOME_PROMOTERS)
    if found:
        blocks.append(context("Promoters at your accounts who are not advocates yet:"))
        blocks += [promoter_block(promoter) for promoter in found]
    if desk.is_admin(user_id):
        shown, total = views.open_nominations(desk.db, desk.policy, limit=HOME_OPEN)
        blocks.append(context("Open nominations (admins), the longest waiting first:"))
        blocks += open_nominations_blocks(shown, total, desk.now())
    blocks.append(actions(nominate_button(), block_id="nominate"))
    blocks.append(
        context(
            "Know a customer who would make a good advocate? Nominate them: the owner decides, they opt in."
        )
    )
    return blocks
