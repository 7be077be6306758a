"""The program's policy: activity costs, value credits, the rules' thresholds, the currency.

Built-in defaults (`default_policy.toml`) with a program's own file laid over them key by key.
The rules themselves are judged by `store.rules.checklist`, the only judge of an ask: find ranks
accounts by its verdicts, so a new rule is a policy key, a fact and a branch there.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from store.currencies import is_currency
from store.rules.evidence_policy import EvidencePolicy, build_evidence

DEFAULT_POLICY_FILE = Path(__file__).with_name("default_policy.toml")
#: a quarter's days, on average
QUARTER_DAYS = 91
#: the rules whose value names an activity of the policy (the others are whole numbers)
ACTIVITY_RULES = ("capped_activity", "untapped_affords")


class PolicyError(Exception):
    """The policy file cannot be used; the message names the key at fault."""


#: what the customer and the requester read of an activity (`default_policy.toml` says what each is)
CUSTOMER_WORDS = ("invite", "duration", "format", "about", "next_step")
#: the one placeholder an activity's `invite` may carry
INDUSTRY = "{industry}"


@dataclass(frozen=True)
class Activity:
    key: str
    name: str
    cost: int
    #: how often `refdesk simulate`'s synthetic program asks for it (a relative weight; 0: never)
    demand: int = 0
    #: the chance that an advocate in that program is willing to do it
    willing: float = 0.0
    #: the ask in a few words, for the customer ("30 minutes with a {industry} peer?")
    invite: str = ""
    #: how long it takes the customer
    duration: str = ""
    #: what it is, concretely
    format: str = ""
    #: what the customer would do, and why it matters, in a sentence or two
    about: str = ""
    #: what the requester does once the customer said yes
    next_step: str = ""

    def invitation(self, industry: str) -> str:
        """The ask in the customer's words, with the prospect's industry put in (or left out)."""
        template = self.invite or f"{self.name}?"
        if not industry.strip():
            return " ".join(template.replace(INDUSTRY, "").split())
        words = " ".join(industry.split())
        first = words.split()[0]
        if first[1:] == first[1:].lower():  # "Banking" reads "banking"; "SaaS" and "AI" stay
            words = words[:1].lower() + words[1:]
        before, _, after = template.partition(INDUSTRY)
        if before.endswith(" a ") and words[:1].lower() in "aeiou":
            before = before[:-2] + "an "
        return before + words + after if INDUSTRY in template else template


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
    #: the activity key an account "untapped" in the digest can afford (its balance is above the cost)
    untapped_affords: str
    capped_activity_per_quarter: int
    renewal_warning_days: int
    give_back_days: int
    #: an advocate whose last rating of an activity was this or lower is a ⚠️ on the next ask
    advocate_low_rating: int
    #: an NPS answer this low (0–6: a detractor) in the last `detractor_days` days is a ⚠️ on
    #: asks to the account
    detractor_max_score: int
    detractor_days: int

    @property
    def asks_per_quarter(self) -> int:
        """The asks of one advocate a quarter the window's cap comes to (rounded up): what "Ask me
        less often" halves when the advocate had set no limit of their own."""
        return max(1, math.ceil(self.advocate_max_asks_in_window * QUARTER_DAYS / self.advocate_window_days))


@dataclass(frozen=True)
class CoveragePolicy:
    """How coverage is cut and forecast (`default_policy.toml` holds the defaults and says why)."""

    #: the dimensions (segment, industry, region, activity) coverage is cut by when none are named
    by: tuple[str, ...]
    #: the share of open deals that will need a customer reference (the plan's forecast)
    deals_needing_reference: float
    #: the activity key such a reference is (the forecast counts who can be asked for it)
    reference_activity: str


@dataclass(frozen=True)
class Policy:
    opening_balance: int
    activities: dict[str, Activity]
    values: dict[str, ValueType]
    rules: Rules
    #: the kinds of a customer's words the program keeps, and their expiry (`[evidence]`)
    evidence: EvidencePolicy
    coverage: CoveragePolicy
    #: the ISO 4217 code of opportunity amounts typed into requests
    currency: str = "USD"
    #: how the advocate is asked after approval: "email", "owner", or None (e-mail when the
    #: program's mail settings are present, else the owner's buttons)
    consent: str | None = None

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

    def costs(self) -> dict[str, int]:
        """Each activity's cost, by key: what the ledger prices asks at when it replays them."""
        return {key: activity.cost for key, activity in self.activities.items()}

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
        for section in ("activities", "values", "rules", "coverage"):
            if section in override:
                data[section] = _lay_over(data[section], override.pop(section))
        if isinstance(override.get("evidence"), dict):
            evidence = dict(override.pop("evidence"))
            kinds = _lay_over(data["evidence"]["kinds"], evidence.pop("kinds", {}))
            data["evidence"] = {**data["evidence"], **evidence, "kinds": kinds}
        data.update(override)
    return _build(data, source=path or DEFAULT_POLICY_FILE)


