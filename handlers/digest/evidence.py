"""What customers' approved words did, in words: the digest's thanks to the customers whose words
helped this week (beside those who helped with an activity), and `refdesk report`'s win rate of
deals where evidence was used against those without, with the counts."""

from __future__ import annotations

from collections.abc import Callable

from handlers.digest.outcomes import rate_text
from handlers.kit.blocks import Block, escape, section
from handlers.kit.desk import Desk
from store.evidence import figures
from store.evidence.figures import EvidenceOutcomes, Thanked
from store.periods import Period

THANKS_TITLE = "💬 Their words helped this week — thank you"
#: the longest list of names a digest section carries
THANKS_MAX = 10


def thanks_lines(thanked: list[Thanked], esc: Callable[[str], str]) -> list[str]:
    lines = [
        f"• {esc(t.advocate_name)} ({esc(t.account_name)}): {esc(t.helped.words('this week') or '')}"
        for t in thanked[:THANKS_MAX]
    ]
    if len(thanked) > THANKS_MAX:
        lines.append(f"…and {len(thanked) - THANKS_MAX} more")
    return lines


def thanked_in(desk: Desk, period: Period) -> list[Thanked]:
    return figures.thanks(desk.db, desk.policy, period.starts_at, period.ends_at)


def thanks_blocks(desk: Desk, period: Period) -> list[Block]:
    """The digest's section; none in a week nobody used anyone's words."""
    lines = thanks_lines(thanked_in(desk, period), escape)
    return [section(f"*{THANKS_TITLE}*\n" + "\n".join(lines))] if lines else []


def thanks_text(desk: Desk, period: Period) -> list[str]:
    """The same for `refdesk digest --dry-run`."""
    return ["", THANKS_TITLE, *(thanks_lines(thanked_in(desk, period), lambda s: s) or ["(none)"])]


def report_lines(o: EvidenceOutcomes) -> list[str]:
    """`refdesk report`'s part about evidence."""
    unmatched = (
        f" ({o.unmatched_uses} without a CRM link matching an imported deal)" if o.unmatched_uses else ""
    )
    return [
        f"Customers' approved words used: {o.uses}{unmatched}",
        f"Win rate with evidence used: {rate_text(o.with_evidence)}; "
        f"without: {rate_text(o.without_evidence)}",
    ]
