"""How the digest says times: how long people waited, at a useful precision, and which week it
is ("week of 23 Nov 2026", never an ISO week number) — one wording for the channel and the command
line."""

from __future__ import annotations

import datetime as dt

from store.periods import Period


def duration(span: dt.timedelta | None) -> str:
    """`2 d 3 h`, `5 h 10 min`, `12 min`: how long people waited, at a useful precision."""
    if span is None:
        return "—"
    minutes = int(span.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def week_of(period: Period) -> str:
    """A week as people say it: "week of 23 Nov 2026"."""
    return f"week of {period.start.day} {period.start:%b %Y}"
