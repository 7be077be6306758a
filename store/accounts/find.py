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

import dataclasses
import datetime as dt
import heapq
from dataclasses import dataclass

from sqlalchemy import case, func, literal, or_, select
from sqlalchemy.orm import Session

from store import ledger
from store.accounts.words import matched, named, parse_words, term_matches
from store.customer import ratings
from store.db import Database
from store.giveback import social_capital
from store.giveback.social_capital import SocialCapital
from store.models import Account, AccountStatus, Advocate, KeptBalance
from store.rules.checklist import Rule, RuleResult, Verdict, checklist
from store.rules.facts import AccountFacts, facts_for_accounts
from store.rules.policy import Activity, Policy
from store.rules.willing import willing_to

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


#: Rank = (how far from askable, ⚠️ count, -words matched, -has a willing advocate, points asked in
#: 12 months, -equity left after the ask, name): askable first, then fewest ⚠️, most words matched,
#: a willing advocate; among those equals the less-asked (the program spreads its asks), then the
#: most equity left
Rank = tuple[int, int, int, int, int, int, str]
#: accounts whose checklist is read in the first round; each further round reads twice as many
FIRST_ROUND = 16
#: a matching account, as one read gives it: (its rank if no rule held it back, so never worse
#: than its true rank; its id)
Candidate = tuple[Rank, int]


def find_accounts(
    db: Database, policy: Policy, text: str, today: dt.date, limit: int = DEFAULT_LIMIT
) -> FindResult:
    """The best `limit` accounts for the words, available ones first (one read-only transaction).

    Every matching account is ranked by what one read gives for thousands (the words it matches,
    its willing advocates, what it was asked, its kept balance) as if no rule held it
    back; the checklist's facts are then read for the most hopeful, in rounds, until no account
    left unread could rank above the `limit`-th read. The answer is the same as reading every
    account's checklist, for the cost of reading a few dozen: find stays fast whatever the words
    match, 10 accounts or 10,000. Until one account read can be asked, the rounds go on through
    every match: a search nothing serves is unmet demand, recorded with the rules that blocked it.
    """
    terms, activity = parse_words(policy, text)
    if not terms and activity is None:
        return FindResult(terms, activity, [], 0)
    with db.transaction(readonly=True) as session:
        candidates = _candidates(session, policy, terms, activity, today)
        total = len(candidates)
        ranked: list[tuple[Rank, Fit]] = []
        blocking: set[Rule] = set()
        served = False
        size = FIRST_ROUND
        while candidates and not (
            served and len(ranked) >= limit and ranked[limit - 1][0] <= candidates[0][0]
        ):
            round_ = [heapq.heappop(candidates) for _ in range(min(size, len(candidates)))]
            for rank, fit, rules in _read_round(session, policy, terms, round_, activity, today):
                ranked.append((rank, fit))
                blocking.update(rules)
                served = served or _serves(fit, activity)
            ranked.sort(key=lambda pair: pair[0])
            size *= 2
        shown = [fit for _, fit in ranked[:limit]]
        ids = [fit.account_id for fit in shown]
        capital = social_capital.breakdowns_in(session, policy, ids, today)
        rated = ratings.summaries(session, ids)
    fits = [
        dataclasses.replace(
            fit,
            capital=capital.get(fit.account_id),
            ratings=rated[fit.account_id].words() if fit.account_id in rated else "",
        )
        for fit in shown
    ]
    unmet = None
    if not served:  # every match was read
        industry, segment, region = named(terms, [fit for _, fit in ranked])
        rules = tuple(rule.value for rule in Rule if rule in blocking)
        unmet = SearchNeed(text.strip(), activity.key if activity else None, industry, segment, region, rules)
    return FindResult(terms, activity, fits, total, unmet)


def _serves(fit: Fit, activity: Activity | None) -> bool:
    """The program can ask this account now (for a named activity: someone there is willing)."""
    return fit.available and (activity is None or fit.willing_advocates > 0)


