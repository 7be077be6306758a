"""The weekly digest job: claim the week's digest in the outbox, then send it.

The claim (`digest:<ISO week>`) is a unique outbox row, so the scheduler on every replica, a
restart, and `refdesk digest` run by hand all post each week's digest once.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from handlers.delivery import deliver
from handlers.desk import Desk
from handlers.digest import digest_for, digest_text
from store import digest
from store.digest import Period

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DigestRun:
    period: Period
    #: False when this week's digest had already been claimed (posted or on its way)
    claimed: bool
    posted: bool


def digest_job(desk: Desk, now: dt.datetime | None = None, sla_hours: float = 24) -> DigestRun | None:
    """Owe and send the digest of the last complete week; None when no digest channel is set."""
    now = now or desk.now()
    period = Period.last_complete_week(now, desk.tz)
    if not desk.digest_channel:
        log.warning("no digest posted: set REFDESK_DIGEST_CHANNEL to the program channel's id")
        return None
    key, claimed = digest.owe_digest(desk.db, period, desk.digest_channel, now, sla_hours=sla_hours)
    posted = bool(deliver(desk, [key])) if claimed else False
    if not claimed:
        log.info("the digest of %s was already posted or is on its way", period.label)
    return DigestRun(period, claimed, posted)


def dry_run_text(desk: Desk, sla_hours: float = 24, now: dt.datetime | None = None) -> str:
    """What `digest_job` would post now, as terminal text; nothing is claimed or sent."""
    now = now or desk.now()
    period = Period.last_complete_week(now, desk.tz)
    return digest_text(digest_for(desk, period, dt.timedelta(hours=sla_hours)), now)
