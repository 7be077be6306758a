"""`refdesk simulate`: a synthetic program year run through the store and the checklist, twice.

The program is generated first, whole, from a seed (`store.whatif.synthetic`). Then the
same requests are played twice on a temporary SQLite database, through the real ledger
(`store.ledger`), facts (`store.rules.facts`) and checklist (`store.rules.checklist`):

* with the policy: a rep asks the first account on their list with an advocate the checklist
  does not block (⛔), as find would steer them;
* with no ledger rules: the same, ignoring the rules the ledger drives (the balance floor and the
  advocates' rest and cap) — what a program without Reference Desk's ledger does.

A week is one transaction, so a year is 52 commits.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from store import ledger
from store.db import Database
from store.deadlines import BATCH
from store.models import Account, Advocate, EntryKind, ReferenceRequest, RequestStatus
from store.rules.checklist import Verdict, checklist
from store.rules.facts import facts_for_accounts
from store.rules.policy import Policy
from store.whatif.synthetic import START, WEEKS_PER_QUARTER, Program, SimRequest, fingerprint


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
    #: the requests this run played, fingerprinted: both runs of a program must show the same
    played: str = ""


def run(program: Program, policy: Policy, *, ledger_rules: bool, workdir: Path | None = None) -> Outcome:
    """Play the program on a fresh temporary SQLite database; the database is deleted afterwards."""
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'simulate.db'}", limits=BATCH)
        try:
            db.upgrade()
            return _play(db, program, policy, ledger_rules)
        finally:
            db.dispose()


def _play(db: Database, program: Program, policy: Policy, ledger_rules: bool) -> Outcome:
    start = dt.datetime.combine(START, dt.time(), dt.UTC)
    with db.transaction() as session:
        account_ids: list[int] = []
        willing: dict[int, list[tuple[int, frozenset[str]]]] = {}
        for number, people in enumerate(program.advocates):
            account = Account(
                name=f"Account {number:04d}",
                name_key=f"account {number:04d}",
                owner_slack_id=f"U{number + 1:08d}",
                created_at=start,
                updated_at=start,
            )
            session.add(account)
            session.flush()
            account_ids.append(account.id)
            for index, activities in enumerate(people):
                advocate = Advocate(
                    account_id=account.id,
                    name=f"Advocate {number:04d}-{index}",
                    person_key=f"advocate {number:04d}-{index}",
                    activities=";".join(sorted(activities)),
                )
                session.add(advocate)
                session.flush()
                willing.setdefault(account.id, []).append((advocate.id, activities))

    asks: list[tuple[int, int, int, int]] = []  # account number, advocate id, quarter, balance after
    no_eligible = 0
    gives: list[tuple[dt.date, int, int, str]] = []  # due day, request number, account id, value
    played: list[SimRequest] = []
    by_week: dict[int, list[SimRequest]] = {}
    for request in program.requests:
        by_week.setdefault(request.week, []).append(request)
    for week in range(program.weeks):
        with db.transaction() as session:
            for request in by_week.get(week, []):
                played.append(request)
                moment = dt.datetime.combine(request.day, dt.time(9), dt.UTC) + dt.timedelta(
                    seconds=request.number
                )
                while gives and gives[0][0] <= request.day:
                    day, _, account_id, value = heapq.heappop(gives)
                    ledger.post(
                        session,
                        account_id=account_id,
                        kind=EntryKind.GIVE,
                        amount=policy.value(value).credit,
                        item=value,
                        actor_id=f"U{account_id:08d}",
                        now=moment,
                        occurred_on=day,
                    )
                chosen = _choose(session, policy, request, account_ids, willing, ledger_rules)
                if chosen is None:
                    no_eligible += 1
                    continue
                account_number, advocate_id, balance = chosen
                cost = policy.activity(request.activity).cost
                _ask(session, request, account_ids[account_number], advocate_id, cost, moment)
                asks.append((account_number, advocate_id, request.week // WEEKS_PER_QUARTER, balance - cost))
                if request.gives_back:
                    due = request.day + dt.timedelta(days=request.give_after_days)
                    heapq.heappush(
                        gives, (due, request.number, account_ids[account_number], request.gives_back)
                    )
    label = "policy" if ledger_rules else "no ledger rules"
    return _figures(label, program, asks, no_eligible, fingerprint(played))


def _choose(
    session: Session,
    policy: Policy,
    request: SimRequest,
    account_ids: list[int],
    willing: dict[int, list[tuple[int, frozenset[str]]]],
    ledger_rules: bool,
) -> tuple[int, int, int] | None:
    """The first account on the rep's list with an advocate the checklist lets them ask:
    (account number, advocate id, balance before the ask), or None."""
    ids = [account_ids[number] for number in request.candidates]
    people = [a for account_id in ids for a, acts in willing[account_id] if request.activity in acts]
    found = facts_for_accounts(
        session,
        policy,
        ids,
        request.day,
        activity=request.activity,
        cost=policy.activity(request.activity).cost,
        advocate_ids=people,
    )
    for number, account_id in zip(request.candidates, ids, strict=True):
        for advocate_id, facts in sorted(found[account_id].advocates.items()):
            blocking = [
                result.rule
                for result in checklist(policy, facts)
                if result.verdict is Verdict.BLOCKING and (ledger_rules or not result.rule.ledger)
            ]
            if not blocking:
                return number, advocate_id, facts.balance
    return None


def _ask(
    session: Session, request: SimRequest, account_id: int, advocate_id: int, cost: int, moment: dt.datetime
) -> None:
    """The request, approved, and its debit: what `store.requests.deciding.decide` leaves behind."""
    row = ReferenceRequest(
        account_id=account_id,
        advocate_id=advocate_id,
        requester_id=f"R{request.rep:08d}",
        activity=request.activity,
        cost=cost,
        status=RequestStatus.APPROVED,
        decided_by="simulation",
        decided_at=moment,
        created_at=moment,
    )
    session.add(row)
    session.flush()
    ledger.post(
        session,
        account_id=account_id,
        advocate_id=advocate_id,
        kind=EntryKind.ASK,
        amount=-cost,
        item=request.activity,
        request_id=row.id,
        actor_id="simulation",
        now=moment,
        occurred_on=request.day,
    )


def _figures(
    label: str, program: Program, asks: list[tuple[int, int, int, int]], no_eligible: int, played: str
) -> Outcome:
    per_account = [0] * program.accounts
    per_advocate_quarter: dict[tuple[int, int], int] = {}
    for account_number, advocate_id, quarter, _ in asks:
        per_account[account_number] += 1
        key = (advocate_id, quarter)
        per_advocate_quarter[key] = per_advocate_quarter.get(key, 0) + 1
    loads = sorted(per_advocate_quarter.values())
    total = len(asks)
    top = sorted(per_account, reverse=True)[: max(1, math.ceil(program.accounts / 10))]
    return Outcome(
        label=label,
        asks=total,
        no_eligible=no_eligible,
        max_per_advocate_quarter=loads[-1] if loads else 0,
        p95_per_advocate_quarter=_percentile(loads, 95),
        top_decile_share=sum(top) / total if total else 0.0,
        gini=gini(per_account),
        debt_share=sum(1 for *_, after in asks if after < 0) / total if total else 0.0,
        per_account=tuple(per_account),
        per_advocate_quarter=tuple(loads),
        played=played,
    )


def _percentile(sorted_values: list[int], percent: int) -> float:
    """Nearest-rank percentile: a value that occurred, as a reader checks it against the data."""
    if not sorted_values:
        return 0.0
    rank = math.ceil(percent / 100 * len(sorted_values))
    return float(sorted_values[max(rank, 1) - 1])


def gini(values: list[int]) -> float:
    """0 when every account is asked alike, towards 1 when one account gets every ask."""
    total = sum(values)
    if not total:
        return 0.0
    ordered = sorted(values)
    n = len(ordered)
    weighted = sum((index + 1) * value for index, value in enumerate(ordered))
    return (2 * weighted) / (n * total) - (n + 1) / n
