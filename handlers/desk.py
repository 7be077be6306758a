"""What every listener needs, handed over once by `bot.app` (no globals, easy to test)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from bot.clock import Clock, system_clock
from store.db import Database
from store.policy import Policy


@dataclass
class Desk:
    db: Database
    policy: Policy
    admins: frozenset[str] = frozenset()
    tz: zoneinfo.ZoneInfo = field(default_factory=lambda: zoneinfo.ZoneInfo("UTC"))
    digest_channel: str | None = None
    clock: Clock = system_clock

    def now(self) -> dt.datetime:
        return self.clock()

    def today(self) -> dt.date:
        """Today in the program's timezone: what "needed by today" and "when" mean."""
        return self.clock().astimezone(self.tz).date()

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.admins
