"""`refdesk simulate`: a synthetic program year run through the store and the checklist, three ways.

The program is generated first, whole, from a seed (`store.whatif.synthetic`). Then the same
requests are played on a temporary SQLite database, through the real ledger (`store.ledger`),
facts (`store.rules.facts`) and checklist (`store.rules.checklist`):

* with the policy: a rep asks the first account on their list with an advocate the checklist
  does not block (⛔), as find would steer them;
* with no ledger rules: the same, ignoring the rules the ledger drives (the balance floor and the
  advocates' rest and cap) — what a program without Reference Desk's ledger does;
* with the policy and recruiting: the policy, plus the weekly gap job asking owners to nominate
  advocates and suggesting offers where equity is low (`store.whatif.recruiting`).

A request that finds nobody waits: it is tried again each Monday until its needed-by date,
`PATIENCE_DAYS` after it was made; only then is it unfilled. A week is one transaction, so a year
is 52 commits.
"""

from __future__ import annotations

import datetime as dt
import heapq
import tempfile
from pathlib import Path

from sqlalchemy.orm import Session

from store import ledger
from store.db import Database
from store.deadlines import BATCH
from store.models import Account, Advocate, EntryKind, ReferenceRequest, RequestStatus
from store.rules.checklist import Verdict, checklist
from store.rules.facts import facts_for_accounts
from store.rules.policy import Policy
from store.whatif.figures import Ask, Outcome, figures
from store.whatif.recruiting import Recruiter, Recruiting
from store.whatif.synthetic import START, WEEKS_PER_QUARTER, Program, SimRequest, fingerprint

#: how long a request waits for someone to ask: a deal's needed-by date two weeks out (practitioners
#: hold that most requests should be filled within 48 hours; few deals can wait longer than this)
PATIENCE_DAYS = 14
#: what a run is called in the table and the chart
LABELS = {(False, False): "no ledger rules", (True, False): "policy", (True, True): "policy + recruiting"}


def run(
    program: Program,
    policy: Policy,
    *,
    ledger_rules: bool,
    recruiting: Recruiting | None = None,
    workdir: Path | None = None,
) -> Outcome:
    """Play the program on a fresh temporary SQLite database; the database is deleted afterwards."""
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'simulate.db'}", limits=BATCH)
        try:
            db.upgrade()
            recruiter = Recruiter(recruiting, program.give_back, program.seed) if recruiting else None
            return _play(db, program, policy, ledger_rules, recruiter)
        finally:
            db.dispose()


def _play(
    db: Database, program: Program, policy: Policy, ledger_rules: bool, recruiter: Recruiter | None
) -> Outcome:
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

    asks: list[Ask] = []
    unfilled = 0
    gives: list[tuple[dt.date, int, int, str]] = []  # due day, order, account id, value
    played: list[SimRequest] = []
    by_week: dict[int, list[SimRequest]] = {}
    for request in program.requests:
        by_week.setdefault(request.week, []).append(request)
    waiting: list[SimRequest] = []
    for week in range(program.weeks):
        monday = START + dt.timedelta(weeks=week)
        with db.transaction() as session:
            if recruiter is not None:
                recruiter.join(session, monday, account_ids, willing)
                recruiter.ask_owners(session, policy, week, monday, account_ids, willing, gives)
            fresh = by_week.get(week, [])
            played += fresh
            tries = [(request, monday) for request in waiting] + [(request, request.day) for request in fresh]
            waiting = []
            for request, day in tries:
                moment = dt.datetime.combine(day, dt.time(9), dt.UTC) + dt.timedelta(seconds=request.number)
                _give_back_due(session, policy, gives, day, moment)
                chosen = _choose(session, policy, request, day, account_ids, willing, ledger_rules)
                if chosen is None:
                    if recruiter is not None and day == request.day:
                        recruiter.found_nobody(week, request)
                    if monday + dt.timedelta(weeks=1) <= request.day + dt.timedelta(days=PATIENCE_DAYS):
                        waiting.append(request)
                    else:
                        unfilled += 1
                    continue
                account_number, advocate_id, balance = chosen
                cost = policy.activity(request.activity).cost
                _ask(session, request, day, account_ids[account_number], advocate_id, cost, moment)
                asks.append(
                    Ask(
                        account_number,
                        advocate_id,
                        week // WEEKS_PER_QUARTER,
                        balance - cost,
                        (day - request.day).days,
                    )
                )
                if request.gives_back:
                    due = request.day + dt.timedelta(days=request.give_after_days)
                    heapq.heappush(
                        gives, (due, request.number, account_ids[account_number], request.gives_back)
                    )
    unfilled += len(waiting)  # still waiting when the year ends
    label = LABELS[(ledger_rules, recruiter is not None)]
    return figures(
        label,
        program,
        asks,
        unfilled,
        fingerprint(played),
        recruited=recruiter.recruited if recruiter else 0,
        offers_taken=recruiter.offers_taken if recruiter else 0,
    )


def _give_back_due(
    session: Session,
    policy: Policy,
    gives: list[tuple[dt.date, int, int, str]],
    day: dt.date,
    moment: dt.datetime,
) -> None:
    """Post the gives whose day has come (after asks, and offers a gap suggested)."""
    while gives and gives[0][0] <= day:
        due, _, account_id, value = heapq.heappop(gives)
        ledger.post(
            session,
            account_id=account_id,
            kind=EntryKind.GIVE,
            amount=policy.value(value).credit,
            item=value,
            actor_id=f"U{account_id:08d}",
            now=moment,
            occurred_on=due,
        )


def _choose(
    session: Session,
    policy: Policy,
    request: SimRequest,
    day: dt.date,
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
        day,
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
    session: Session,
    request: SimRequest,
    day: dt.date,
    account_id: int,
    advocate_id: int,
    cost: int,
    moment: dt.datetime,
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
        occurred_on=day,
    )
