"""Next quarter's demand for references, forecast from the open pipeline (flow 22).

The open deals expected to close next quarter, by the prospect's industry, times the policy's
share of deals that need a reference (`coverage.deals_needing_reference`), against the advocates
who can be asked now for that reference (`coverage.reference_activity`) at accounts of the same
industry. The share the program measured last quarter — deals closed then that had a request,
over all deals closed then — is shown beside the policy's, so the guess can be replaced by data.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.coverage.supply import supply_on
from store.models import Opportunity, OpportunityLink, OpportunityOutcome, normalize
from store.periods import quarter_end, quarter_start
from store.rules.policy import Policy


@dataclass(frozen=True)
class ForecastLine:
    #: as the export wrote it ("" when the export gave none)
    industry: str
    deals: int
    #: deals × the share that need a reference
    expected: float
    #: advocates at accounts of that industry who can be asked now for the reference activity
    supply: int

    @property
    def short(self) -> int:
        return max(0, math.ceil(self.expected) - self.supply)


@dataclass(frozen=True)
class Forecast:
    start: dt.date
    end: dt.date
    share: float
    #: last quarter's closed deals that had a request, over those deals; None without closed deals
    measured_share: float | None
    activity: str
    #: most expected first
    lines: list[ForecastLine]


def forecast(session: Session, policy: Policy, today: dt.date) -> Forecast | None:
    """Next quarter's forecast; None when no opportunity was ever imported."""
    if not session.scalar(select(func.count()).select_from(Opportunity)):
        return None
    start = quarter_end(today) + dt.timedelta(days=1)
    end = quarter_end(start)
    deals: dict[str, tuple[str, int]] = {}
    for (industry,) in session.execute(
        select(Opportunity.industry).where(
            Opportunity.outcome == OpportunityOutcome.OPEN,
            Opportunity.close_date >= start,
            Opportunity.close_date <= end,
        )
    ):
        label, count = deals.get(normalize(industry), (industry, 0))
        deals[normalize(industry)] = (label, count + 1)
    share, activity = policy.coverage.deals_needing_reference, policy.coverage.reference_activity
    supply = supply_on(session, policy, today, only={activity})
    lines = []
    for key, (label, count) in deals.items():
        accounts = {p.account_id for p in supply.places.values() if key and p.key("industry") == key}
        lines.append(ForecastLine(label, count, count * share, len(supply.advocates(activity, accounts))))
    lines.sort(key=lambda line: (-line.expected, normalize(line.industry)))
    return Forecast(start, end, share, _measured_share(session, today), activity, lines)


def _measured_share(session: Session, today: dt.date) -> float | None:
    last_end = quarter_start(today) - dt.timedelta(days=1)
    closed = (
        Opportunity.outcome != OpportunityOutcome.OPEN,
        Opportunity.close_date >= quarter_start(last_end),
        Opportunity.close_date <= last_end,
    )
    deals = session.scalar(select(func.count()).select_from(Opportunity).where(*closed)) or 0
    if not deals:
        return None
    with_request = session.scalar(
        select(func.count(func.distinct(Opportunity.id)))
        .join(OpportunityLink, OpportunityLink.opportunity_id == Opportunity.id)
        .where(*closed)
    )
    return (with_request or 0) / deals
