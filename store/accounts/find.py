"""Finding a reference: which accounts fit a deal and can take the ask (`/reference find`).

The words a seller types are split into an activity (when one is named: "case study",
"reference call", "webinar"...) and search terms matched against the account's industry, products,
region, segment and name. Whether an account can be asked is the approver's own checklist
(`store.rules.checklist`) run on facts read the same way (`store.rules.facts`), so find never
promises an ask that the checklist would block, and a new rule needs nothing here.

Ranking puts accounts that can take the ask now first — fewest ⚠️, best fit, willing advocates,
then the most equity left after the ask — and the ones a ⛔ rule blocks last, each with the rule's
reason, so the seller sees why a familiar name is at the bottom instead of wondering where it went.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, or_, select

from store import ledger
from store.customer import ratings
from store.db import Database
from store.giveback import social_capital
from store.giveback.social_capital import SocialCapital
from store.models import Account, AccountStatus, Advocate, normalize
from store.rules.checklist import Rule, RuleResult, Verdict, checklist
from store.rules.facts import AccountFacts, facts_for_accounts
from store.rules.policy import Activity, Policy
from store.rules.willing import willing_to

#: words that carry no meaning in "fintech case study for a bank in emea"
STOP_WORDS = frozenset({"a", "an", "and", "for", "in", "of", "on", "or", "the", "to", "with", "at", "by"})
#: the longest list a seller can read in one ephemeral answer
DEFAULT_LIMIT = 10
#: the words used, at most: each is five LIKEs in one OR, and SQLite refuses an expression deeper
#: than 1,000 (a pasted paragraph); twenty words describe any deal
MAX_TERMS = 20


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
    #: None when the account can be asked now; else its ⛔ rules' reasons ("paused", "resting: …")
    unavailable: str | None
    #: the reasons of its ⚠️ rules ("renewal on 2027-01-10"): askable, but think twice
    warnings: tuple[str, ...]
    #: the customer asked never to be contacted: no override makes an ask right
    do_not_contact: bool = False
    #: points asked of it in the last 12 months: among equals, the less-asked come first
    asked: int = 0
    #: what it received in the last 12 months, by social-capital group
    capital: SocialCapital | None = None
    #: how its activities were rated ("rated 4.5/5 (2)"), empty when never rated
    ratings: str = ""

    @property
    def available(self) -> bool:
        return self.unavailable is None


@dataclass(frozen=True)
class SearchNeed:
    """A search that found nothing the program can ask: unmet demand, as coverage records it."""

    words: str
    activity: str | None
    #: what the words name: the field of a matching account that holds one of them (or the value
    #: all matching accounts share); with no account matching, the words are the industry sought
    industry: str
    segment: str
    region: str
    #: the ⛔ rules (`Rule` values, in the checklist's order) that blocked the fitting accounts
    blocked_by: tuple[str, ...]


@dataclass(frozen=True)
class FindResult:
    terms: tuple[str, ...]
    activity: Activity | None
    fits: list[Fit]
    #: how many accounts matched in all (the answer shows at most `limit`)
    total: int
    #: set when no account fits, or every fitting one is ⛔ (with an activity named: none has a
    #: willing advocate the checklist lets the program ask)
    unmet: SearchNeed | None = None


def parse_words(policy: Policy, text: str) -> tuple[tuple[str, ...], Activity | None]:
    """Split `"fintech case study"` into (("fintech",), the case study activity).

    The longest activity name or key found in the text wins, so "video case study" is a video
    case study, not a case study with the word "video". Only the first `MAX_TERMS` distinct words
    count.
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
    )[:MAX_TERMS]
    return terms, activity


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _term_matches(term: str) -> ColumnElement[bool]:
    pattern = _like(term)
    return or_(
        Account.industry_key.like(pattern, escape="\\"),
        Account.name_key.like(pattern, escape="\\"),
        Account.products_key.like(pattern, escape="\\"),
        Account.region_key.like(pattern, escape="\\"),
        Account.segment_key.like(pattern, escape="\\"),
    )


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
            candidates = select(Advocate.account_id).where(willing_to(activity.key)).distinct()
        accounts = session.execute(
            select(
                Account.id, Account.name, Account.industry, Account.segment, Account.region, Account.products
            ).where(Account.id.in_(candidates))
        ).all()
        facts = facts_for_accounts(
            session,
            policy,
            candidates,
            today,
            activity=activity.key if activity else None,
            cost=activity.cost if activity else 0,
            advocate_ids=(
                select(Advocate.id).where(Advocate.account_id.in_(candidates), willing_to(activity.key))
                if activity
                else ()
            ),
        )
        ids = [row.id for row in accounts]
        asked = ledger.asked_since(session, ids, social_capital.since(today))
        capital = social_capital.breakdowns_in(session, policy, ids, today)
        rated = ratings.summaries(session, [row.id for row in accounts])
    ranked: list[tuple[tuple[int | str, ...], Fit]] = []
    blocking: set[Rule] = set()
    for row in accounts:
        if row.id not in facts:  # created between the two reads: the next search will show it
            continue
        haystack = " ".join(
            normalize(v) for v in (row.industry, row.name, row.products, row.region, row.segment)
        )
        blocked_by, results = _best_ask(policy, facts[row.id])
        blocking.update(r.rule for r in results if r.verdict is Verdict.BLOCKING)
        account = facts[row.id].account
        fit = Fit(
            account_id=row.id,
            name=row.name,
            industry=row.industry,
            segment=row.segment,
            region=row.region,
            products=row.products,
            balance=account.balance,
            balance_after=account.balance - account.cost,
            willing_advocates=len(facts[row.id].advocates),
            matched=tuple(term for term in terms if term in haystack),
            unavailable="; ".join(_reasons(results, Verdict.BLOCKING)) or None,
            warnings=_reasons(results, Verdict.WARNING),
            do_not_contact=facts[row.id].account.account_status == AccountStatus.DO_NOT_CONTACT,
            asked=asked.get(row.id, 0),
            capital=capital.get(row.id),
            ratings=rated[row.id].words() if row.id in rated else "",
        )
        # askable first, then fewest ⚠️, most words matched, a willing advocate; among those equals
        # the less-asked in 12 months (the program spreads its asks), then most equity left
        rank = (
            blocked_by,
            len(fit.warnings),
            -len(fit.matched),
            -min(fit.willing_advocates, 1),
            fit.asked,
            -fit.balance_after,
            fit.name.casefold(),
        )
        ranked.append((rank, fit))
    ranked.sort(key=lambda pair: pair[0])
    fits = [fit for _, fit in ranked]
    served = any(fit.available and (activity is None or fit.willing_advocates) for fit in fits)
    unmet = None
    if not served:
        industry, segment, region = _named(terms, accounts)
        rules = tuple(rule.value for rule in Rule if rule in blocking)
        unmet = SearchNeed(text.strip(), activity.key if activity else None, industry, segment, region, rules)
    return FindResult(terms, activity, fits[:limit], len(ranked), unmet)


