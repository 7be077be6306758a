"""Coverage figures: per cell of the chosen dimensions (industry × activity by default), the
demand in the window and how it ended, time to the customer's yes, the advocates' acceptance and
the willing supply now; and the largest gaps.

A cell's account dimensions (segment, industry, region) are read from the need as it was recorded
and from each account as it is now; both are compared `normalize`d, so "Healthcare" and
"healthcare " are one cell. A gap is a cell whose unfilled demand is more than the supply left to
ask: `short` = needed − filled − still open − advocates who can be asked now.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import select

from store.coverage.outcomes import Ended, Outcome, request_outcomes
from store.coverage.supply import Place, Supply, supply_on
from store.db import Database
from store.models import Demand, DemandSource, normalize
from store.rules.policy import COVERAGE_DIMENSIONS, Policy

T = TypeVar("T")
#: the dimensions that are the account's (the other is the activity)
ACCOUNT_DIMENSIONS = ("segment", "industry", "region")
#: the window when none is given
DEFAULT_DAYS = 90
#: how many gaps are named
GAPS = 5


def percentile(sorted_values: Sequence[T], percent: int) -> T | None:
    """Nearest-rank percentile: a value that occurred, as a reader checks it against the data."""
    if not sorted_values:
        return None
    rank = math.ceil(percent / 100 * len(sorted_values))
    return sorted_values[max(rank, 1) - 1]


@dataclass
class Cell:
    """One cell's figures: its labels and normalized keys in the coverage's dimension order."""

    labels: tuple[str, ...]
    keys: tuple[str, ...]
    #: requests and unmet searches in the window
    needed: int = 0
    #: of which searches that found nothing askable, or **Nothing fits**
    searches: int = 0
    filled: int = 0
    #: still waiting for a decision or the customer's answer
    open: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    #: advocates asked, and those who said yes
    asked: int = 0
    said_yes: int = 0
    waits: list[dt.timedelta] = field(default_factory=list, repr=False)
    #: advocates who can be asked now for it
    supply: int = 0

    @property
    def fill_rate(self) -> float | None:
        """Filled among the needs that ended (open ones are not counted until they end)."""
        settled = self.needed - self.open
        return self.filled / settled if settled else None

    @property
    def acceptance(self) -> float | None:
        return self.said_yes / self.asked if self.asked else None

    @property
    def yes_p50(self) -> dt.timedelta | None:
        return percentile(sorted(self.waits), 50)

    @property
    def yes_p90(self) -> dt.timedelta | None:
        return percentile(sorted(self.waits), 90)

    @property
    def short(self) -> int:
        return self.needed - self.filled - self.open - self.supply


@dataclass(frozen=True)
class Coverage:
    since: dt.date
    today: dt.date
    by: tuple[str, ...]
    #: most needed first
    cells: list[Cell]
    #: the whole window in one cell (labels: "all")
    total: Cell
    #: the largest gaps, largest first (at most `GAPS`)
    gaps: list[Cell]
    #: who could be asked, as the figures counted it
    supply: Supply = field(repr=False)

    def activity_of(self, cell: Cell) -> str | None:
        """The cell's activity key; None when activity is not a dimension or the need named none."""
        return _activity(self.by, cell.keys)

    def accounts_of(self, cell: Cell) -> set[int]:
        """The accounts the cell's account dimensions fit."""
        return fitting(self.supply, self.by, cell.keys)


def check_dimensions(by: Sequence[str]) -> tuple[str, ...]:
    """`by` as a tuple, or ValueError naming the first dimension that is not one."""
    chosen = tuple(dict.fromkeys(by))
    for name in chosen:
        if name not in COVERAGE_DIMENSIONS:
            raise ValueError(f"{name!r} is not one of {', '.join(COVERAGE_DIMENSIONS)}")
    if not chosen:
        raise ValueError(f"name at least one of {', '.join(COVERAGE_DIMENSIONS)}")
    return chosen


def coverage(
    db: Database,
    policy: Policy,
    *,
    since: dt.date,
    today: dt.date,
    tz: zoneinfo.ZoneInfo,
    by: Sequence[str] | None = None,
) -> Coverage:
    """The figures of the needs recorded from `since` on, cut by `by` (the policy's cut if None)."""
    dims = check_dimensions(by or policy.coverage.by)
    in_window = Demand.created_at >= dt.datetime.combine(since, dt.time(), tz)
    with db.transaction(readonly=True) as session:
        needs = session.scalars(select(Demand).where(in_window).order_by(Demand.created_at, Demand.id))
        rows = [(need.source, need.request_id, tuple(_label(need, d) for d in dims)) for need in needs]
        requests = select(Demand.request_id).where(in_window, Demand.request_id.is_not(None))
        ended = request_outcomes(session, requests, today)
        supply = supply_on(session, policy, today)
    cells: dict[tuple[str, ...], Cell] = {}
    total = Cell(("all",), ("all",))
    for source, request_id, labels in rows:
        keys = tuple(normalize(label) for label in labels)
        cell = cells.setdefault(keys, Cell(labels, keys))
        for target in (cell, total):
            _count(target, source, ended.get(request_id) if request_id is not None else None)
    for cell in cells.values():
        cell.supply = len(supply.advocates(_activity(dims, cell.keys), fitting(supply, dims, cell.keys)))
    total.supply = len(supply.advocates(None, set(supply.places)))
    ordered = sorted(cells.values(), key=lambda c: (-c.needed, c.keys))
    gaps = sorted((c for c in ordered if c.short > 0), key=lambda c: (-c.short, -c.needed, c.keys))
    return Coverage(since, today, dims, ordered, total, gaps[:GAPS], supply)


def _label(need: Demand, dimension: str) -> str:
    """The need's value of a dimension as a person reads it (an activity by its key)."""
    if dimension == "activity":
        return need.activity or ""
    return str(getattr(need, dimension))


def _count(cell: Cell, source: str, ended: Ended | None) -> None:
    """Add one need to the cell: a search is a need that found no match."""
    cell.needed += 1
    if ended is None:
        cell.searches += source != DemandSource.REQUEST
        cell.outcomes[Outcome.NO_MATCH] = cell.outcomes.get(Outcome.NO_MATCH, 0) + 1
        return
    outcome = ended.outcome
    cell.outcomes[outcome] = cell.outcomes.get(outcome, 0) + 1
    cell.filled += outcome.filled
    cell.open += outcome is Outcome.OPEN
    cell.asked += ended.asked
    cell.said_yes += ended.said_yes
    if ended.time_to_yes is not None:
        cell.waits.append(ended.time_to_yes)


def _activity(dims: tuple[str, ...], keys: tuple[str, ...]) -> str | None:
    """The cell's activity key; None when activity is not a dimension or the need named none."""
    return (keys[dims.index("activity")] or None) if "activity" in dims else None


def fitting(supply: Supply, dims: tuple[str, ...], keys: tuple[str, ...]) -> set[int]:
    """The accounts a cell's account dimensions fit (every account when it has none)."""
    wanted = [(d, k) for d, k in zip(dims, keys, strict=True) if d in ACCOUNT_DIMENSIONS]
    return {p.account_id for p in supply.places.values() if _fits(p, wanted)}


def _fits(place: Place, wanted: list[tuple[str, str]]) -> bool:
    return all(place.key(dimension) == key for dimension, key in wanted)
