"""The program's policy (costs, credits, rules) and the rule checklist the approver sees.

The checklist is a pure function of a `PolicyFacts` snapshot so that it can be tested without a
database and shown identically in the DM, the App Home and the CLI.
"""

from __future__ import annotations

import datetime as dt
import enum
import tomllib
from dataclasses import dataclass, field
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
    advocate_rest_days: int = 30
    advocate_window_days: int = 180
    advocate_max_asks_in_window: int = 3
    reference_calls_per_quarter: int = 2
    renewal_warning_days: int = 60
    give_back_days: int = 90


@dataclass(frozen=True)
class Policy:
    opening_balance: int
    activities: dict[str, Activity]
    values: dict[str, ValueType]
    rules: Rules = field(default_factory=Rules)

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
    rules_data = data.get("rules", {})
    unknown = set(rules_data) - set(Rules.__dataclass_fields__)
    if unknown:
        raise fail("rules", f"unknown rule {sorted(unknown)[0]!r}")
    rules = Rules(**{name: whole(f"rules.{name}", value, 0) for name, value in rules_data.items()})
    return Policy(
        opening_balance=whole("opening_balance", data.get("opening_balance", 3), -10_000),
        activities=activities,
        values=values,
        rules=rules,
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
    rule: str
    verdict: Verdict
    sentence: str


@dataclass(frozen=True)
class PolicyFacts:
    """What the checklist needs to know about one prospective ask."""

    today: dt.date
    activity: str
    cost: int
    balance: int
    account_status: str
    renewal_date: dt.date | None
    other_pending_requests: int
    reference_calls_this_quarter: int
    last_give_on: dt.date | None
    advocate_name: str | None = None
    advocate_last_ask_on: dt.date | None = None
    advocate_asks_in_window: int = 0


def checklist(policy: Policy, facts: PolicyFacts) -> list[RuleResult]:
    """Every rule of product.md, in the order the approver reads them."""
    rules = policy.rules
    results: list[RuleResult] = []
    after = facts.balance - facts.cost

    if after >= 0:
        results.append(
            RuleResult("balance", Verdict.OK, f"Balance stays positive: {facts.balance} → {after}.")
        )
    else:
        results.append(
            RuleResult(
                "balance",
                Verdict.BLOCKING,
                f"Not enough equity: {facts.balance} → {after}. Give something back first.",
            )
        )

    if facts.account_status != "active":
        label = facts.account_status.replace("_", " ")
        results.append(RuleResult("account_status", Verdict.BLOCKING, f"The account is {label}."))
    else:
        results.append(RuleResult("account_status", Verdict.OK, "The account is active."))

    if facts.advocate_name is not None:
        results.extend(_advocate_rules(rules, facts))

    if facts.activity == "reference_call":
        calls = facts.reference_calls_this_quarter
        if calls >= rules.reference_calls_per_quarter:
            results.append(
                RuleResult(
                    "reference_calls_per_quarter",
                    Verdict.WARNING,
                    f"Already {calls} reference calls this quarter "
                    f"(guideline: at most {rules.reference_calls_per_quarter}).",
                )
            )
        else:
            results.append(
                RuleResult(
                    "reference_calls_per_quarter",
                    Verdict.OK,
                    f"{calls} of {rules.reference_calls_per_quarter} reference calls this quarter.",
                )
            )

    if (
        facts.renewal_date is not None
        and 0 <= (facts.renewal_date - facts.today).days <= rules.renewal_warning_days
    ):
        days = (facts.renewal_date - facts.today).days
        results.append(
            RuleResult(
                "renewal",
                Verdict.WARNING,
                f"Renewal in {days} days ({facts.renewal_date.isoformat()}): tread carefully.",
            )
        )
    else:
        results.append(
            RuleResult("renewal", Verdict.OK, f"No renewal in the next {rules.renewal_warning_days} days.")
        )

    if facts.other_pending_requests:
        results.append(
            RuleResult(
                "duplicate",
                Verdict.WARNING,
                f"{facts.other_pending_requests} other request(s) for this account already pending.",
            )
        )
    else:
        results.append(RuleResult("duplicate", Verdict.OK, "No other request pending for this account."))

    since = facts.today - dt.timedelta(days=rules.give_back_days)
    if facts.last_give_on is None or facts.last_give_on < since:
        results.append(
            RuleResult(
                "give_back",
                Verdict.WARNING,
                f"No value given back in the last {rules.give_back_days} days: "
                "you haven't given anything back lately.",
            )
        )
    else:
        results.append(
            RuleResult("give_back", Verdict.OK, f"Value given back on {facts.last_give_on.isoformat()}.")
        )
    return results


def _advocate_rules(rules: Rules, facts: PolicyFacts) -> list[RuleResult]:
    name = facts.advocate_name
    results = []
    last = facts.advocate_last_ask_on
    if last is not None and (facts.today - last).days < rules.advocate_rest_days:
        results.append(
            RuleResult(
                "advocate_rest",
                Verdict.BLOCKING,
                f"{name} was asked {(facts.today - last).days} days ago "
                f"(rest {rules.advocate_rest_days} days between asks).",
            )
        )
    else:
        results.append(
            RuleResult("advocate_rest", Verdict.OK, f"{name} has rested {rules.advocate_rest_days}+ days.")
        )
    asks = facts.advocate_asks_in_window
    if asks >= rules.advocate_max_asks_in_window:
        results.append(
            RuleResult(
                "advocate_cap",
                Verdict.BLOCKING,
                f"{name} was asked {asks} times in {rules.advocate_window_days} days "
                f"(at most {rules.advocate_max_asks_in_window}).",
            )
        )
    else:
        results.append(
            RuleResult(
                "advocate_cap",
                Verdict.OK,
                f"{name}: {asks} of {rules.advocate_max_asks_in_window} asks in "
                f"{rules.advocate_window_days} days.",
            )
        )
    return results


def is_blocked(results: list[RuleResult]) -> bool:
    return any(result.verdict is Verdict.BLOCKING for result in results)