def _candidates(
    session: Session, policy: Policy, terms: tuple[str, ...], activity: Activity | None, today: dt.date
) -> list[Candidate]:
    """Every account the words match, as a heap: the most hopeful first.

    One statement reads, per matching account, the words it matches, its willing advocates
    (counted for all accounts at once: one pass over the advocates, not a probe per account), its
    kept balance and its asks of the last 12 months (both from its kept row), so the matching (a
    `LIKE` over every account or every advocate) is done once; the asks that fell through since
    are few and taken out here. Thousands of rows: read as plain rows on the session's connection
    (the ORM's result machinery would cost more than the read) and ranked as tuples.
    """
    since = social_capital.since(today)
    statement = (
        select(
            Account.id,
            Account.name,
            sum((case((term_matches(term), 1), else_=0) for term in terms), literal(0)),
            func.coalesce(KeptBalance.total, 0),
            ledger.kept_asked(Account.id, since),
        )
        .select_from(Account)
        .outerjoin(KeptBalance, KeptBalance.account_id == Account.id)
    )
    if activity is None:
        statement = statement.add_columns(literal(0))
    else:
        willing = (
            select(Advocate.account_id, func.count().label("willing"))
            .where(willing_to(activity.key))
            .group_by(Advocate.account_id)
            .subquery()
        )
        statement = statement.add_columns(func.coalesce(willing.c.willing, 0)).outerjoin(
            willing, willing.c.account_id == Account.id
        )
        if not terms:  # only an activity: the accounts with someone willing to do it
            statement = statement.where(willing.c.willing.is_not(None))
    if terms:
        statement = statement.where(or_(*(term_matches(term) for term in terms)))
    rows = session.connection().execute(statement).all()
    fell = ledger.fallen_through(session, since)
    cost = activity.cost if activity else 0
    opening = policy.opening_balance
    candidates = [
        (
            (
                0,
                0,
                -words,
                -min(count, 1),
                asked - fell.get(account_id, 0),
                cost - opening - total,
                name.casefold(),
            ),
            account_id,
        )
        for account_id, name, words, total, asked, count in rows
    ]
    heapq.heapify(candidates)  # the rounds take the most hopeful few: no need to sort thousands
    return candidates


#: an account's columns a fit shows, and the folded ones its words are matched against
SHOWN = (Account.id, Account.name, Account.industry, Account.segment, Account.region, Account.products)
SEARCHED = (
    Account.industry_key,
    Account.name_key,
    Account.products_key,
    Account.region_key,
    Account.segment_key,
)


def _read_round(
    session: Session,
    policy: Policy,
    terms: tuple[str, ...],
    candidates: list[Candidate],
    activity: Activity | None,
    today: dt.date,
) -> list[tuple[Rank, Fit, set[Rule]]]:
    """The checklist of each candidate: its true rank, and the ⛔ rules that hold it back."""
    ids = [account_id for _, account_id in candidates]
    rows = {
        row.id: row
        for row in session.connection().execute(select(*SHOWN, *SEARCHED).where(Account.id.in_(ids)))
    }
    facts = facts_for_accounts(
        session,
        policy,
        ids,
        today,
        activity=activity.key if activity else None,
        cost=activity.cost if activity else 0,
        advocate_ids=(
            select(Advocate.id).where(Advocate.account_id.in_(ids), willing_to(activity.key))
            if activity
            else ()
        ),
    )
    ranked = []
    for hopeful, account_id in candidates:
        row = rows.get(account_id)
        if row is None or row.id not in facts:  # gone between the reads: the next search will not show it
            continue
        blocked_by, results = _best_ask(policy, facts[row.id])
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
            matched=matched(terms, row),
            unavailable="; ".join(_reasons(results, Verdict.BLOCKING)) or None,
            warnings=_reasons(results, Verdict.WARNING),
            do_not_contact=account.account_status == AccountStatus.DO_NOT_CONTACT,
            asked=hopeful[4],
        )
        rules = {result.rule for result in results if result.verdict is Verdict.BLOCKING}
        ranked.append(((blocked_by, len(fit.warnings), *hopeful[2:]), fit, rules))
    return ranked


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
