"""The program's policy (costs, credits, rules) and the rule checklist the approver sees.

The checklist is a pure function of a `PolicyFacts` snapshot so that it can be tested without a
database, shown identically in the DM, the App Home and the CLI, and be the only judge of an ask:
find ranks accounts by its verdicts, so a new rule is a policy key, a fact and a branch here.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_POLICY_FILE = Path(__file__).with_name("default_policy.toml")


class PolicyError(Exception):
    """The policy file cannot be used; the message names the key at fault."""


@dataclass(frozen=True)
class Activity:
    key: str
    name: str
    cost: int


@dataclass(frozen=True)
class ValueType:
    key: str
    name: str
    group: str
    credit: int


@dataclass(frozen=True)
class Rules:
    """The rules' thresholds. Their values are written in `default_policy.toml` only, so the file a
    program copies to start its own is the one place the defaults live."""

    advocate_rest_days: int
    advocate_window_days: int
    advocate_max_asks_in_window: int
    #: the activity key with a per-account quarterly guideline (product.md: reference calls)
    capped_activity: str
    capped_activity_per_quarter: int
    renewal_warning_days: int
    give_back_days: int


@dataclass(frozen=True)
class Policy:
    opening_balance: int
    activities: dict[str, Activity]
    values: dict[str, ValueType]
    rules: Rules
    #: the ISO 4217 code of opportunity amounts typed into requests
    currency: str = "USD"

    def activity(self, key: str) -> Activity:
        try:
            return self.activities[key]
        except KeyError:
            raise PolicyError(f"unknown activity {key!r}") from None

    def value(self, key: str) -> ValueType:
        try:
            return self.values[key]
        except KeyError:
            raise PolicyError(f"unknown value type {key!r}") from None

    def value_groups(self) -> dict[str, list[ValueType]]:
        groups: dict[str, list[ValueType]] = {}
        for value in self.values.values():
            groups.setdefault(value.group, []).append(value)
        return groups


def load_policy(path: Path | None = None) -> Policy:
    """The built-in defaults, with whatever `path` sets laid over them."""
    data = _read_toml(DEFAULT_POLICY_FILE)
    if path is not None:
        override = _read_toml(path)
        for section in ("activities", "values", "rules"):
            if section in override:
                merged = dict(data[section])
                for key, spec in override.pop(section).items():
                    base = merged.get(key)
                    both = isinstance(base, dict) and isinstance(spec, dict)
                    merged[key] = {**base, **spec} if both else spec
                data[section] = merged
        data.update(override)
    return _build(data, source=path or DEFAULT_POLICY_FILE)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: not valid TOML ({exc})") from None


def _build(data: dict[str, Any], source: Path) -> Policy:
    def fail(where: str, why: str) -> PolicyError:
        return PolicyError(f"{source}: {where}: {why}")

    def whole(where: str, value: Any, minimum: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise fail(where, f"must be a whole number ≥ {minimum}")
        return value

    activities = {}
    for key, spec in data.get("activities", {}).items():
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise fail(f"activities.{key}", "needs a name and a cost")
        activities[key] = Activity(key, spec["name"], whole(f"activities.{key}.cost", spec.get("cost"), 0))
    values = {}
    for key, spec in data.get("values", {}).items():
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise fail(f"values.{key}", "needs a name, a group and a credit")
        values[key] = ValueType(
            key,
            spec["name"],
            str(spec.get("group", "other")),
            whole(f"values.{key}.credit", spec.get("credit"), 0),
        )
    if not activities:
        raise fail("activities", "at least one activity is needed")
    if not values:
        raise fail("values", "at least one value type is needed")
    rules_data = dict(data.get("rules", {}))
    unknown = set(rules_data) - set(Rules.__dataclass_fields__)
    if unknown:
        raise fail("rules", f"unknown rule {sorted(unknown)[0]!r}")
    capped = rules_data.pop("capped_activity")
    if not isinstance(capped, str) or capped not in activities:
        raise fail("rules.capped_activity", f"{capped!r} is not one of the policy's activities")
    rules = Rules(
        capped_activity=capped,
        **{name: whole(f"rules.{name}", value, 0) for name, value in rules_data.items()},
    )
    return Policy(
        opening_balance=whole("opening_balance", data.get("opening_balance", 3), -10_000),
        activities=activities,
        values=values,
        rules=rules,
        currency=_currency(fail, data.get("currency", "USD")),
    )


def _currency(fail: Callable[[str, str], PolicyError], code: object) -> str:
    if not isinstance(code, str) or not re.fullmatch(r"[A-Z]{3}", code):
        raise fail("currency", "must be a three-letter ISO 4217 code such as USD or EUR")
    return code


class Rule(enum.StrEnum):
    """The checklist's rules, in the order the approver reads them: product.md's order.

    It also runs from what a requester can mend soonest (give something back) to what only the
    customer can (a paused account), so find lists blocked accounts in this order and needs to
    know nothing about any rule.
    """

    BALANCE = "balance"
    ADVOCATE_REST = "advocate_rest"
    ADVOCATE_CAP = "advocate_cap"
    ACTIVITY_CAP = "activity_cap"
    ACCOUNT_STATUS = "account_status"
    RENEWAL = "renewal"
    DUPLICATE = "duplicate"
    GIVE_BACK = "give_back"


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


def checklist(policy: Policy, facts: PolicyFacts) -> list[RuleResult]:
    """Every rule of product.md that applies to the ask, in `Rule` order."""
    rules = policy.rules
    results = [_balance(facts)]
    if facts.advocate_name is not None:
        name = facts.advocate_name
        results += [_advocate_rest(rules, name, facts), _advocate_cap(rules, name, facts)]
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
        f"{others} other request(s) for this account already pending.",
        f"{others} request(s) already pending",
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


def points(amount: int, *, signed: bool = False) -> str:
    """The ledger's unit, said one way everywhere: "1 point", "3 points", "+4 points", "−2 points"."""
    sign = "+" if signed and amount > 0 else ""
    return f"{sign}{amount} point{'' if abs(amount) == 1 else 's'}".replace("-", "−")


def is_blocked(results: list[RuleResult]) -> bool:
    return any(result.verdict is Verdict.BLOCKING for result in results)
