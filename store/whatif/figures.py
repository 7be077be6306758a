"""One simulated run's figures (`refdesk simulate`): how much was asked of whom, how evenly, and
how many requests were filled and how soon."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from store.coverage.figures import percentile
from store.whatif.synthetic import Program


@dataclass(frozen=True)
class Ask:
    """One ask a run made: of which account (its number) and advocate, in which 13-week quarter,
    the balance it left, and how many days its request waited for it."""

    account: int
    advocate_id: int
    quarter: int
    balance_after: int
    waited_days: int


@dataclass(frozen=True)
class Outcome:
    """One run's figures."""

    label: str
    asks: int
    no_eligible: int
    max_per_advocate_quarter: int
    p95_per_advocate_quarter: float
    top_decile_share: float
    gini: float
    debt_share: float
    #: asks per account (by account number) and per advocate-quarter with at least one ask, for the chart
    per_account: tuple[int, ...] = field(repr=False)
    per_advocate_quarter: tuple[int, ...] = field(repr=False)
    #: the requests this run played, fingerprinted: every run of a program must show the same
    played: str = ""
    #: requests filled (an advocate asked by their needed-by date), over all requests
    fill_rate: float = 0.0
    #: days a filled request waited for its ask (p50, p90)
    fill_days_p50: int = 0
    fill_days_p90: int = 0
    #: recruiting: advocates who joined, and owners who took an offer because a gap suggested it
    recruited: int = 0
    offers_taken: int = 0


def figures(
    label: str,
    program: Program,
    asks: list[Ask],
    no_eligible: int,
    played: str,
    *,
    recruited: int = 0,
    offers_taken: int = 0,
) -> Outcome:
    per_account = [0] * program.accounts
    per_advocate_quarter: dict[tuple[int, int], int] = {}
    for ask in asks:
        per_account[ask.account] += 1
        key = (ask.advocate_id, ask.quarter)
        per_advocate_quarter[key] = per_advocate_quarter.get(key, 0) + 1
    loads = sorted(per_advocate_quarter.values())
    waits = sorted(ask.waited_days for ask in asks)
    total = len(asks)
    top = sorted(per_account, reverse=True)[: max(1, math.ceil(program.accounts / 10))]
    requests = total + no_eligible
    return Outcome(
        label=label,
        asks=total,
        no_eligible=no_eligible,
        max_per_advocate_quarter=loads[-1] if loads else 0,
        p95_per_advocate_quarter=float(percentile(loads, 95) or 0),
        top_decile_share=sum(top) / total if total else 0.0,
        gini=gini(per_account),
        debt_share=sum(1 for ask in asks if ask.balance_after < 0) / total if total else 0.0,
        per_account=tuple(per_account),
        per_advocate_quarter=tuple(loads),
        played=played,
        fill_rate=total / requests if requests else 0.0,
        fill_days_p50=percentile(waits, 50) or 0,
        fill_days_p90=percentile(waits, 90) or 0,
        recruited=recruited,
        offers_taken=offers_taken,
    )


def gini(values: list[int]) -> float:
    """0 when every account is asked alike, towards 1 when one account gets every ask."""
    total = sum(values)
    if not total:
        return 0.0
    ordered = sorted(values)
    n = len(ordered)
    weighted = sum((index + 1) * value for index, value in enumerate(ordered))
    return (2 * weighted) / (n * total) - (n + 1) / n
