"""An advocate's rights over their words (`store.evidence`): everything kept about them, as data
for **Download my data**, and **Remove me**, which withdraws every item of theirs and erases the
words themselves. It lives beside the rest of their data rights and reads only the models: the
evidence package imports features that import the bench, so the bench importing it would be a
cycle.

These run inside the caller's transaction: **Download my data** and `refdesk advocates export`
(`store.bench.data_rights`), **Remove me** and `refdesk advocates forget` (`store.bench.erasure`)
call them beside the rest of what is kept about the person, so one transaction removes it all or
nothing. The uses stay, without the words (who used them, for which deal: the company's own
records), so the figures they fed keep adding up.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from store.models import WITHDRAWN_BY_ERASURE, Evidence, EvidenceStatus, EvidenceUse


def withdraw_all_for(session: Session, advocate_id: int, now: dt.datetime) -> int:
    """Withdraw every item of the advocate's and erase its words, source, link and attribution;
    how many items there were. Never shown or used again, at once, on every surface."""
    items = session.execute(
        update(Evidence)
        .where(Evidence.advocate_id == advocate_id)
        .values(
            status=EvidenceStatus.WITHDRAWN,
            text="",
            link=None,
            source="",
            attributed_as="",
            withdrawn_by=WITHDRAWN_BY_ERASURE,
            withdrawn_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return int(items.rowcount)


def export_for(session: Session, advocate_id: int) -> list[dict[str, object]]:
    """Every item of the advocate's as plain data, with how often it was used (not by whom: that is
    the company's own record of its deals)."""
    counted: dict[int, int] = dict(
        session.execute(
            select(EvidenceUse.evidence_id, func.count())
            .join(Evidence, Evidence.id == EvidenceUse.evidence_id)
            .where(Evidence.advocate_id == advocate_id)
            .group_by(EvidenceUse.evidence_id)
        ).all()
    )
    items = session.scalars(select(Evidence).where(Evidence.advocate_id == advocate_id).order_by(Evidence.id))
    return [
        {
            "kind": item.kind,
            "text": item.text,
            "link": item.link,
            "source": item.source,
            "status": item.status,
            "where_we_may_use_it": item.place_keys,
            "name_me_as": item.name_as,
            "attributed_as": item.attributed_as,
            "approved_at": item.approved_at.isoformat() if item.approved_at else None,
            "expires_on": item.expires_on.isoformat() if item.expires_on else None,
            "withdrawn_at": item.withdrawn_at.isoformat() if item.withdrawn_at else None,
            "created_at": item.created_at.isoformat(),
            "times_used": counted.get(item.id, 0),
        }
        for item in items
    ]