def _lay_over(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """A section of the defaults with a program's keys laid over it, key by key (a table named in
    both is merged, its keys from the program's file winning)."""
    merged = dict(base)
    for key, spec in override.items():
        old = merged.get(key)
        merged[key] = {**old, **spec} if isinstance(old, dict) and isinstance(spec, dict) else spec
    return merged


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
        activities[key] = Activity(
            key,
            spec["name"],
            whole(f"activities.{key}.cost", spec.get("cost"), 0),
            demand=whole(f"activities.{key}.demand", spec.get("demand", 0), 0),
            willing=_chance(fail, f"activities.{key}.willing", spec.get("willing", 0.0)),
            **{word: _words(fail, f"activities.{key}.{word}", spec.get(word, "")) for word in CUSTOMER_WORDS},
        )
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
    named = {}
    for name in ACTIVITY_RULES:
        key = rules_data.pop(name)
        if not isinstance(key, str) or key not in activities:
            raise fail(f"rules.{name}", f"{key!r} is not one of the policy's activities")
        named[name] = key
    rules = Rules(**named, **{name: whole(f"rules.{name}", value, 0) for name, value in rules_data.items()})
    return Policy(
        opening_balance=whole("opening_balance", data.get("opening_balance", 3), -10_000),
        activities=activities,
        values=values,
        rules=rules,
        coverage=_coverage(fail, data.get("coverage", {}), activities),
        currency=_currency(fail, data.get("currency", "USD")),
        consent=_consent(fail, data.get("consent")),
        evidence=_evidence(fail, data.get("evidence"), set(activities)),
    )


def _evidence(fail: Callable[[str, str], PolicyError], data: object, activities: set[str]) -> EvidencePolicy:
    if not isinstance(data, dict):
        raise fail("evidence", "must be a table with max_years, renew_notice_days and kinds")
    return build_evidence(data, activities, fail)


def _chance(fail: Callable[[str, str], PolicyError], where: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise fail(where, "must be a chance between 0 and 1")
    return float(value)


#: what coverage can be cut by: the account's segment, industry, region, and the activity
COVERAGE_DIMENSIONS = ("segment", "industry", "region", "activity")


def _coverage(
    fail: Callable[[str, str], PolicyError], data: object, activities: dict[str, Activity]
) -> CoveragePolicy:
    if not isinstance(data, dict):
        raise fail("coverage", "must be a table")
    unknown = set(data) - set(CoveragePolicy.__dataclass_fields__)
    if unknown:
        raise fail("coverage", f"unknown key {sorted(unknown)[0]!r}")
    by = data.get("by")
    if not isinstance(by, list) or not by or any(d not in COVERAGE_DIMENSIONS for d in by):
        raise fail("coverage.by", f"must list some of {', '.join(COVERAGE_DIMENSIONS)}")
    activity = data.get("reference_activity")
    if not isinstance(activity, str) or activity not in activities:
        raise fail("coverage.reference_activity", f"{activity!r} is not one of the policy's activities")
    share = _chance(fail, "coverage.deals_needing_reference", data.get("deals_needing_reference"))
    return CoveragePolicy(tuple(dict.fromkeys(by)), share, activity)


def _words(fail: Callable[[str, str], PolicyError], where: str, text: object) -> str:
    """A sentence for people to read: text, and only `invite` may name the prospect's industry."""
    if not isinstance(text, str):
        raise fail(where, "must be text in quotes")
    if "{" in text.replace(INDUSTRY, "") or "}" in text.replace(INDUSTRY, ""):
        raise fail(where, f"the only placeholder is {INDUSTRY}, in `invite`")
    if INDUSTRY in text and not where.endswith(".invite"):
        raise fail(where, f"{INDUSTRY} works in `invite` only")
    return " ".join(text.split())


def _consent(fail: Callable[[str, str], PolicyError], mode: object) -> str | None:
    if mode is not None and mode not in ("email", "owner"):
        raise fail("consent", 'must be "email" (the advocate answers by e-mail) or "owner"')
    return mode if isinstance(mode, str) else None


def _currency(fail: Callable[[str, str], PolicyError], code: object) -> str:
    if not isinstance(code, str) or not is_currency(code):
        raise fail("currency", "must be a current ISO 4217 currency code such as USD or EUR")
    return code


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """A number with its noun, singular or plural as it reads: "1 account", "3 accounts",
    "2 opportunities" (`plural` when adding an s is not the plural)."""
    return f"{number} {noun if abs(number) == 1 else plural or noun + 's'}"


def points(amount: int, *, signed: bool = False) -> str:
    """The ledger's unit, said one way everywhere: "1 point", "3 points", "+4 points", "−2 points"."""
    sign = "+" if signed and amount > 0 else ""
    return f"{sign}{counted(amount, 'point')}".replace("-", "−")
