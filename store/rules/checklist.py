"""The rule checklist the approver sees: a pure function of a `PolicyFacts` snapshot.

Pure, so it can be tested without a database and shown identically in the DM, App Home, find and
the policy simulator. Adding a rule means: a key in the policy's `Rules`, a fact in `PolicyFacts`
(read by `store.rules.facts`), a `Rule` member with its label (and whether the ledger drives it)
in `store.rules.verdicts`, and one branch here — nothing elsewhere: the replay, the simulator and
find read the rule.
"""

from __future__ import annotations

import datetime as dt

from store.rules.policy import Policy, Rules, counted, points
from store.rules.verdicts import (
    ADVOCATE_RULES,
    DatesOff,
    NpsFact,
    PolicyFacts,
    Rule,
    RuleResult,
    Verdict,
)

__all__ = [
    "ADVOCATE_RULES",
    "DatesOff",
    "NpsFact",
    "PolicyFacts",
    "Rule",
    "RuleResult",
    "Verdict",
    "checklist",
    "is_blocked",
]


def checklist(policy: Policy, facts: PolicyFacts) -> list[RuleResult]:
    """Every rule of product.md that applies to the ask, in `Rule` order."""
    rules = policy.rules
    results = [_balance(facts)]
    if facts.advocate_name is not None:
        name = facts.advocate_name
        results += [_advocate_rest(rules, name, facts), _advocate_cap(rules, name, facts)]
        if facts.advocate_limit is not None:
            results.append(_advocate_limit(name, facts.advocate_limit, facts))
        results.append(_advocate_say(name, facts))
        if facts.activity is not None and facts.advocate_activities is not None:
            results.append(_advocate_activity(policy, name, facts.activity, facts.advocate_activities))
        if facts.advocate_dates_off:
            results.append(_advocate_dates_off(name, facts))
        results.append(_advocate_rating(rules, name, facts))
    elif facts.nobody_to_ask:
        results.append(_nobody_to_ask(facts))
    if facts.activity == rules.capped_activity:
        results.append(_activity_cap(policy, facts))
    results += [_account_status(facts), _renewal(rules, facts)]
    if facts.nps is not None:
        results.append(_detractor(rules, facts.nps))
    results += [_duplicate(facts), _give_back(rules, facts)]
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


def _advocate_activity(policy: Policy, name: str, activity: str, agreed: tuple[str, ...]) -> RuleResult:
    known = policy.activities.get(activity)
    what = known.name if known is not None else activity
    if activity in agreed:
        return RuleResult(Rule.ADVOCATE_ACTIVITY, Verdict.OK, f"{name} is happy to do this: {what}.")
    return RuleResult(
        Rule.ADVOCATE_ACTIVITY,
        Verdict.BLOCKING,
        f"{name} has not said they are happy to do this: {what}. Ask for something they agreed to.",
        "not among what they are happy to do",
    )


def _advocate_dates_off(name: str, facts: PolicyFacts) -> RuleResult:
    """⛔ when their dates not to ask cover today (the e-mail would reach them then) or the day
    the activity is needed by (it would fall then)."""
    days = [facts.today] + ([facts.needed_by] if facts.needed_by is not None else [])
    hit = next((off for off in facts.advocate_dates_off if any(off.covers(day) for day in days)), None)
    if hit is None:
        soonest: DatesOff = facts.advocate_dates_off[0]
        return RuleResult(
            Rule.ADVOCATE_BLACKOUT,
            Verdict.OK,
            f"{name} asked not to be asked {soonest.dates}: this ask falls outside.",
        )
    why = f" ({hit.note})" if hit.note else ""
    return RuleResult(
        Rule.ADVOCATE_BLACKOUT,
        Verdict.BLOCKING,
        f"{name} asked not to be asked {hit.dates}{why}.",
        f"not to be asked {hit.dates}",
    )


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


#: how much of a survey comment the checklist quotes
NPS_COMMENT_MAX = 200


def _detractor(rules: Rules, nps: NpsFact) -> RuleResult:
    on = nps.answered_on.isoformat()
    if nps.score > rules.detractor_max_score:
        return RuleResult(
            Rule.DETRACTOR,
            Verdict.OK,
            f"No NPS detractor in the last {rules.detractor_days} days (latest answer: {nps.score} on {on}).",
        )
    comment = nps.comment if len(nps.comment) <= NPS_COMMENT_MAX else nps.comment[: NPS_COMMENT_MAX - 1] + "…"
    said = f": “{comment}”" if comment else ""
    return RuleResult(
        Rule.DETRACTOR,
        Verdict.WARNING,
        f"Someone at the account scored us {nps.score}/10 on {on}{said}. Mend that before asking.",
        f"NPS {nps.score} on {on}",
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
