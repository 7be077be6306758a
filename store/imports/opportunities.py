"""CSV import of a CRM's opportunities and their outcomes, and which requests were made for them.

The same rules as the account import (`store.imports.importer`): the file is checked whole first, each
bad row reported as `line N: reason`, nothing written while any row is bad (unless skipping them
is asked for), and a re-import updates opportunities in place, keyed by their CRM id.

A request is linked to the opportunity its CRM link points at: the same link, or a link that
carries the opportunity's CRM id as one of its parts (Salesforce's `/Opportunity/006…/view`,
HubSpot's `/deal/98765`). The links are rebuilt whole at each import, so a request typed before
its deal was exported, or with a link corrected since, is linked by the next import.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from store.currencies import is_currency
from store.db import Database
from store.imports.importer import ImportReport
from store.imports.rows import BadRow, _check_fits, _check_no_nul, records
from store.links import DealIndex, is_safe_link
from store.models import Account, Opportunity, OpportunityLink, OpportunityOutcome, ReferenceRequest
from store.requests.asking import MAX_AMOUNT
from store.rules.policy import Policy

OPPORTUNITY_COLUMNS = ("crm_id", "name", "link", "stage", "amount", "currency", "close_date", "outcome")
#: read when present: when the deal was opened (its days to close), and the prospect's industry
#: (`refdesk coverage plan` forecasts next quarter's demand by it)
OPTIONAL_COLUMNS = ("created_date", "industry")
#: "1234.5" or "1,234.50": the thousands separator of an English-language export
AMOUNT = re.compile(r"^(\d+|\d{1,3}(,\d{3})+)(\.\d{1,2})?$")
Progress = Callable[[int], None]


@dataclass(frozen=True)
class OpportunityRow:
    line: int
    crm_id: str
    name: str
    link: str | None
    stage: str
    amount: Decimal | None
    currency: str
    created_on: dt.date | None
    close_date: dt.date | None
    outcome: str
    industry: str = ""


def known_columns() -> tuple[str, ...]:
    """What `--map` may name for this import."""
    return (*OPPORTUNITY_COLUMNS, *OPTIONAL_COLUMNS)


def _date(raw: dict[str, str], column: str) -> dt.date | None:
    text = raw.get(column) or None
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadRow(f"{column} {text!r} is not a date (YYYY-MM-DD)") from None


def _amount(text: str) -> Decimal | None:
    if not text:
        return None
    if not AMOUNT.match(text):
        raise BadRow(f"amount {text!r} is not an amount (digits, optionally 1,234.50)")
    amount = Decimal(text.replace(",", ""))
    if amount > MAX_AMOUNT:
        raise BadRow(f"amount {text!r} is too large")
    return amount


def parse_opportunity(line: int, raw: dict[str, str], default_currency: str) -> OpportunityRow:
    """The row as it will be written, or `BadRow` with the first reason it cannot be."""
    _check_no_nul(raw, (*OPPORTUNITY_COLUMNS, *OPTIONAL_COLUMNS))
    crm_id = raw.get("crm_id", "")
    if not crm_id:
        raise BadRow("crm_id is empty")
    link = raw.get("link") or None
    if link is not None and not is_safe_link(link):
        raise BadRow(f"link {link[:80]!r} is not a full https:// link")
    currency = (raw.get("currency") or default_currency).upper()
    if not is_currency(currency):
        raise BadRow(f"currency {raw.get('currency')!r} is not a current ISO 4217 currency code such as USD")
    outcome = raw.get("outcome", "").lower()
    if outcome not in {o.value for o in OpportunityOutcome}:
        raise BadRow(f"outcome {raw.get('outcome')!r} is not one of open, won, lost")
    close_date = _date(raw, "close_date")
    if outcome != OpportunityOutcome.OPEN and close_date is None:
        raise BadRow(f"close_date is needed for a {outcome} opportunity")
    amount = _amount(raw.get("amount", ""))
    row = OpportunityRow(
        line=line,
        crm_id=crm_id,
        name=" ".join(raw.get("name", "").split()),
        link=link,
        stage=raw.get("stage", ""),
        amount=amount,
        currency=currency,
        created_on=_date(raw, "created_date"),
        close_date=close_date,
        outcome=outcome,
        industry=" ".join(raw.get("industry", "").split()),
    )
    columns = Opportunity.__table__.c
    for field in ("crm_id", "name", "link", "stage", "industry"):
        _check_fits(columns[field], field, getattr(row, field))
    return row


def import_opportunities(
    db: Database,
    path: Path,
    policy: Policy,
    *,
    now: dt.datetime,
    rename: dict[str, str] | None = None,
    skip_bad_rows: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Create or update each opportunity of the file, then link the requests made for them.

    Requests whose CRM link names no known opportunity are reported as warnings ("unknown
    links"): their deal is missing from the export, or the link was mistyped.
    """
    report = ImportReport()
    rows: list[OpportunityRow] = []
    seen: dict[str, int] = {}
    for line, raw in records(path, OPPORTUNITY_COLUMNS, rename):
        try:
            row = parse_opportunity(line, raw, policy.currency)
            if row.crm_id in seen:
                raise BadRow(f"same crm_id as line {seen[row.crm_id]}")
            seen[row.crm_id] = line
            rows.append(row)
        except BadRow as exc:
            report.bad_rows.append(f"line {line}: {exc}")
    if report.bad_rows and not skip_bad_rows:
        report.aborted = True
        return report
    report.skipped = len(report.bad_rows)

    with db.transaction() as session:
        existing = {o.crm_id: o for o in session.scalars(select(Opportunity))}
        for done, row in enumerate(rows, start=1):
            opportunity = existing.get(row.crm_id)
            if opportunity is None:
                opportunity = Opportunity(crm_id=row.crm_id)
                session.add(opportunity)
                existing[row.crm_id] = opportunity
                report.created += 1
            else:
                report.updated += 1
            opportunity.name = row.name
            opportunity.link = row.link
            opportunity.stage = row.stage
            opportunity.amount = row.amount
            opportunity.currency = row.currency
            opportunity.created_on = row.created_on
            opportunity.close_date = row.close_date
            opportunity.outcome = row.outcome
            opportunity.industry = row.industry
            opportunity.imported_at = now
            if progress is not None:
                progress(done)
        session.flush()
        report.warnings.extend(relink(session))
    return report


def relink(session: Session) -> list[str]:
    """Rebuild every request's link to its opportunity; return the unknown links, one line each.

    An exact link wins; else the CRM id found last in the link (a HubSpot link carries the
    portal's id before the deal's).
    """
    deals = DealIndex()
    for opportunity_id, crm_id, link in session.execute(
        select(Opportunity.id, Opportunity.crm_id, Opportunity.link)
    ):
        deals.add(opportunity_id, crm_id, link)
    session.execute(delete(OpportunityLink))
    unknown: list[str] = []
    links: list[dict[str, int]] = []
    requests = session.execute(
        select(ReferenceRequest.id, ReferenceRequest.crm_link, Account.name)
        .join(Account, Account.id == ReferenceRequest.account_id)
        .where(ReferenceRequest.crm_link.is_not(None))
        .order_by(ReferenceRequest.id)
    )
    for request_id, crm_link, account_name in requests:
        found = deals.find(crm_link)
        if found is None:
            unknown.append(
                f"request {request_id} ({account_name}): its CRM link matches no opportunity: {crm_link}"
            )
        else:
            links.append({"request_id": request_id, "opportunity_id": found})
    if links:
        session.execute(OpportunityLink.__table__.insert(), links)
    return unknown
