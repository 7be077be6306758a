"""The synthetic program of `refdesk simulate`, generated whole from a seed before anything is
played: accounts with a skewed "favourite customer" pull (a few accounts draw most of the reps'
attention, as in real programs), their advocates and what each is willing to do, requests
arriving week by week, and for each request whether its account's owner gives something back
afterwards (at `give_back`, some weeks later). Every run of `store.whatif.simulation` plays this
same program, so they differ only by the rules (and recruiting).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import random
from dataclasses import dataclass

from store.rules.policy import Activity, Policy

#: the first Monday of the simulated year
START = dt.date(2026, 1, 5)
WEEKS_PER_QUARTER = 13
#: how far down their list of favourites a rep looks before giving up
CANDIDATES = 20
#: the chance that a rep asks for a reference in a given week
ASKS_PER_REP_WEEK = 0.5
#: the "favourite customer" skew: account of popularity rank r pulls like 1 / (r + 1) ** PULL
PULL = 1.1


@dataclass(frozen=True)
class SimRequest:
    number: int
    week: int
    day: dt.date
    rep: int
    activity: str
    #: account numbers in the rep's order of preference
    candidates: tuple[int, ...]
    #: the value its account's owner gives back afterwards, and when; None: nothing given back
    gives_back: str | None
    give_after_days: int


@dataclass(frozen=True)
class Program:
    seed: int
    accounts: int
    reps: int
    weeks: int
    #: per account, its advocates' willing activities
    advocates: tuple[tuple[frozenset[str], ...], ...]
    requests: tuple[SimRequest, ...]
    #: the chance an owner gives back after an ask (or takes an offer a gap suggests)
    give_back: float

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.requests)


def generate(*, accounts: int, reps: int, weeks: int, seed: int, give_back: float, policy: Policy) -> Program:
    """The whole program year, drawn from `seed` alone."""
    rng = random.Random(seed)
    # the most asked for first: the draw depends on the order, not on how the policy file is laid out
    asked_for = sorted((a for a in policy.activities.values() if a.demand), key=lambda a: -a.demand)
    if not asked_for:
        raise ValueError("the policy gives no activity a demand (activities.KEY.demand) to simulate")
    known = [a.key for a in asked_for]
    ranks = list(range(accounts))
    rng.shuffle(ranks)
    pull = [1 / (rank + 1) ** PULL for rank in ranks]
    advocates = tuple(
        tuple(_willing(rng, asked_for) for _ in range(rng.randint(1, 3))) for _ in range(accounts)
    )
    values = sorted(policy.values)
    requests: list[SimRequest] = []
    for week in range(weeks):
        monday = START + dt.timedelta(weeks=week)
        asking = [rep for rep in range(reps) if rng.random() < ASKS_PER_REP_WEEK]
        for rep in asking:
            activity = rng.choices(known, weights=[a.demand for a in asked_for])[0]
            able = [a for a in range(accounts) if any(activity in willing for willing in advocates[a])]
            # both drawn whatever the rate, so programs that differ only by --give-back ask alike
            value, gives = rng.choice(values), rng.random() < give_back
            requests.append(
                SimRequest(
                    number=len(requests),
                    week=week,
                    day=monday + dt.timedelta(days=rng.randrange(5)),
                    rep=rep,
                    activity=activity,
                    candidates=_favourites(rng, able, pull),
                    gives_back=value if gives else None,
                    give_after_days=rng.randint(7, 42),
                )
            )
    requests.sort(key=lambda r: (r.day, r.number))
    return Program(seed, accounts, reps, weeks, advocates, tuple(requests), give_back)


def _willing(rng: random.Random, asked_for: list[Activity]) -> frozenset[str]:
    """What one advocate is willing to do (at least the activity most asked for)."""
    willing = {a.key for a in asked_for if rng.random() < a.willing}
    return frozenset(willing or {asked_for[0].key})


def _favourites(rng: random.Random, able: list[int], pull: list[float]) -> tuple[int, ...]:
    """A weighted draw without replacement (Efraimidis–Spirakis): popular accounts come first."""
    keyed = [(rng.random() ** (1 / pull[account]), account) for account in able]
    return tuple(account for _, account in heapq.nlargest(CANDIDATES, keyed))


def fingerprint(requests: tuple[SimRequest, ...] | list[SimRequest]) -> str:
    digest = hashlib.sha256()
    for r in requests:
        digest.update(repr((r.number, r.day, r.rep, r.activity, r.candidates, r.gives_back)).encode())
    return digest.hexdigest()[:16]
