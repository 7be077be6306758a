"""Calendar periods the rules count in, written once so every count agrees on where they start.

The quarterly cap on an activity is checked by the approver's checklist and by find; if each
computed "this quarter" its own way, an account could look askable in one and capped in the other.
"""

from __future__ import annotations

import datetime as dt


def quarter_start(day: dt.date) -> dt.date:
    """The first day of the calendar quarter holding `day` (1 January, 1 April, 1 July, 1 October)."""
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_end(day: dt.date) -> dt.date:
    """The last day of the calendar quarter holding `day` (31 March, 30 June, 30 September, 31 December)."""
    start = quarter_start(day)
    following = dt.date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1)
    return following - dt.timedelta(days=1)
