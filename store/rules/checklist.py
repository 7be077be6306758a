"""The rule checklist the approver sees: a pure function of a `PolicyFacts` snapshot.

Pure, so it can be tested without a database and shown identically in the DM, App Home, find and
the policy simulator. Adding a rule means: a key in the policy's `Rules`, a fact in `PolicyFacts`
(read by `store.rules.facts`), a `Rule` member with its label (and whether the ledger drives it)
and one branch here — nothing elsewhere: the replay, the simulator and find read the rule.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from store.rules.policy import Policy, Rules, counted, points


class Rule(enum.StrEnum):
    """The checklist's rules, in the order the approver reads them: product.md's order.

    It also runs from what a requester can mend soonest (give something back) to what only the
    customer can (a paused account), so find lists blocked accounts in this order and needs to
    know nothing about any rule (`rank`).

    Each rule carries what the replay's table calls it (`label`) and whether the equity ledger is
    what drives it (`ledger`: the simulator's "no ledger rules" run ignores those): whoever lists
    rules reads them here, so a new rule cannot be missing from a list kept elsewhere.
    """

    label: str
    ledger: bool

    def __new__(cls, value: str, label: str, ledger: bool = False) -> Rule:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.ledger = ledger
        return member

    BALANCE = "balance", "balance stays ≥ 0", True
    ADVOCATE_REST = "advocate_rest", "advocate's rest period", True
    ADVOCATE_CAP = "advocate_cap", "advocate's asks in the window", True
    #: the advocate's own limit of asks a quarter (`Advocate.asks_per_quarter`)
    ADVOCATE_LIMIT = "advocate_limit", "advocate's own limit per quarter"
    #: what the advocate said: not for 3 months, or never ask again
    ADVOCATE_SAY = "advocate_say", "advocate said not now / never"
    ADVOCATE_RATING = "advocate_rating", "advocate's last rating"
    #: an ask that names nobody, at an account where a ⛔ rule protects every advocate
    NOBODY_TO_ASK = "nobody_to_ask", "nobody at the account can be asked"
    ACTIVITY_CAP = "activity_cap", "capped activity per quarter"
    ACCOUNT_STATUS = "account_status", "account paused / do not contact"
    RENEWAL = "renewal", "renewal close"
    DUPLICATE = "duplicate", "another request pending"
    GIVE_BACK = "give_back", "nothing given back lately"

    @property
    def rank(self) -> int:
        """1 for the rule read first (the soonest mended), and so on down the checklist."""
        return list(Rule).index(self) + 1


#: the rules about the person asked: what tells one advocate of an account from another
ADVOCATE_RULES = frozenset(
    {Rule.ADVOCATE_REST, Rule.ADVOCATE_CAP, Rule.ADVOCATE_LIMIT, Rule.ADVOCATE_SAY, Rule.ADVOCATE_RATING}
)


class Verdict(enum.StrEnum):
    OK = "ok"
    WARNING = "warning"
    BLOCKING = "blocking"

    @property
    def emoji(self) -> str:
        return {"ok": "✅", "warning": "⚠️", "blocking": "⛔"}[self.value]


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    verdict: Verdict
    #: what the approver reads in the checklist
    sentence: str
    #: the few words a list shows beside an account ("paused", "resting: asked on …"); every ⚠️
    #: and ⛔ has one, a ✅ needs none
    reason: str = ""


@dataclass(frozen=True)
class PolicyFacts:
    """What the checklist needs to know about one prospective ask."""

    today: dt.date
    #: the activity key; None when nothing is named yet (find with words only)
    activity: str | None
    cost: int
    balance: int
    account_status: str
    renewal_date: dt.date | None
    other_pending_requests: int
    #: the account's asks this quarter for the policy's `capped_activity`
    capped_asks_this_quarter: int
    last_give_on: dt.date | None
    #: the account has never been asked: nothing is owed back yet
    first_ask: bool = False
    advocate_name: str | None = None
    advocate_last_ask_on: dt.date | None = None
    advocate_asks_in_window: int = 0
    #: the advocate's asks this quarter, and the most they said they want (None: no limit of theirs)
    advocate_asks_this_quarter: int = 0
    advocate_limit: int | None = None
    #: the advocate answered "Please don't ask me again"
    advocate_never: bool = False
    #: the advocate answered "Not for 3 months": the last day they rest
    advocate_rests_until: dt.date | None = None
    #: the advocate's own rating of their last activity (1–5)
    advocate_last_rating: int | None = None
    account_name: str = ""
    #: for an ask that names nobody: why each of the account's advocates cannot be asked, when a
    #: ⛔ rule protects every one of them ("Jane Doe (resting until …)"); empty when someone can be
    nobody_to_ask: tuple[str, ...] = ()


def checklist(policy: Policy, facts: PolicyFacts) -> list[RuleResult]:
    """Every rule of product.md that applies to the ask, in `Rule` order."""
    rules = policy.rules
    results = [_balance(facts)]
    if facts.advocate_name is not None:
        name = facts.advocate_name
        results += [_advocate_rest(rules, name, facts), _advocate_cap(rules, name, facts)]
        if facts.advocate_limit is not None:
            results.append(_advocate_limit(name, facts.advocate_limit, facts))
        results += [_advocate_say(name, facts), _advocate_rating(rules, name, facts)]
    elif facts.nobody_to_ask:
        results.append(_nobody_to_ask(facts))
    if facts.activity == rules.capped_activity:
        results.append(_activity_cap(policy, facts))
    results += [_account_status(facts), _renewal(rules, facts), _duplicate(facts), _give_back(rules, facts)]
    return results


def _balance(facts: PolicyFacts) -> RuleResult:
    after = facts.balance - facts.cost
    move = f"{points(facts.balance)} → {points(after)}"
    if after >= 0:
        return RuleResult(Rule.BALANCE, Verdict.OK, f"Enough points for this ask: {move}.")
    return RuleResult(
        Rule.BALANCE,
        Verdict.BLOCKING,
        f"Not enough points: {move}. Give something back first.",
        f"over-asked: balance {points(facts.balance)}, the ask costs {points(facts.cost)}",
    )


def _advocate_rest(rules: Rules, name: str, facts: PolicyFacts) -> RuleResult:
    last = facts.advocate_last_ask_on
    if last is None:
        return RuleResult(Rule.ADVOCATE_REST, Verdict.OK, f"{name} has not been asked before.")
    if (facts.today - last).days >= rules.advocate_rest_days:
        return RuleResult(
            Rule.ADVOCATE_REST,
            Verdict.OK,
            f"{name} was last asked on {last.isoformat()}: rested {rules.advocate_rest_days}+ days.",
        )
    return RuleResult(
        Rule.ADVOCATE_REST,
        Verdict.BLOCKING,
        f"{name} was asked {(facts.today - last).days} days ago "
        f"(rest {rules.advocate_rest_days} days between asks).",
        f"resting: asked on {last.isoformat()}",
    )


def _advocate_cap(rules: Rules, name: str, facts: PolicyFacts) -> RuleResult:
    asks = facts.advocate_asks_in_window
    most, days = rules.advocate_max_asks_in_window, rules.advocate_window_days
    if asks < most:
        return RuleResult(Rule.ADVOCATE_CAP, Verdict.OK, f"{name}: {asks} of {most} asks in {days} days.")
    return RuleResult(
        Rule.ADVOCATE_CAP,
        Verdict.BLOCKING,
        f"{name} was asked {asks} times in {days} days (at most {most}).",
        f"asked {asks} times in {days} days",
    )


def _advocate_limit(name: str, limit: int, facts: PolicyFacts) -> RuleResult:
    asks = facts.advocate_asks_this_quarter
    most = f"at most {limit} ask{'' if limit == 1 else 's'} a quarter"
    if asks < limit:
        return RuleResult(
            Rule.ADVOCATE_LIMIT, Verdict.OK, f"{name}: {asks} this quarter, {most} as they asked."
        )
    return RuleResult(
        Rule.ADVOCATE_LIMIT,
        Verdict.BLOCKING,
        f"{name} asked for {most}, and was asked {asks} time{'' if asks == 1 else 's'} this quarter.",
        f"their limit: {most}",
    )


def _advocate_say(name: str, facts: PolicyFacts) -> RuleResult:
    if facts.advocate_never:
        return RuleResult(
            Rule.ADVOCATE_SAY,
            Verdict.BLOCKING,
            f"{name} asked not to be asked again.",
            "do not contact: asked not to be asked again",
        )
    rest = facts.advocate_rests_until
    if rest is not None and facts.today <= rest:
        return RuleResult(
            Rule.ADVOCATE_SAY,
            Verdict.BLOCKING,
            f"{name} asked not to be asked for 3 months (until {rest.isoformat()}).",
            f"resting until {rest.isoformat()}: not for 3 months",
        )
    return RuleResult(Rule.ADVOCATE_SAY, Verdict.OK, f"{name} has not asked to rest.")


def _advocate_rating(rules: Rules, name: str, facts: PolicyFacts) -> RuleResult:
    rating = facts.advocate_last_rating
    if rating is None:
        return RuleResult(Rule.ADVOCATE_RATING, Verdict.OK, f"{name} has not rated an activity yet.")
    if rating > rules.advocate_low_rating:
        return RuleResult(Rule.ADVOCATE_RATING, Verdict.OK, f"{name} rated their last activity {rating}/5.")
    return RuleResult(
        Rule.ADVOCATE_RATING,
        Verdict.WARNING,
        f"{name} rated their last activity {rating}/5: ask what would make it worth their time.",
        f"last rated {rating}/5",
    )


def _nobody_to_ask(facts: PolicyFacts) -> RuleResult:
    """Approving would mean picking someone a ⛔ rule protects: the approver learns it before the click."""
    account = facts.account_name or "the account"
    return RuleResult(
        Rule.NOBODY_TO_ASK,
        Verdict.BLOCKING,
        f"Nobody at {account} can be asked now: {', '.join(facts.nobody_to_ask)}.",
        "nobody can be asked now",
    )


def _activity_cap(policy: Policy, facts: PolicyFacts) -> RuleResult:
    name = policy.activity(policy.rules.capped_activity).name
    done, cap = facts.capped_asks_this_quarter, policy.rules.capped_activity_per_quarter
    if done < cap:
        return RuleResult(Rule.ACTIVITY_CAP, Verdict.OK, f"{name}: {done} of {cap} this quarter.")
    return RuleResult(
        Rule.ACTIVITY_CAP,
        Verdict.WARNING,
        f"{name}: already {done} this quarter for this account (guideline: at most {cap}).",
        f"already {done} this quarter (guideline: {cap})",
    )


def _account_status(facts: PolicyFacts) -> RuleResult:
    if facts.account_status == "active":
        return RuleResult(Rule.ACCOUNT_STATUS, Verdict.OK, "The account is active.")
    label = facts.account_status.replace("_", " ")
    return RuleResult(Rule.ACCOUNT_STATUS, Verdict.BLOCKING, f"The account is {label}.", label)


def _renewal(rules: Rules, facts: PolicyFacts) -> RuleResult:
    renewal = facts.renewal_date
    if renewal is None or not 0 <= (renewal - facts.today).days <= rules.renewal_warning_days:
        return RuleResult(
            Rule.RENEWAL, Verdict.OK, f"No renewal in the next {rules.renewal_warning_days} days."
        )
    days = (renewal - facts.today).days
    return RuleResult(
        Rule.RENEWAL,
        Verdict.WARNING,
        f"Renewal in {days} days ({renewal.isoformat()}): tread carefully.",
        f"renewal on {renewal.isoformat()}",
    )


def _duplicate(facts: PolicyFacts) -> RuleResult:
    others = facts.other_pending_requests
    if not others:
        return RuleResult(Rule.DUPLICATE, Verdict.OK, "No other request pending for this account.")
    return RuleResult(
        Rule.DUPLICATE,
        Verdict.WARNING,
        f"{counted(others, 'other request')} for this account already pending.",
        f"{counted(others, 'request')} already pending",
    )


def _give_back(rules: Rules, facts: PolicyFacts) -> RuleResult:
    last, days = facts.last_give_on, rules.give_back_days
    if last is not None and last >= facts.today - dt.timedelta(days=days):
        return RuleResult(Rule.GIVE_BACK, Verdict.OK, f"Value given back on {last.isoformat()}.")
    if facts.first_ask and last is None:
        return RuleResult(Rule.GIVE_BACK, Verdict.OK, "First ask of this account: nothing owed back yet.")
    return RuleResult(
        Rule.GIVE_BACK,
        Verdict.WARNING,
        f"No value given back in the last {days} days: you haven't given anything back lately.",
        f"nothing given back in {days} days",
    )


def is_blocked(results: list[RuleResult]) -> bool:
    return any(result.verdict is Verdict.BLOCKING for result in results)
