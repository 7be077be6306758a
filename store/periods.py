"""Calendar periods the program counts in, written once so every count agrees on where they start.

The quarterly cap on an activity is checked by the approver's checklist and by find; if each
computed "this quarter" its own way, an account could look askable in one and capped in the other.
The digest's week (`Period`) is likewise one definition for the job that claims it, the renderer
that draws it and `refdesk digest`.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass


def quarter_start(day: dt.date) -> dt.date:
    """The first day of the calendar quarter holding `day` (1 January, 1 April, 1 July, 1 October)."""
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_end(day: dt.date) -> dt.date:
    """The last day of the calendar quarter holding `day` (31 March, 30 June, 30 September, 31 December)."""
    start = quarter_start(day)
    following = dt.date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1)
    return following - dt.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    """One ISO week (Monday to Sunday) in the program's timezone."""

    start: dt.date
    tz: zoneinfo.ZoneInfo

    @property
    def end(self) -> dt.date:
        """The last day (inclusive)."""
        return self.start + dt.timedelta(days=6)

    @property
    def label(self) -> str:
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def starts_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), self.tz).astimezone(dt.UTC)

    @property
    def ends_at(self) -> dt.datetime:
        """Exclusive: the next Monday's midnight."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), self.tz).astimezone(dt.UTC)

    @classmethod
    def last_complete_week(cls, now: dt.datetime, tz: zoneinfo.ZoneInfo) -> Period:
        """The week before the one `now` falls in: a Monday-morning digest reports the week just ended."""
        today = now.astimezone(tz).date()
        this_monday = today - dt.timedelta(days=today.weekday())
        return cls(this_monday - dt.timedelta(days=7), tz)

    @classmethod
    def of_label(cls, label: str, tz: zoneinfo.ZoneInfo) -> Period:
        year, week = label.split("-W")
        return cls(dt.date.fromisocalendar(int(year), int(week), 1), tz)