def _named(terms: tuple[str, ...], accounts: Sequence[Row[Any]]) -> tuple[str, str, str]:
    """The industry, segment and region a search names (`SearchNeed`)."""
    if not accounts:
        return " ".join(terms), "", ""
    named = []
    for field in ("industry", "segment", "region"):
        values = [getattr(row, field) for row in sorted(accounts, key=lambda row: row.name.casefold())]
        held = [value for value in values if value and any(term in normalize(value) for term in terms)]
        shared = {normalize(value) for value in values}
        named.append(held[0] if held else values[0] if len(shared) == 1 else "")
    return named[0], named[1], named[2]


def _best_ask(policy: Policy, facts: AccountFacts) -> tuple[int, list[RuleResult]]:
    """The checklist of the most askable way to ask the account, and how far from askable it is.

    With willing advocates, each is a way (one who passes is enough); without, the account's own
    facts. The distance is 0 when no ⛔ rule blocks, else the `Rule.rank` of the farthest ⛔: a
    give-back mends a short balance sooner than time mends a rest, or a paused account.
    """

    def standing(results: list[RuleResult]) -> tuple[int, int]:
        blocking = [r.rule.rank for r in results if r.verdict is Verdict.BLOCKING]
        return max(blocking, default=0), len(_reasons(results, Verdict.WARNING))

    ways = [checklist(policy, f) for f in facts.advocates.values()] or [checklist(policy, facts.account)]
    best = min(ways, key=standing)
    return standing(best)[0], best


def _reasons(results: list[RuleResult], verdict: Verdict) -> tuple[str, ...]:
    return tuple(result.reason for result in results if result.verdict is verdict)
