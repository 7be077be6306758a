"""Before words expire: the advocate is e-mailed to **Renew** them for another period, change them,
or **Withdraw** them, `renew_notice_days` before (the policy's `[evidence]`).

The scheduled job only claims: one outbox row per item and expiry date (`evidence-renew:7:2028-03-06`),
so a job run twice, or on three replicas, owes one e-mail; an item renewed has a new expiry, hence
a notice of its own before that one. Nothing is needed at the expiry itself: every surface reads
through `store.evidence.items.usable`, so an expired item is in no answer from that day on.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from store.customer.consent import mail_recipient
from store.db import Database
from store.evidence.items import usable
from store.models import Account, Advocate, Evidence
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.outbox.payloads import EvidencePayload
from store.rules.policy import Policy
from store.rules.willing import may_be_approached


def owe_renewal_notices(db: Database, policy: Policy, now: dt.datetime, today: dt.date) -> list[str]:
    """Claim the e-mail for each usable item expiring within the notice, whose advocate has an
    address and may be approached (not do-not-contact, not resting: their words then simply
    expire); the keys this call added."""
    last_day = today + dt.timedelta(days=policy.evidence.renew_notice_days)
    claimed = []
    with db.transaction() as session:
        due = session.execute(
            select(Evidence.id, Evidence.advocate_id, Evidence.version, Evidence.expires_on)
            .join(Advocate, Advocate.id == Evidence.advocate_id)
            .join(Account, Account.id == Advocate.account_id)
            .where(
                usable(today),
                Evidence.expires_on <= last_day,
                Advocate.email.is_not(None),
                *may_be_approached(today),
            )
            .order_by(Evidence.expires_on, Evidence.id)
        ).all()
        for evidence_id, advocate_id, version, expires_on in due:
            key = f"evidence-renew:{evidence_id}:{expires_on.isoformat()}"
            if queue.enqueue(
                session,
                key=key,
                kind=DeliveryKind.EVIDENCE_RENEWAL,
                recipient=mail_recipient(advocate_id),
                now=now,
                payload=EvidencePayload(evidence_id, version),
            ):
                claimed.append(key)
    return claimed
