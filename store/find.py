"""Finding a reference: which accounts fit a deal and can afford the ask (`/reference find`).

The words a seller types are split into an activity (when one is named: "case study",
"reference call", "webinar"...) and search terms matched against the account's industry, products,
region, segment and name. Ranking puts accounts that can take the ask now first — best fit, then
willing advocates, then the most equity left after the ask — and the ones that should not be asked
(paused, resting after a recent ask, over a cap, short of equity) last, each with the reason, so the
seller sees why a familiar name is at the bottom instead of wondering where it went.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from store import ledger
from store.accounts import normalize
from store.db import Database
from store.models import Account, AccountStatus, Advocate, EntryKind, LedgerEntry
from store.policy import Activity, Policy

#: words that carry no meaning in "fintech case study for a bank in emea"
STOP_WORDS = frozenset({"a", "an", "and", "for", "in", "of", "on", "or", "the", "to", "with", "at", "by"})
#: the longest list a seller can read in one ephemeral answer
DEFAULT_LIMIT = 10


@dataclass(frozen=True)
class Fit:
    """One account in the answer, with what made it fit and, if it should not be asked, why."""

    account_id: int
    name: str
    industry: str
    segment: str
    region: str
    products: str
    balance: int
    #: the balance after the named activity's cost (the balance itself when none was named)
    balance_after: int
    willing_advocates: int
    matched: tuple[str, ...]
    #: None when the account can be asked now; else a short reason ("paused", "resting: asked on …")
    unavailable: str | None

    @property
    def available(self) -> bool:
        return self.unavailable is None


@dataclass(frozen=True)
class FindResult:
    terms: tuple[str, ...]
    activity: Activity | None
    fits: list[Fit]
    #: how many accounts matched in all (the answer shows at most `limit`)
    total: int


def parse_words(policy: Policy, text: str) -> tuple[tuple[str, ...], Activity | None]:
    """Split `"fintech case study"` into (("fintech",), the case study activity).

    The longest activity name or key found in the text wins, so "video case study" is a video
    case study, not a case study with the word "video".
    """
    words = normalize(text)
    activity = None
    spans: list[tuple[int, str, Activity]] = []
    for candidate in policy.activities.values():
        for label in {normalize(candidate.name), candidate.key.replace("_", " "), candidate.key}:
            if re.search(rf"(?<!\w){re.escape(label)}(?!\w)", words):
                spans.append((len(label), label, candidate))
    if spans:
        _, label, activity = max(spans, key=lambda span: span[0])
        words = re.sub(rf"(?<!\w){re.escape(label)}(?!\w)", " ", words, count=1)
    terms = tuple(
        dict.fromkeys(word for word in re.split(r"[\s,;/]+", words) if word and word not in STOP_WORDS)
    )
    return terms, activity


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _term_matches(term: str) -> ColumnElement[bool]:
    pattern = _like(term)
    return or_(
        Account.industry_key.like(pattern, escape="\\"),
        Account.name_key.like(pattern, escape="\\"),
        func.lower(Account.products).like(pattern, escape="\\"),
        func.lower(Account.region).like(pattern, escape="\\"),
        func.lower(Account.segment).like(pattern, escape="\\"),
    )


def _willing(activity: Activity) -> ColumnElement[bool]:
    """Advocates whose `;`-separated activity list holds the key (exactly, not as a substring)."""
    return (";" + Advocate.activities + ";").like(_like(f";{activity.key};"), escape="\\")


def find_accounts(
    db: Database, policy: Policy, text: str, today: dt.date, limit: int = DEFAULT_LIMIT
) -> FindResult:
    """The best `limit` accounts for the words, available ones first (one read-only transaction)."""
    terms, activity = parse_words(policy, text)
    if not terms and activity is None:
        return FindResult(terms, activity, [], 0)
    with db.transaction(readonly=True) as session:
        if terms:
            candidates: Select = select(Account.id).where(or_(*(_term_matches(t) for t in terms)))
        else:  # only an activity: the accounts with someone willing to do it
            assert activity is not None
            candidates = select(Advocate.account_id).where(_willing(activity)).distinct()
        accounts = session.execute(
            select(
                Account.id,
                Account.name,
                Account.name_key,
                Account.industry,
                Account.segment,
                Account.region,
                Account.products,
                Account.status,
            ).where(Account.id.in_(candidates))
        ).all()
        if not accounts:
            return FindResult(terms, activity, [], 0)
        balances = ledger.balances(session, policy.opening_balance, candidates)
        willing = _willing_counts(session, activity, candidates)
        last_asks, calls = _recent_asks(session, policy, candidates, today)
    cost = activity.cost if activity else 0
    rest = dt.timedelta(days=policy.rules.advocate_rest_days)
    fits = []
    #: how far from askable: 0 now, then short of equity (a give-back fixes it), resting, capped, paused
    rank: dict[int, int] = {}
    for row in accounts:
        haystack = " ".join(
            normalize(v) for v in (row.industry, row.name, row.products, row.region, row.segment)
        )
        balance = balances.get(row.id, policy.opening_balance)
        last_ask = last_asks.get(row.id)
        unavailable, rank[row.id] = None, 0
        if row.status != AccountStatus.ACTIVE:
            unavailable, rank[row.id] = row.status.replace("_", " "), 4
        elif balance - cost < 0:
            unavailable, rank[row.id] = f"over-asked: balance {balance}, the ask costs {cost}", 1
        elif (
            activity is not None
            and activity.key == "reference_call"
            and calls.get(row.id, 0) >= policy.rules.reference_calls_per_quarter
        ):
            unavailable, rank[row.id] = f"over its cap: {calls[row.id]} reference calls this quarter", 3
        elif last_ask is not None and today - last_ask < rest:
            unavailable, rank[row.id] = f"resting: asked on {last_ask.isoformat()}", 2
        fits.append(
            Fit(
                account_id=row.id,
                name=row.name,
                industry=row.industry,
                segment=row.segment,
                region=row.region,
                products=row.products,
                balance=balance,
                balance_after=balance - cost,
                willing_advocates=willing.get(row.id, 0),
                matched=tuple(term for term in terms if term in haystack),
                unavailable=unavailable,
            )
        )
    fits.sort(
        key=lambda f: (
            rank[f.account_id],
            -len(f.matched),
            -min(f.willing_advocates, 1),
            -f.balance_after,
            f.name.casefold(),
        )
    )
    return FindResult(terms, activity, fits[:limit], len(fits))


def _willing_counts(session: Session, activity: Activity | None, candidates: Select) -> dict[int, int]:
    if activity is None:
        return {}
    rows = session.execute(
        select(Advocate.account_id, func.count())
        .where(Advocate.account_id.in_(candidates), _willing(activity))
        .group_by(Advocate.account_id)
    )
    return {account_id: int(count) for account_id, count in rows}


def _recent_asks(
    session: Session, policy: Policy, candidates: Select, today: dt.date
) -> tuple[dict[int, dt.date], dict[int, int]]:
    """Per account: the last ask within the rest period, and reference calls this quarter."""
    quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    since = min(quarter_start, today - dt.timedelta(days=policy.rules.advocate_rest_days))
    reversed_ids = select(LedgerEntry.reverses_id).where(LedgerEntry.reverses_id.is_not(None))
    rows = session.execute(
        select(LedgerEntry.account_id, LedgerEntry.item, LedgerEntry.occurred_on).where(
            LedgerEntry.account_id.in_(candidates),
            LedgerEntry.kind == EntryKind.ASK,
            LedgerEntry.occurred_on >= since,
            LedgerEntry.id.not_in(reversed_ids),
        )
    )
    last: dict[int, dt.date] = {}
    calls: dict[int, int] = {}
    for account_id, item, occurred_on in rows:
        last[account_id] = max(last.get(account_id, occurred_on), occurred_on)
        if item == "reference_call" and occurred_on >= quarter_start:
            calls[account_id] = calls.get(account_id, 0) + 1
    return last, calls
