"""The policy's part about evidence: the kinds of a customer's words the program keeps, how long an
approval lasts by default and at most, and which asks each kind can stand in for.

Read from `[evidence]` of the policy file (`default_policy.toml` says what each key means), by
`store.rules.policy`, so a program changes the kinds and their expiry like any other policy key.
The places an approval may allow are the product's own words (product.md, "Where we may use it"):
they are stored, so their keys never change, and a kind's `covers` names them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

#: Where we may use it: the places an advocate can allow, in the order the page offers them
PLACES: dict[str, str] = {
    "sales": "In sales conversations",
    "website": "On our website",
    "press": "In press and analyst material",
}

Fail = Callable[[str, str], Exception]


@dataclass(frozen=True)
class EvidenceKind:
    key: str
    name: str
    #: the expiry the approval page offers first, in years
    years: int
    #: the asks (activity keys) it can stand in for, each with the place its approval must allow
    covers: Mapping[str, str]
    #: the item is a link (a case study's page, a talk) with a few words about it
    link: bool = False

    def place_for(self, activity: str) -> str | None:
        """The place an approval must allow for this kind to stand in for `activity` (None: it cannot)."""
        return self.covers.get(activity)


@dataclass(frozen=True)
class EvidencePolicy:
    kinds: dict[str, EvidenceKind]
    #: the longest an advocate may approve their words for, in years
    max_years: int
    #: how many days before an item expires its advocate is asked to renew it
    renew_notice_days: int

    def kind(self, key: str) -> EvidenceKind | None:
        return self.kinds.get(key)

    def name_of(self, key: str) -> str:
        """A kind's name; its key, for an item kept of a kind the policy no longer has."""
        kind = self.kinds.get(key)
        return kind.name if kind else key

    @property
    def written(self) -> list[EvidenceKind]:
        """The kinds an advocate writes themselves on their page (a link is added by the team)."""
        return [kind for kind in self.kinds.values() if not kind.link]


def build_evidence(data: Mapping[str, Any], activities: set[str], fail: Fail) -> EvidencePolicy:
    """The `[evidence]` table checked key by key; `fail` words the error with the file's name."""

    def whole(where: str, value: Any, minimum: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise fail(where, f"must be a whole number ≥ {minimum}")
        return value

    max_years = whole("evidence.max_years", data.get("max_years"), 1)
    kinds = {}
    for key, spec in dict(data.get("kinds", {})).items():
        where = f"evidence.kinds.{key}"
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise fail(where, "needs a name, years and what it covers")
        years = whole(f"{where}.years", spec.get("years"), 1)
        if years > max_years:
            raise fail(f"{where}.years", f"must be at most evidence.max_years ({max_years})")
        covers = spec.get("covers", {})
        if not isinstance(covers, dict):
            raise fail(f"{where}.covers", "must be a table of activity = place")
        for activity, place in covers.items():
            if activity not in activities:
                raise fail(f"{where}.covers", f"{activity!r} is not one of the policy's activities")
            if place not in PLACES:
                raise fail(f"{where}.covers.{activity}", f"must be one of {', '.join(map(repr, PLACES))}")
        link = spec.get("link", False)
        if not isinstance(link, bool):
            raise fail(f"{where}.link", "must be true or false")
        kinds[key] = EvidenceKind(key, spec["name"], years, dict(covers), link)
    if not any(not kind.link for kind in kinds.values()):
        raise fail("evidence.kinds", "at least one kind that is not a link is needed (advocates write it)")
    return EvidencePolicy(
        kinds=kinds,
        max_years=max_years,
        renew_notice_days=whole("evidence.renew_notice_days", data.get("renew_notice_days"), 1),
    )
