"""Who acts, and when: the one value every store call that changes something is handed.

A click, a modal, a page or a command all come down to a person (a Slack user id, the advocate on
their page, the operator at the terminal) doing something at a moment that falls on a day in the
program's time zone. The store checks what that person may do against the program admins, and
records the moment; so it takes those four together, as one value, instead of four arguments
that every caller would repeat.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Act:
    #: who acts: a Slack user id, or a marker for someone outside Slack (the advocate, the operator)
    user: str
    #: the program admins, who may do what the owner of an account may
    admins: frozenset[str]
    #: when (UTC, aware)
    now: dt.datetime
    #: the day it is in the program's time zone: what "needed by today" and "this quarter" mean
    today: dt.date

    @property
    def by_admin(self) -> bool:
        return self.user in self.admins

    def may_act_for(self, owner: str | None) -> bool:
        """The account's owner and the program admins may act on the account."""
        return self.by_admin or (owner is not None and self.user == owner)
