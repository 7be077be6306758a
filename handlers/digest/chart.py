"""The digest's picture of the program: asks against value given per week, and the concentration.

Drawn with matplotlib's Agg backend (no display, safe in a server thread) into PNG bytes; the
digest uploads them once through the outbox, `refdesk digest --dry-run --chart FILE.png` writes
them to a file. matplotlib is imported when a chart is drawn, not when the app starts.
"""

from __future__ import annotations

import io

from store.digest.fairness import Fairness


def concentration_words(figures: Fairness) -> str:
    """ "Top 10 % of accounts (2 of 20) got 69 % of approved asks in the last quarter (+19 pts)"."""
    quarter = figures.quarter
    if quarter.share is None:
        return "No approved asks in the last quarter"
    trend = figures.trend
    change = "" if trend is None else f" ({trend:+.0f} pts vs the quarter before)".replace("-", "−")
    return (
        f"Top 10 % of accounts ({quarter.top_accounts} of {quarter.accounts}) got "
        f"{100 * quarter.share:.0f} % of approved asks in the last quarter{change}"
    )


def draw(figures: Fairness, title: str) -> bytes:
    """The chart as PNG bytes: two bars a week (points asked, points given back), 12 weeks."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    weeks = figures.weeks
    labels = [w.start.strftime("%d %b") for w in weeks]
    positions = list(range(len(weeks)))
    figure = Figure(figsize=(9, 4.5), dpi=100)
    axes = figure.add_subplot()
    width = 0.4
    axes.bar(
        [p - width / 2 for p in positions],
        [w.asked for w in weeks],
        width,
        label="Points asked",
        color="#d9534f",
    )
    axes.bar(
        [p + width / 2 for p in positions],
        [w.given for w in weeks],
        width,
        label="Points given back",
        color="#5cb85c",
    )
    axes.set_xticks(positions, labels, rotation=45, ha="right", fontsize=8)
    axes.set_ylabel("points")
    axes.set_title(title, fontsize=11)
    axes.legend(loc="upper left", fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    figure.text(0.5, 0.01, concentration_words(figures), ha="center", fontsize=9)
    figure.tight_layout(rect=(0, 0.05, 1, 1))
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
