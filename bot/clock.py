"""Time is owned by `bot/`: everything below asks a clock, so tests and jobs can pass "now"."""

from __future__ import annotations

import datetime as dt
import time

from handlers.kit.desk import Clock


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def fixed_clock(moment: dt.datetime) -> Clock:
    """A clock stopped at `moment` (what `refdesk jobs run NAME --now ...` uses)."""
    if moment.tzinfo is None:
        raise ValueError("a fixed clock needs a timezone-aware moment")
    return lambda: moment


def clock_from(moment: dt.datetime) -> Clock:
    """A clock that reads `moment` when made and runs on at real speed from there: a drill
    (`refdesk jobs run NAME --now ...`) claims at `moment`, and a message it must hold back a
    second for Slack's pacing comes due a real second later, on this clock as on the wall."""
    if moment.tzinfo is None:
        raise ValueError("a drill's clock needs a timezone-aware moment")
    started = time.monotonic()
    return lambda: moment + dt.timedelta(seconds=time.monotonic() - started)
