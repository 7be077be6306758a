"""What references did for revenue, in words: the digest's outcome lines and `refdesk report`.

One wording for both, so the channel and the terminal agree. Every rate carries its counts
("2 of 3 won (67 %)") and every tally the overridden asks in it: a figure that a ⛔ override
helped make says so.
"""

from __future__ import annotations

from collections.abc import Callable

from store.digest.outcomes import DaysToClose, Outcomes, Tally, WinRate

NOTHING_IMPORTED = "No CRM opportunities imported yet: `refdesk import opportunities FILE.csv`."


def amounts(tally: Tally) -> str:
    """`USD 120,000 · EUR 40,000`: one sum per currency, never added across currencies."""
    if not tally.amounts:
        return "no amount"
    return " · ".join(f"{currency} {amount:,.0f}" for currency, amount in tally.amounts.items())


def tally_text(tally: Tally) -> str:
    count = f"{tally.opportunities} opportunit{'y' if tally.opportunities == 1 else 'ies'}"
    overridden = f", {tally.overridden} with an overridden ask" if tally.overridden else ""
    return f"{amounts(tally)} ({count}{overridden})"


def rate_text(rate: WinRate) -> str:
    if rate.rate is None:
        return "none closed"
    return f"{rate.won} of {rate.closed} won ({rate.rate:.0%})".replace("%", " %")


def days_text(days: DaysToClose) -> str:
    if days.median is None:
        return "—"
    return f"{days.median:g} days (of {days.counted})"


def outcome_lines(o: Outcomes, esc: Callable[[str], str], limit: int | None = None) -> list[str]:
    """The figures, then the references that fell through (at most `limit` of them named)."""
    if not o.opportunities:
        return [NOTHING_IMPORTED]
    lines = [
        f"Pipeline with a reference (open): {tally_text(o.pipeline)}",
        f"Won with a reference: {tally_text(o.won)}",
        f"Win rate with a completed reference: {rate_text(o.win_rate_with)}; "
        f"without: {rate_text(o.win_rate_without)}",
        f"Median days to close with a completed reference: {days_text(o.days_with)}; "
        f"without: {days_text(o.days_without)}",
        f"Asks approved with an override: {o.overridden_asks}",
        f"References that fell through: {len(o.fell_through)}",
    ]
    shown = o.fell_through if limit is None else o.fell_through[:limit]
    for fell in shown:
        deal = f" · {esc(fell.opportunity_name)}" if fell.opportunity_name else ""
        when = f" on {fell.closed_on.isoformat()}" if fell.closed_on else ""
        why = f": {esc(fell.reason)}" if fell.reason else ""
        label = " (overridden ask)" if fell.overridden else ""
        lines.append(f"    {esc(fell.account_name)}{deal}{when}{why}{label}")
    if len(shown) < len(o.fell_through):
        lines.append(f"    …and {len(o.fell_through) - len(shown)} more")
    return lines


def period_label(o: Outcomes) -> str:
    return f"since {o.since.isoformat()}" if o.since else "all time"


def report_text(o: Outcomes) -> str:
    """`refdesk report` for a terminal."""
    title = f"What references did for revenue ({period_label(o)}; open pipeline as of now)"
    return "\n".join([title, "=" * len(title), "", *outcome_lines(o, lambda text: text)])
