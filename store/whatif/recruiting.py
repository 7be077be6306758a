"""Recruiting in the synthetic program (`refdesk simulate`): the weekly gap job (flow 21) played
with practitioners' figures for how owners and contacts respond.

Each simulated Monday, as the app's `coverage-gaps` job does: the five activities whose requests
most often found nobody in the last 13 weeks are the gaps; the accounts the reps wanted for them
(their lists of favourites) are the accounts that fit; each of those where nobody can be asked now
is one owner's DM, at most once a week:

* an account that cannot afford the ask gets offers suggested first: its owner delivers one with
  the program's own give-back chance (`--give-back`), credited 1–6 weeks later like any give,
  at most once a quarter (an offer is an event with a few seats, not a weekly habit);
* any other account gets a nomination ask: its owner names someone with `nominate`'s chance, at
  most once a quarter, and the contact joins with `join`'s chance 1–3 weeks later, willing to do
  the gap's activity (and each other one with the policy's `willing` chance).

The draws come from a generator of their own, seeded from the program's seed, so a run with
recruiting plays the very same requests as the runs without.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from store.models import Advocate
from store.rules.checklist import checklist, is_blocked
from store.rules.facts import facts_for_accounts
from store.rules.policy import Policy
from store.whatif.synthetic import WEEKS_PER_QUARTER, SimRequest

#: the window the gap job reads, as the app's (`store.coverage.figures.DEFAULT_DAYS`: 90 days)
WINDOW_WEEKS = 13
#: how many gaps are named each week, as the app's
GAPS = 5


@dataclass(frozen=True)
class Recruiting:
    """How owners and contacts answer the gap job. The defaults are practitioners' figures:

    * `nominate` 0.5 — Point of Reference ("Nominations and reference requests: how many should
      you expect?") reckons about half of a CSM's accounts hold a potential advocate (the promoters
      and the satisfied among survey answers), and that a CSM asked can name at least one;
    * `per_owner` 1 — one name per account asked (the same source: "at least one", up to three
      across a CSM's whole book);
    * `join` 0.5 — Rally's reference program rebuild puts the bar for a well-matched ask at one
      yes in two ("below 50 % … your matching is wrong"); a personal invitation from the
      contact's own account owner is the well-matched case.
    """

    nominate: float = 0.5
    per_owner: int = 1
    join: float = 0.5
    #: the chance the owner of an account too low on equity delivers an offer the gap suggests;
    #: None: the program's own give-back chance (`--give-back`), as after an ask
    offer: float | None = None
    #: days from the ask to the contact joining: the owner decides within a week (reminded once
    #: after 7 days, flow 16), then the contact answers the e-mail
    join_days: tuple[int, int] = (7, 21)
    #: days from an offer taken to its credit, as gives after asks (`store.whatif.synthetic`)
    offer_days: tuple[int, int] = (7, 42)


@dataclass
class Recruiter:
    """The gap job's state across the simulated weeks."""

    params: Recruiting
    give_back: float
    seed: int
    rng: random.Random = field(init=False)
    #: (week, request) of the requests that found nobody, newest last
    failed: list[tuple[int, SimRequest]] = field(default_factory=list)
    #: (day, order, account number, activities) of contacts who will join
    joining: list[tuple[dt.date, int, int, frozenset[str]]] = field(default_factory=list)
    #: account number → the quarter its owner last nominated someone, or took an offer
    nominated: dict[int, int] = field(default_factory=dict)
    offered: dict[int, int] = field(default_factory=dict)
    recruited: int = 0
    offers_taken: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(f"recruiting:{self.seed}")

    def found_nobody(self, week: int, request: SimRequest) -> None:
        self.failed.append((week, request))

    def join(
        self,
        session: Session,
        monday: dt.date,
        account_ids: list[int],
        willing: dict[int, list[tuple[int, frozenset[str]]]],
    ) -> None:
        """The contacts whose day to join has come become advocates."""
        while self.joining and self.joining[0][0] <= monday:
            _, order, number, activities = heapq.heappop(self.joining)
            advocate = Advocate(
                account_id=account_ids[number],
                name=f"Recruit {number:04d}-{order}",
                person_key=f"recruit {number:04d}-{order}",
                activities=";".join(sorted(activities)),
            )
            session.add(advocate)
            session.flush()
            willing[account_ids[number]].append((advocate.id, activities))
            self.recruited += 1

    def ask_owners(
        self,
        session: Session,
        policy: Policy,
        week: int,
        monday: dt.date,
        account_ids: list[int],
        willing: dict[int, list[tuple[int, frozenset[str]]]],
        gives: list[tuple[dt.date, int, int, str]],
    ) -> None:
        """The week's gap job: each fitting account where nobody can be asked, once a week."""
        self.failed = [(w, r) for w, r in self.failed if w > week - WINDOW_WEEKS]
        gaps = Counter(r.activity for _, r in self.failed).most_common(GAPS)
        quarter = week // WEEKS_PER_QUARTER
        asked: set[int] = set()
        for activity_key, _ in sorted(gaps, key=lambda gap: (-gap[1], gap[0])):
            activity = policy.activity(activity_key)
            fitting = sorted({n for _, r in self.failed if r.activity == activity_key for n in r.candidates})
            ids = [account_ids[n] for n in fitting]
            people = [a for i in ids for a, acts in willing[i] if activity_key in acts]
            found = facts_for_accounts(
                session, policy, ids, monday, activity=activity_key, cost=activity.cost, advocate_ids=people
            )
            for number, account_id in zip(fitting, ids, strict=True):
                facts = found[account_id]
                if number in asked or any(
                    not is_blocked(checklist(policy, f)) for f in facts.advocates.values()
                ):
                    continue
                asked.add(number)
                if facts.account.balance < activity.cost:
                    self._offer(policy, number, account_id, quarter, monday, gives)
                else:
                    self._nominate(policy, number, quarter, monday, activity_key)

    def _offer(
        self,
        policy: Policy,
        number: int,
        account_id: int,
        quarter: int,
        monday: dt.date,
        gives: list[tuple[dt.date, int, int, str]],
    ) -> None:
        if self.offered.get(number) == quarter:
            return
        self.offered[number] = quarter
        chance = self.params.offer if self.params.offer is not None else self.give_back
        if self.rng.random() < chance:
            value = self.rng.choice(sorted(policy.values))
            due = monday + dt.timedelta(days=self.rng.randint(*self.params.offer_days))
            heapq.heappush(gives, (due, -1 - self.offers_taken, account_id, value))
            self.offers_taken += 1

    def _nominate(self, policy: Policy, number: int, quarter: int, monday: dt.date, activity: str) -> None:
        if self.nominated.get(number) == quarter:
            return
        self.nominated[number] = quarter
        if self.rng.random() >= self.params.nominate:
            return
        for _ in range(self.params.per_owner):
            if self.rng.random() < self.params.join:
                also = {
                    a.key for a in policy.activities.values() if a.demand and self.rng.random() < a.willing
                }
                day = monday + dt.timedelta(days=self.rng.randint(*self.params.join_days))
                order = len(self.joining) + self.recruited
                heapq.heappush(self.joining, (day, order, number, frozenset({activity} | also)))
