"""The claims that make the digest go out once a week: the digest itself, its chart, and the
admins' DM when the app is not in the channel. Each is an outbox row under a key unique per week,
so a job run on three replicas, or twice after a restart, owes each once."""

from __future__ import annotations

import datetime as dt

from store.db import Database
from store.outbox import queue, rewrites
from store.outbox.kinds import DeliveryKind
from store.outbox.payloads import ChannelHelpPayload, DigestPayload
from store.periods import Period


def owe_digest(
    db: Database, period: Period, channel: str, now: dt.datetime, *, sla_hours: float = 24
) -> tuple[str, bool]:
    """Claim the week's digest: (its outbox key, True if this call claimed it).

    A digest that failed for good (the app was not in the channel) is claimed again, so running
    `refdesk digest` after inviting the app posts the missing week; one that went out never is.
    """
    key = f"{DeliveryKind.DIGEST}:{period.label}"
    with db.transaction() as session:
        claimed = queue.enqueue(
            session,
            key=key,
            kind=DeliveryKind.DIGEST,
            recipient=channel,
            now=now,
            payload=DigestPayload(period.label, sla_hours),
        ) or rewrites.rearm(session, key=key, recipient=channel, now=now)
    return key, claimed


def owe_channel_help(
    db: Database, period: Period, channel: str, admins: frozenset[str], now: dt.datetime
) -> list[str]:
    """Owe each admin one DM saying the digest could not be posted in `channel` (once per week)."""
    keys = []
    with db.transaction() as session:
        for admin in sorted(admins):
            key = f"{DeliveryKind.DIGEST_CHANNEL_HELP}:{period.label}:{admin}"
            queue.enqueue(
                session,
                key=key,
                kind=DeliveryKind.DIGEST_CHANNEL_HELP,
                recipient=admin,
                now=now,
                payload=ChannelHelpPayload(period.label, channel),
            )
            keys.append(key)
    return keys


def owe_chart(
    db: Database,
    week_label: str,
    channel: str,
    now: dt.datetime,
    *,
    sla_hours: float,
    kind: DeliveryKind = DeliveryKind.DIGEST_CHART,
) -> str | None:
    """Claim one of the week's charts beside its digest (asks vs gives, or the coverage heat map:
    `kind`); its key when this call claimed it.

    Keyed by week like the digest, so it is uploaded once whichever replica claims it; one that
    failed for good (the app was not in the channel) is armed again, as the digest is.
    """
    key = f"{kind}:{week_label}"
    with db.transaction() as session:
        claimed = queue.enqueue(
            session,
            key=key,
            kind=kind,
            recipient=channel,
            now=now,
            payload=DigestPayload(week_label, sla_hours),
        ) or rewrites.rearm(session, key=key, recipient=channel, now=now)
    return key if claimed else None
