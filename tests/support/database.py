"""The database handle tests open for themselves: generous deadlines, because they check what is recorded.

A stalled CI machine (a second or two without the CPU) must not turn a test's own read or write into
`Unavailable`: the app's deadlines are tested with their own limits (`tests/store/test_db.py`), and the
served app runs with the real ones.
"""

from __future__ import annotations

from store.db import Database
from store.deadlines import Limits

BEHAVIOUR = Limits(connect=5.0, statement=10.0, pool=10.0, transaction=15.0)


def open_database(url: str) -> Database:
    """A handle on `url` with the tests' deadlines; the caller disposes of it."""
    return Database(url, limits=BEHAVIOUR)
