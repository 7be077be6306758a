"""How the digest says which week it is ("week of 23 Nov 2026", never an ISO week number) — one
wording for the channel and the command line. How long people waited is `handlers.kit.blocks.duration`,
which coverage says too."""

from __future__ import annotations

from store.periods import Period


def week_of(period: Period) -> str:
    """A week as people say it: "week of 23 Nov 2026"."""
    return f"week of {period.start.day} {period.start:%b %Y}"
