"""Coverage in words, one way for every place that says it: `refdesk coverage`, the digest, the
gap DM and the heat map's labels."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from handlers.kit.blocks import duration
from store.coverage.figures import Cell, Coverage
from store.rules.policy import Policy

#: what a cell's empty value means, per dimension
NOT_NAMED = {"activity": "any activity", "industry": "no industry named"}


def activity_name(policy: Policy, key: str | None) -> str:
    """An activity as the policy names it; a key the policy no longer has, as it was stored."""
    if not key:
        return NOT_NAMED["activity"]
    found = policy.activities.get(key)
    return found.name if found else key


def cell_labels(cover: Coverage, policy: Policy, cell: Cell) -> list[str]:
    """The cell's values in the coverage's dimension order, as a person reads them."""
    return [
        activity_name(policy, label) if dimension == "activity" else label or NOT_NAMED.get(dimension, "—")
        for dimension, label in zip(cover.by, cell.labels, strict=True)
    ]


def cell_name(cover: Coverage, policy: Policy, cell: Cell) -> str:
    """ "Healthcare, Reference call with a prospect"."""
    return ", ".join(cell_labels(cover, policy, cell))


def window(since: dt.date, today: dt.date) -> str:
    days = (today - since).days
    return f"in the last {days} days" if days > 0 else f"since {since.isoformat()}"


def advocates(count: int) -> str:
    return f"{count} advocate{'' if count == 1 else 's'} who can be asked now"


def gap_figures(needed: int, filled: int, supply: int, when: str) -> str:
    """ "7 needed in the last 90 days, 2 filled, 1 advocate who can be asked now"."""
    return f"{needed} needed {when}, {filled} filled, {advocates(supply)}"


def gap_sentences(cover: Coverage, policy: Policy, esc: Callable[[str], str]) -> list[str]:
    """The largest gaps, each in one line, numbered."""
    when = window(cover.since, cover.today)
    return [
        f"{number}. {esc(cell_name(cover, policy, gap))}: "
        + gap_figures(gap.needed, gap.filled, gap.supply, when)
        for number, gap in enumerate(cover.gaps, start=1)
    ]


def share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}".replace("%", " %")


def summary(cover: Coverage) -> str:
    """The whole window in a sentence: needed, unmet searches, filled, time to a yes, acceptance."""
    t = cover.total
    searches = f" ({t.searches} found nothing to ask)" if t.searches else ""
    return (
        f"{t.needed} needed {window(cover.since, cover.today)}{searches}, {t.filled} filled "
        f"(fill rate {share(t.fill_rate)}), time to a customer's yes p50 {duration(t.yes_p50)} / "
        f"p90 {duration(t.yes_p90)}, acceptance {share(t.acceptance)}, {advocates(t.supply)}"
    )
