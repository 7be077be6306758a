"""Ready for a launch (flow 22): `refdesk coverage plan FILE.toml`.

A plan lists needs, each a `[[need]]` table:

    [[need]]                      # 6 reference calls in healthcare for product B by 1 March
    industry = "Healthcare"       # any of industry, segment, region, product (at least one)
    product = "B"
    activity = "reference_call"   # an activity key of the policy
    count = 6
    by = 2027-03-01               # a TOML date, today or later

Per need it says how many advocates can be asked today, how many by the date — the checklist asked
on that day (rest periods over, older asks out of the window, a new quarter) with each balance
grown at the program's measured give-back rate — and how many are missing. With opportunities
imported, it forecasts next quarter's demand (`store.coverage.forecast`).

Every problem of the file is reported at once, each as `line N: reason`, before anything is read
from the database.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from store.coverage.forecast import Forecast, forecast
from store.coverage.supply import Place, give_back_rate, supply_on
from store.db import Database
from store.models import normalize
from store.rules.policy import Policy

#: what a need may be narrowed by: the account's fields
FILTERS = ("industry", "segment", "region", "product")
KEYS = (*FILTERS, "activity", "count", "by")
COUNT_MAX = 10_000


class PlanError(Exception):
    """The plan file cannot be used; the message says where (`FILE: line N: reason; …`)."""


@dataclass(frozen=True)
class Need:
    line: int
    #: filter name → the value asked for, as written
    filters: dict[str, str]
    activity: str
    count: int
    by: dt.date

    def fits(self, place: Place) -> bool:
        for name, value in self.filters.items():
            if name == "product":
                if normalize(value) not in place.products:
                    return False
            elif place.key(name) != normalize(value):
                return False
        return True


@dataclass(frozen=True)
class NeedAnswer:
    need: Need
    today: int
    by_date: int

    @property
    def missing(self) -> int:
        return max(0, self.need.count - self.by_date)


@dataclass(frozen=True)
class PlanAnswer:
    today: dt.date
    #: points given back per account per day, measured over the last 90 days
    give_back_rate: float
    needs: list[NeedAnswer]
    #: None when no opportunity was ever imported
    forecast: Forecast | None


def read_plan(path: Path, policy: Policy, today: dt.date) -> list[Need]:
    """The plan's needs, or `PlanError` naming every problem with its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        where = f"line {found.group(1)}: " if found else ""
        raise PlanError(f"{path}: {where}not valid TOML ({str(exc).split(' (at line')[0]})") from None
    lines = _need_lines(text)
    problems: list[str] = []
    unknown = sorted(set(data) - {"need"})
    if unknown:
        problems.append(f"line 1: unknown table or key {unknown[0]!r}: needs are [[need]] tables")
    raw = data.get("need", [])
    if not isinstance(raw, list) or not raw:
        problems.append("line 1: no [[need]] table: a plan lists at least one need")
        raw = []
    needs = []
    for number, spec in enumerate(raw):
        start = lines[number] if number < len(lines) else 1
        need = _need(spec, start, text, policy, today, problems)
        if need is not None:
            needs.append(need)
    if problems:
        raise PlanError(f"{path}: " + "; ".join(problems))
    return needs


def _need_lines(text: str) -> list[int]:
    """The line of each `[[need]]` header, in order."""
    header = re.compile(r"\s*\[\[\s*need\s*\]\]")
    return [number for number, line in enumerate(text.splitlines(), start=1) if header.match(line)]


def _line_of(text: str, start: int, key: str) -> int:
    """The line of `key = …` in the need whose header is on line `start` (the header's if absent)."""
    for number, line in enumerate(text.splitlines()[start:], start=start + 1):
        if re.match(r"\s*\[", line):
            break
        if re.match(rf"\s*{re.escape(key)}\s*=", line):
            return number
    return start


def _need(
    spec: Any, start: int, text: str, policy: Policy, today: dt.date, problems: list[str]
) -> Need | None:
    def bad(key: str | None, why: str) -> None:
        problems.append(f"line {_line_of(text, start, key) if key else start}: {why}")

    if not isinstance(spec, dict):
        bad(None, "a need is a [[need]] table of keys, not a list of values")
        return None
    before = len(problems)
    unknown = sorted(set(spec) - set(KEYS))
    if unknown:
        bad(unknown[0], f"unknown key {unknown[0]!r} (a need has {', '.join(KEYS)})")
    filters = {name: spec[name] for name in FILTERS if name in spec}
    for name, value in filters.items():
        if not isinstance(value, str) or not value.strip():
            bad(name, f"{name} must be a name in quotes")
    if not filters:
        bad(None, f"name what the need is for: at least one of {', '.join(FILTERS)}")
    activity = spec.get("activity")
    if not isinstance(activity, str) or activity not in policy.activities:
        bad("activity", f"activity {activity!r} is not one of the policy's ({', '.join(policy.activities)})")
    count = spec.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= COUNT_MAX:
        bad("count", f"count must be a whole number from 1 to {COUNT_MAX}")
    by = spec.get("by")
    if not isinstance(by, dt.date) or isinstance(by, dt.datetime):
        bad("by", "by must be a date, e.g. by = 2027-03-01")
    elif by < today:
        bad("by", f"by {by.isoformat()} is in the past")
    if len(problems) > before:
        return None
    return Need(start, {k: " ".join(v.split()) for k, v in filters.items()}, activity, count, by)


def plan(db: Database, policy: Policy, needs: list[Need], today: dt.date) -> PlanAnswer:
    """Each need against who can be asked today and by its date; and next quarter's forecast."""
    activities = {need.activity for need in needs}
    with db.transaction(readonly=True) as session:
        rate = give_back_rate(session, today)
        now = supply_on(session, policy, today, only=activities)
        later = {
            day: supply_on(session, policy, today, day=day, recovery=rate, only=activities)
            for day in sorted({need.by for need in needs})
        }
        outlook = forecast(session, policy, today)
    answers = []
    for need in needs:
        fitting = {p.account_id for p in now.places.values() if need.fits(p)}
        askable = now.advocates(need.activity, fitting)
        by_then = askable | later[need.by].advocates(need.activity, fitting)
        answers.append(NeedAnswer(need, len(askable), len(by_then)))
    return PlanAnswer(today, rate, answers, outlook)
