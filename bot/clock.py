"""Time is owned by `bot/`: everything below asks a clock, so tests and jobs can pass "now"."""

from __future__ import annotations

import datetime as dt

from handlers.kit.desk import Clock


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def fixed_clock(moment: dt.datetime) -> Clock:
    """A clock stopped at `moment` (what `refdesk jobs run NAME --now ...` uses)."""
    if moment.tzinfo is None:
        raise ValueError("a fixed clock needs a timezone-aware moment")
    return lambda: moment
