"""Reference Desk benchmark: is the app fast at program scale? Prints a table; not a test.

    .venv/bin/python bench/run.py [--quick] [--backend sqlite|postgresql|both]

Per backend it bulk-seeds a program (10,000 accounts, 50,000 advocates, 1,000,000 ledger entries,
100,000 requests; `--quick` a tenth), then measures, over loopback HTTP with Slack-signed requests
to the real `refdesk serve` process (alone, or `--no-worker` beside a real `refdesk worker`), the
time until Slack gets its answer (the ack, what Slack's 3-second limit is about) of:

    /reference (open the modal) · the account search (type-ahead options) · a modal submit ·
    /reference find · an Approve click · the advocate picker's submit

beside a bare Bolt app that only acks the same payloads (`bench.bare_bolt`: the same WSGI app and
server, in a process of its own too), in the same run; and the digest build beside hand-written
SQL computing the same figures. Slack's Web API is a stub on loopback, in a process of its own,
that answers ok (so the work after the ack really calls out). The benchmark's own process seeds,
sets up and posts; it shares no interpreter with what it times. Each process's peak memory is
reported. Everything is bounded: fixed iteration counts and a time limit per measurement.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import bindparam, insert, text  # noqa: E402

from bench.logs import first_error, log_summary  # noqa: E402
from bench.processes import peak_rss_mib  # noqa: E402
from bot.app import build_desk  # noqa: E402
from bot.clock import system_clock  # noqa: E402
from bot.jobs.registry import JOBS  # noqa: E402
from bot.settings import Settings, load_settings  # noqa: E402
from handlers.kit.desk import Desk  # noqa: E402
from handlers.outbox.sender import deliver  # noqa: E402
from store.db import Database  # noqa: E402
from store.deadlines import BATCH  # noqa: E402
from store.digest.weekly import build_digest  # noqa: E402
from store.giveback import social_capital  # noqa: E402
from store.ledger import kept  # noqa: E402
from store.models import (  # noqa: E402
    Account,
    Advocate,
    LedgerEntry,
    ReferenceRequest,
    new_public_id,
    normalize,
)
from store.outbox import listing as deliveries  # noqa: E402
from store.periods import Period  # noqa: E402
from store.requests import asking, cards  # noqa: E402
from store.requests.asking import Draft  # noqa: E402
from store.rules.policy import load_policy  # noqa: E402
from tests.support.payloads import (  # noqa: E402
    block_actions,
    block_suggestion,
    select,
    view_submission,
)
from tests.support.payloads import text as text_input  # noqa: E402
from tests.support.postgres import create_database, postgres_server  # noqa: E402
from tests.support.server import RefdeskServer, RefdeskWorker, refdesk_env  # noqa: E402
from tests.support.signing import interaction_body, signed_headers, slash_command_body  # noqa: E402

SECRET = "bench-signing-secret"
INDUSTRIES = ["Fintech", "Healthcare", "Retail", "Manufacturing", "Media", "Energy", "Logistics", "Insurance"]
REGIONS = ["EMEA", "NA", "APAC", "LATAM"]
SEGMENTS = ["Enterprise", "Mid-market", "SMB"]
PRODUCTS = ["Payments", "Risk", "Analytics", "Identity", "Billing"]
ACTIVITIES = ["logo", "quote", "reference_call", "case_study", "webinar", "review"]
TIME_LIMIT = 90.0  # seconds per measurement, whatever the iteration count
#: `--check` fails an interaction whose median ack is over this many times the bare app's, and a
#: find whose median is over this many seconds. A guard against regressions, not the targets:
#: healthy medians at the quick size have reached × 6.4 (the picker beside a worker, here) and
#: × 6.2 (a one-process submit, on CI's machine), so × 5 tripped on noise; issue 26's
#: regression was × 25 to × 146
CHECK_RATIO = 12.0
CHECK_FIND = 1.0
#: what the benchmark's requester asks for
ACTIVITY = "logo"
#: what sellers type after `/reference find`: a few hundred accounts match the narrowest, every
#: account the widest ("account"), and "logo" alone is every account with someone willing
FIND_WORDS = (
    "fintech case study",
    "healthcare logo",
    "retail emea",
    "payments enterprise",
    "energy webinar",
    "account",
    "logo",
)
#: the scheduled jobs' settings (REFDESK_…_CRON), each held off while the benchmark runs
CRON_SETTINGS = [job.cron_variable for job in JOBS.values()]
#: the topologies measured: `serve` alone, or `serve --no-worker` beside `refdesk worker`
ONE, SPLIT = "one-process", "serve+worker"
#: the issue's targets: every interaction's p99 within this many times the bare app's; the ack of
#: open and Approve below Bolt's own 10 ms floor; find, whatever the words match
P99_RATIO = 1.5
FLOOR_P50 = {"open": 0.004, "approve": 0.004}
FIND_P50, FIND_P99 = 0.100, 0.300


@dataclass(frozen=True)
class Sizes:
    accounts: int
    advocates: int
    ledger: int
    requests: int
    iterations: int
    digest_runs: int


FULL = Sizes(10_000, 50_000, 1_000_000, 100_000, 400, 7)
QUICK = Sizes(1_000, 5_000, 100_000, 10_000, 150, 5)


# --------------------------------------------------------------------------- seeding


def _rows(sizes: Sizes, now: dt.datetime) -> dict[str, tuple[list[str], Iterator[tuple[Any, ...]]]]:
    rng = random.Random(42)
    today = now.date()

    def accounts() -> Iterator[tuple[Any, ...]]:
        for i in range(1, sizes.accounts + 1):
            name = f"Account {i:05d} {rng.choice(['Corp', 'Inc', 'Group', 'Labs'])}"
            industry = rng.choice(INDUSTRIES)
            status = "paused" if i % 50 == 0 else "active"
            products = ";".join(rng.sample(PRODUCTS, 2))
            segment, region = rng.choice(SEGMENTS), rng.choice(REGIONS)
            yield (
                i,
                name,
                normalize(name),
                industry,
                normalize(industry),
                segment,
                normalize(segment),
                region,
                normalize(region),
                products,
                normalize(products),
                f"CRM-{i}",
                normalize(f"CRM-{i}"),
                f"U{i % 400:08d}",
                status,
                now,
                now,
            )

    def advocates() -> Iterator[tuple[Any, ...]]:
        for i in range(1, sizes.advocates + 1):
            account = (i - 1) % sizes.accounts + 1
            yield (
                i,
                account,
                f"Person {i}",
                f"p{i}@example.com",
                "VP",
                f"p{i}@example.com",
                ";".join(rng.sample(ACTIVITIES, 3)),
                new_public_id(),
            )

    def requests() -> Iterator[tuple[Any, ...]]:
        for i in range(1, sizes.requests + 1):
            created = now - dt.timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
            status = rng.choices(
                ["approved", "declined", "cancelled", "done", "pending"], [40, 20, 10, 29, 1]
            )[0]
            decided = None if status == "pending" else created + dt.timedelta(minutes=rng.randrange(10, 4000))
            account = rng.randrange(1, sizes.accounts + 1)
            yield (
                i,
                account,
                f"U{rng.randrange(300):08d}",
                "reference_call",
                3,
                "Opp",
                rng.randrange(1000, 500000),
                status,
                f"U{account % 400:08d}",
                decided and "U00000001",
                decided,
                created,
                "Banking",
                "",
                new_public_id(),
            )

    per_account = max(1, sizes.advocates // sizes.accounts)

    def ledger() -> Iterator[tuple[Any, ...]]:
        for _ in range(sizes.ledger):
            kind = rng.choices(["ask", "give", "adjustment"], [50, 48, 2])[0]
            amount = -rng.choice([1, 2, 3, 5]) if kind == "ask" else rng.choice([2, 3, 4, 5])
            on = today - dt.timedelta(days=rng.randrange(730))
            account = rng.randrange(1, sizes.accounts + 1)
            # since approvals name the person asked, an ask names one of the account's advocates
            asked = account + rng.randrange(per_account) * sizes.accounts if kind == "ask" else None
            yield (
                account,
                asked,
                kind,
                amount,
                "x",
                f"U{rng.randrange(400):08d}",
                on,
                "",
                "seed" if kind == "adjustment" else None,
                now,
            )

    return {
        "accounts": (
            [
                "id",
                "name",
                "name_key",
                "industry",
                "industry_key",
                "segment",
                "segment_key",
                "region",
                "region_key",
                "products",
                "products_key",
                "crm_id",
                "crm_key",
                "owner_slack_id",
                "status",
                "created_at",
                "updated_at",
            ],
            accounts(),
        ),
        "advocates": (
            ["id", "account_id", "name", "person_key", "title", "email", "activities", "public_id"],
            advocates(),
        ),
        "reference_requests": (
            [
                "id",
                "account_id",
                "requester_id",
                "activity",
                "cost",
                "opportunity_name",
                "amount",
                "status",
                "decider_id",
                "decided_by",
                "decided_at",
                "created_at",
                "prospect_industry",
                "context",
                "public_id",
            ],
            requests(),
        ),
        "ledger_entries": (
            [
                "account_id",
                "advocate_id",
                "kind",
                "amount",
                "item",
                "actor_id",
                "occurred_on",
                "note",
                "reason",
                "created_at",
            ],
            ledger(),
        ),
    }


TABLES = {
    "accounts": Account.__table__,
    "advocates": Advocate.__table__,
    "reference_requests": ReferenceRequest.__table__,
    "ledger_entries": LedgerEntry.__table__,
}


def seed(db: Database, sizes: Sizes, now: dt.datetime) -> float:
    """Bulk-load the program: PostgreSQL COPY, SQLite executemany in one transaction per table."""
    started = time.perf_counter()
    for table, (columns, rows) in _rows(sizes, now).items():
        if db.dialect == "postgresql":
            raw = db.engine.raw_connection()
            try:
                cursor = raw.cursor()
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]  # psycopg's cursor, typed as a DBAPI one
                    for row in rows:
                        copy.write_row(row)
                if "id" in columns:
                    sequence = f"pg_get_serial_sequence('{table}', 'id')"
                    reset = f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))"  # noqa: S608
                    cursor.execute(reset)
                raw.commit()
            finally:
                raw.close()
        else:
            statement = insert(TABLES[table])
            with db.engine.begin() as connection:
                batch: list[dict[str, Any]] = []
                for row in rows:
                    batch.append(dict(zip(columns, row, strict=True)))
                    if len(batch) == 50_000:
                        connection.execute(statement, batch)
                        batch = []
                if batch:
                    connection.execute(statement, batch)
    kept.rebuild(db)  # the entries were loaded around `ledger.post`: keep their sums as it would
    # and count the asks of today's window, as the scheduler's `asks-window` job does at start
    # (the benchmarks run without the scheduler; the program's time zone is UTC)
    kept.roll(db, social_capital.since(now.astimezone(dt.UTC).date()))
    # a program that has lived is vacuumed (PostgreSQL's autovacuum follows every bulk insert):
    # without it the index-only sums of find (`ledger.asked_in_window`) read the table's pages
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with db.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    return time.perf_counter() - started


# --------------------------------------------------------------------------- Slack stub and servers


class Loopback:
    """`python -m MODULE ARGS…` in a process of its own, on loopback: it prints the port it listens
    on, then serves until its stdin closes (`close()`)."""

    def __init__(self, module: str, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            env=refdesk_env({}),  # as the app's: nothing inherited that would run it differently
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        port = self.process.stdout.readline().strip()
        if not port.isdigit():
            self.close()
            raise RuntimeError(f"{module} did not start")
        self.port = int(port)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def slack_stub() -> tuple[Loopback, str]:
    """`bench.slack_stub` (Slack never shares the app's interpreter) and its Web API's URL."""
    stub = Loopback("bench.slack_stub")
    return stub, f"http://127.0.0.1:{stub.port}/api/"


def post(url: str, body: str) -> float:
    request = urllib.request.Request(
        url, data=body.encode(), method="POST", headers=signed_headers(SECRET, body)
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}")
    return time.perf_counter() - started


# --------------------------------------------------------------------------- measurements


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def measure(url: str, bodies: Callable[[int], str], iterations: int) -> list[float]:
    """Up to `iterations` timed posts after a warm-up; fewer when time runs out or `bodies` has
    nothing more to send (StopIteration: the requests waiting for approval ran out)."""
    samples = []
    deadline = time.monotonic() + TIME_LIMIT
    try:
        for i in range(min(20, iterations)):  # warm-up: connection pools, statement caches
            post(url, bodies(10_000_000 + i))
        for i in range(iterations):
            if time.monotonic() > deadline:
                break
            samples.append(post(url, bodies(i)))
    except StopIteration:
        pass
    return samples


def willing_advocates(db: Database, today: dt.date) -> dict[int, int]:
    """Per account, an advocate willing to do the benchmark's activity whom the rules let us ask
    (not asked in the rest period, under the cap), so a request naming them can be approved."""
    rest, window = today - dt.timedelta(days=30), today - dt.timedelta(days=180)
    willing: dict[int, int] = {}
    with db.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT v.id, v.account_id, v.activities, "
                "(SELECT count(*) FROM ledger_entries l WHERE l.advocate_id = v.id AND l.kind = 'ask' "
                "AND l.occurred_on >= :window), "
                "(SELECT max(l.occurred_on) FROM ledger_entries l WHERE l.advocate_id = v.id "
                "AND l.kind = 'ask') FROM advocates v ORDER BY v.id"
            ),
            {"window": window},
        )
        for advocate_id, account_id, activities, asks, last in rows:
            last_on = dt.date.fromisoformat(last) if isinstance(last, str) else last
            rested = last_on is None or last_on < rest
            if ACTIVITY in str(activities).split(";") and asks < 3 and rested:
                willing.setdefault(int(account_id), int(advocate_id))
    return willing


def payload_makers(
    sizes: Sizes, requester: str, willing: dict[int, int], run: str
) -> dict[str, Callable[[int], str]]:
    """The payloads of each interaction, the i-th each time. A submit's view id is unique to the
    `run` (one topology on one database): the same view submitted again is the same request, which
    the app answers without saving anything, so a later topology on the same database would time
    duplicates."""
    rng = random.Random(7)
    view = {"id": "V0", "type": "modal", "callback_id": "request_modal", "private_metadata": "", "blocks": []}

    def open_modal(i: int) -> str:
        return slash_command_body("", user_id=requester, trigger_id=f"t{i}")

    def search(i: int) -> str:
        return interaction_body(
            block_suggestion(requester, "account", f"account {rng.randrange(sizes.accounts):05d}"[:12], view)
        )

    def submit(i: int) -> str:
        account = rng.randrange(1, sizes.accounts + 1)
        values = {
            "account": {"account": select(str(account))},
            "activity": {"activity": select(ACTIVITY)},
            "opportunity_name": {"value": text_input("Bench deal")},
            "amount": {"value": text_input("1000")},
        }
        if i % 2 == 0 and account in willing:  # half name the advocate; Approve asks whom for the rest
            values["advocate"] = {"advocate": select(str(willing[account]))}
        return interaction_body(view_submission(requester, {**view, "id": f"VBENCH-{run}-{i}"}, values))

    def find(i: int) -> str:
        return slash_command_body(f"find {FIND_WORDS[i % len(FIND_WORDS)]}", user_id=requester)

    return {"open": open_modal, "search": search, "submit": submit, "find": find}


def saved_submits(db: Database, run: str) -> int:
    """The requests this run's submits saved (each view id once)."""
    with db.engine.connect() as connection:
        return connection.execute(
            sa.select(sa.func.count())
            .select_from(ReferenceRequest)
            .where(ReferenceRequest.source_key.like(f"view:VBENCH-{run}-%"))
        ).scalar_one()


#: how long the clicks' pending requests stay unchanged before their decisions count as done
QUIET = 1.0


def drain(db: Database, limit: float = 120.0) -> float:
    """Wait (bounded) until the work Bolt runs after each ack has sent everything it owed.

    The acks above are what Slack waits for; this is the backlog behind them, reported too.
    """
    started = time.monotonic()
    while time.monotonic() - started < limit:
        owed = deliveries.count_by_status(db)
        if not owed.get("pending") and not owed.get("sending"):
            return time.monotonic() - started
        time.sleep(0.2)
    left = deliveries.not_sent(db, limit=5)
    examples = "; ".join(f"{d.key} ({d.status}, due {d.due_at:%H:%M:%S}, {d.last_error})" for d in left)
    print(f"still owed after {limit:g} s: {owed}, e.g. {examples}")
    return time.monotonic() - started


def pending_for_approval(db: Database, limit: int, *, named: bool) -> list[tuple[int, str]]:
    """The benchmark's own requests still pending on an active account in credit, naming their
    advocate (`named`: Approve approves) or not (Approve asks the owner whom to ask)."""
    with db.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT r.id, a.owner_slack_id FROM reference_requests r "
                "JOIN accounts a ON a.id = r.account_id "
                "WHERE r.status = 'pending' AND a.status = 'active' AND r.activity = :activity "
                "AND (r.advocate_id IS NOT NULL) = :named "
                "AND (SELECT COALESCE(SUM(l.amount), 0) FROM ledger_entries l "
                "WHERE l.account_id = a.id) >= 0 "
                "ORDER BY r.id DESC LIMIT :n"
            ),
            {"n": limit, "activity": ACTIVITY, "named": named},
        ).all()
    return [(int(r[0]), str(r[1])) for r in rows]


def ask_for_approval(desk: Desk, willing: dict[int, int], count: int, *, named: bool, label: str) -> None:
    """`count` new requests waiting for their owner (set-up, not timed), naming an advocate whom
    the rules let us ask (`named`) or nobody, each at its own account; their DMs are sent."""
    rng = random.Random(11 if named else 12)
    for i, account in enumerate(rng.sample(sorted(willing), min(count, len(willing)))):
        draft = Draft(account_id=account, activity=ACTIVITY, advocate_id=willing[account] if named else None)
        submitted = asking.submit(
            desk.db, desk.policy, draft, desk.act("U00000008"), source_key=f"bench:{label}:{named}:{i}"
        )
        deliver(desk, list(submitted.delivery_keys))


def decided(db: Database, request_ids: list[int], limit: float = 120.0) -> float:
    """Wait (bounded) until the decisions of these clicks are done: they run after their acks,
    one at a time (`handlers.kit.later`), so they can trail the last click. A click that is
    refused leaves its request pending: done is when the pending ones stop changing for `QUIET`
    (at 10–50 ms a decision, longer than any gap between two); the seconds until the last change."""
    query = text(
        "SELECT count(*) FROM reference_requests WHERE status = 'pending' AND id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    started = time.monotonic()
    last, changed = None, started
    while request_ids and time.monotonic() - started < limit:
        with db.engine.connect() as connection:
            pending = connection.execute(query, {"ids": request_ids}).scalar()
        now = time.monotonic()
        if pending != last:
            last, changed = pending, now
        elif not pending or now - changed >= QUIET:
            break
        time.sleep(0.05)
    return changed - started


def approved_count(db: Database, request_ids: list[int]) -> int:
    if not request_ids:
        return 0
    query = text(
        "SELECT count(*) FROM reference_requests WHERE status = 'approved' AND id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    with db.engine.connect() as connection:
        return int(connection.execute(query, {"ids": request_ids}).scalar() or 0)


RAW_SQL = {
    "counts": """
        SELECT
          SUM(CASE WHEN created_at >= :s AND created_at < :e THEN 1 ELSE 0 END),
          SUM(CASE WHEN decided_at >= :s AND decided_at < :e
               AND status IN ('approved','done','fell_through') THEN 1 ELSE 0 END),
          SUM(CASE WHEN decided_at >= :s AND decided_at < :e AND status = 'declined' THEN 1 ELSE 0 END),
          SUM(CASE WHEN decided_at >= :s AND decided_at < :e AND status = 'cancelled' THEN 1 ELSE 0 END),
          SUM(CASE WHEN decided_at >= :s AND decided_at < :e
               AND status IN ('approved','done','fell_through') THEN amount ELSE 0 END)
        FROM reference_requests
        WHERE (created_at >= :s AND created_at < :e) OR (decided_at >= :s AND decided_at < :e)""",
    "pending": """SELECT r.id, a.name, r.requester_id, r.decider_id, r.created_at
        FROM reference_requests r
        JOIN accounts a ON a.id = r.account_id WHERE r.status = 'pending' ORDER BY r.created_at, r.id""",
    "durations": """SELECT created_at, decided_at FROM reference_requests
        WHERE decided_at >= :s AND decided_at < :e
        AND status IN ('approved','done','fell_through','declined')""",
    "low": """SELECT a.id, a.name, a.owner_slack_id, t.total FROM accounts a JOIN
        (SELECT account_id, SUM(amount) AS total FROM ledger_entries
         GROUP BY account_id HAVING SUM(amount) + :o <= 1) t
        ON t.account_id = a.id ORDER BY t.total, a.name_key""",
    "gives": """SELECT actor_id, SUM(amount), COUNT(*) FROM ledger_entries WHERE kind = 'give'
        AND occurred_on >= :ds AND occurred_on <= :de GROUP BY actor_id""",
}


def _moment(value: Any) -> dt.datetime:
    """SQLite hands back datetimes as text; PostgreSQL as datetimes."""
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def raw_digest(db: Database, period: Period, opening: int) -> tuple[Any, ...]:
    s, e = period.starts_at, period.ends_at
    if db.dialect == "sqlite":  # the app's UtcDateTime stores naive UTC text on SQLite
        s, e = s.replace(tzinfo=None), e.replace(tzinfo=None)
    with db.engine.connect() as c:
        counts = c.execute(text(RAW_SQL["counts"]), {"s": s, "e": e}).one()
        pending = c.execute(text(RAW_SQL["pending"])).all()
        waits = [
            _moment(d) - _moment(cr) for cr, d in c.execute(text(RAW_SQL["durations"]), {"s": s, "e": e})
        ]
        low = c.execute(text(RAW_SQL["low"]), {"o": opening}).all()
        gives = c.execute(text(RAW_SQL["gives"]), {"ds": period.start, "de": period.end}).all()
    return (
        counts,
        len(pending),
        statistics.median(waits) if waits else None,
        len(low),
        sum(int(g[1]) for g in gives),
    )


def timed_pair(
    first: Callable[[], Any], second: Callable[[], Any], runs: int
) -> tuple[list[float], list[float]]:
    """Time two functions alternately, so neither gets a quieter machine or warmer caches."""
    first(), second()
    a: list[float] = []
    b: list[float] = []
    for _ in range(runs):
        for function, samples in ((first, a), (second, b)):
            started = time.perf_counter()
            function()
            samples.append(time.perf_counter() - started)
    return a, b


# --------------------------------------------------------------------------- one backend


def judge(name: str, ours: list[float], bare: list[float]) -> tuple[list[str], list[str], str | None]:
    """One interaction's row of the table, the targets it misses, and what fails `--check`.

    Find is held to its own figures (it answers in its ack, a search over the whole program);
    every other interaction to the bare app's, and open and Approve to below Bolt's floor.
    """
    p50, p99 = percentiles(ours)
    b50, b99 = percentiles(bare)
    missed: list[str] = []
    if name == "find":
        target = f"p50 ≤{FIND_P50 * 1000:.0f} / p99 ≤{FIND_P99 * 1000:.0f} ms"
        if p50 > FIND_P50 or p99 > FIND_P99:
            missed.append(f"p50 {p50 * 1000:.0f} / p99 {p99 * 1000:.0f} ms against {target}")
        problem = f"median {p50 * 1000:.0f} ms" if p50 > CHECK_FIND else None
    else:
        target = f"p99 ×{p99 / b99:.2f} (≤{P99_RATIO:g})"
        if p99 > P99_RATIO * b99:
            missed.append(f"p99 ×{p99 / b99:.2f} the bare app's")
        if name in FLOOR_P50:
            target += f", p50 ≤{FLOOR_P50[name] * 1000:g} ms"
            if p50 > FLOOR_P50[name]:
                missed.append(f"p50 {p50 * 1000:.1f} ms against ≤{FLOOR_P50[name] * 1000:g}")
        problem = f"median ×{p50 / b50:.1f} the bare app's" if p50 > CHECK_RATIO * b50 else None
    row = [
        f"handler: {name}",
        f"n={len(ours)}",
        f"{p50 * 1000:.2f} ms",
        f"{p99 * 1000:.2f} ms",
        f"bare {b50 * 1000:.2f} / {b99 * 1000:.2f} ms",
        target,
    ]
    return row, missed, problem


def bench_backend(
    url: str,
    sizes: Sizes,
    out: list[list[str]],
    label: str,
    problems: list[str],
    targets: list[str],
    topologies: tuple[str, ...],
) -> None:
    now = system_clock()
    db = Database(url, limits=BATCH)
    db.upgrade()
    seconds = seed(db, sizes, now)
    out.append(
        [
            label,
            "seed",
            f"{sizes.accounts:,} acc / {sizes.advocates:,} adv / {sizes.ledger:,} ledger / "
            f"{sizes.requests:,} req",
            f"{seconds:.1f} s",
            "",
            "",
            "",
        ]
    )
    try:
        for topology in topologies:
            bench_topology(db, url, sizes, now, out, (label, topology), problems, targets)
        bench_digest(db, sizes, now, out, label)
    finally:
        db.dispose()


@contextmanager
def topology_processes(
    url: str, stub_url: str, topology: str, problems: list[str], out: list[list[str]], label: str
) -> Iterator[str]:
    """The real `refdesk serve` in `topology`, and its Slack endpoint's URL: "one process" sends
    what it owes itself; "serve + worker" (`serve --no-worker`) only acks and enqueues, a real
    `refdesk worker` sends. On the way out each process's peak memory goes into the table and what
    went wrong in its log is printed (an ERROR, or a process that died, fails `--check`)."""
    env = {
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": stub_url,
        "DATABASE_URL": url,
        "REFDESK_ADMINS": "U0ADMIN01",
        # Slack's rate limits are paced in production; the stub has none, so pacing would only
        # measure sleeps
        "REFDESK_POST_RATE": "0",
        # the scheduler runs, as in production, for its delivery pass (what a send handed back is
        # retried by); its jobs are due on New Year's night, never during a run
        **dict.fromkeys(CRON_SETTINGS, "0 3 1 1 *"),
    }
    split = topology == SPLIT
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="refdesk-bench-")))
        processes: list[tuple[str, RefdeskServer | RefdeskWorker]] = []
        # on the way out, in this order: the peaks and who died, the stops, then the logs (the
        # stop's drain logs too), before the temporary directory goes
        stack.callback(read_logs, processes, label, problems)
        server = RefdeskServer(env, workdir, SECRET, extra_args=["--no-worker"] if split else [])
        stack.callback(server.stop)
        processes.append(("serve", server.start(timeout=60)))
        if split:
            worker = RefdeskWorker(env, workdir)
            stack.callback(worker.stop)
            processes.append(("worker", worker.start(timeout=60)))
        stack.callback(read_peaks, processes, label, problems, out)
        started_jobs(processes[-1][1])
        yield server.url + "/slack/events"


#: what the scheduler's one job at start logs when done (`bot.jobs.registry.asks_window`, a pass
#: over every account)
AT_START_DONE = "counted afresh"


def started_jobs(process: RefdeskServer | RefdeskWorker, limit: float = 120.0) -> None:
    """Wait (bounded) until the process running the scheduler has run its job at start: it is
    what a process does once when it starts, not what an ack costs, and the first timings ran
    beside it."""
    deadline = time.monotonic() + limit
    while AT_START_DONE not in process.log():
        if time.monotonic() > deadline:
            print(f"the job at start had not finished after {limit:g} s: timing anyway")
            return
        time.sleep(0.2)


def read_peaks(
    processes: list[tuple[str, RefdeskServer | RefdeskWorker]],
    label: str,
    problems: list[str],
    out: list[list[str]],
) -> None:
    """Each process's peak memory into the table, while it runs; one that exited before the end
    of the run is a problem (serve would go on acking with nothing sent behind it)."""
    for name, process in processes:
        assert process.process is not None
        code = process.process.poll()
        if code is not None:
            problems.append(f"{label} {name}: exited during the run ({code})")
            continue
        peak_row(out, label, name, process.process.pid)


def peak_row(out: list[list[str]], label: str, name: str, pid: int) -> None:
    out.append([label, f"peak RSS of {name}", "", f"{peak_rss_mib(pid):.0f} MiB", "", "", ""])


def read_logs(
    processes: list[tuple[str, RefdeskServer | RefdeskWorker]], label: str, problems: list[str]
) -> None:
    """Each process's warnings and errors, printed once it has stopped; an ERROR line or an
    uncaught exception (a bug) counts as a problem.

    A lock timeout or the sender's turn not given does not: clicks sent back to back, as here,
    keep SQLite's one write lock and one process's sending threads busy far beyond what people do
    (the burst checks that), and what a sender could not claim or record is sent by a later pass,
    looking in Slack first."""
    for name, process in processes:
        log = process.log()
        print(f"{label} {name} log: {log_summary(log)}")
        if error := first_error(log):
            print(error)
            problems.append(f"{label} {name}: ERROR in the log")


def bench_topology(
    db: Database,
    url: str,
    sizes: Sizes,
    now: dt.datetime,
    out: list[list[str]],
    backend_topology: tuple[str, str],
    problems: list[str],
    targets: list[str],
) -> None:
    """Every interaction's ack beside the bare app's, with the app in one topology; the app, the
    bare app, Slack's stub and this client each in a process of its own."""
    label = " ".join(backend_topology)
    with ExitStack() as stack:
        stub, stub_url = slack_stub()
        stack.callback(stub.close)
        bare = Loopback("bench.bare_bolt", stub_url, SECRET, url)
        stack.callback(bare.close)
        stack.callback(peak_row, out, label, "the bare app", bare.process.pid)
        app_url = stack.enter_context(
            topology_processes(url, stub_url, backend_topology[1], problems, out, label)
        )
        # the set-up's own desk: it submits the requests waiting for approval and sends their DMs
        desk = build_desk(bench_settings(url, stub_url), db, worker_sends=True)
        bare_url = f"http://127.0.0.1:{bare.port}/slack/events"
        results = measure_all(db, desk, sizes, now, app_url, bare_url, out, label, problems)
    for name, (ours, bare_samples) in results.items():
        row, missed, problem = judge(name, ours, bare_samples)
        out.append([label, *row])
        targets.extend(f"{label} {name}: {what}" for what in missed)
        if problem:
            problems.append(f"{label} {name}: {problem}")


def bench_settings(url: str, stub_url: str) -> Settings:
    return load_settings(
        slack_bot_token="xoxb-bench",
        slack_signing_secret=SECRET,
        slack_api_url=stub_url,
        database_url=url,
        admins=["U0ADMIN01"],
        scheduler_enabled=False,
        post_rate=0,
    )


def measure_all(
    db: Database,
    desk: Desk,
    sizes: Sizes,
    now: dt.datetime,
    app_url: str,
    bare_url: str,
    out: list[list[str]],
    label: str,
    problems: list[str],
) -> dict[str, tuple[list[float], list[float]]]:
    """Each interaction timed on the bare app, then on ours; the approvals checked."""
    willing = willing_advocates(db, now.date())
    run = label.replace(" ", "-")
    makers = payload_makers(sizes, "U00000007", willing, run)
    results: dict[str, tuple[list[float], list[float]]] = {}
    for name in ("open", "search", "submit", "find"):
        drain(db)  # the bare app is not timed beside the backlog of ours
        bare = measure(bare_url, makers[name], sizes.iterations)
        ours = measure(app_url, makers[name], sizes.iterations)
        results[name] = (ours, bare)
    sent = min(20, sizes.iterations) + len(results["submit"][0])  # with the warm-up's
    saved = saved_submits(db, run)
    out.append([label, "submits saved", f"{saved} of {sent}", "", "", "", ""])
    if saved != sent:
        problems.append(f"{label}: {saved} of {sent} submits saved")
    drain(db)
    clicked: list[int] = []

    def approve(i: int) -> str:
        request_id, owner = next(named)
        clicked.append(request_id)
        return interaction_body(block_actions(owner, "approve", str(request_id), response_url=""))

    def pick(i: int) -> str:
        """The advocate picker Approve opens for a request naming nobody, submitted with the
        first name it offers (the checklist's best)."""
        while True:
            request_id, owner = next(unnamed)
            offered = cards.advocates_to_pick(db, desk.policy, request_id, now.date())
            if offered and offered[0].verdict != "blocking":
                break
        clicked.append(request_id)
        view = {"id": f"VPICK{request_id}", "type": "modal", "callback_id": "pick_advocate_modal"}
        values = {"advocate": {"value": select(str(offered[0].id))}}
        return interaction_body(view_submission(owner, {**view, "private_metadata": str(request_id)}, values))

    def bare_approve(i: int) -> str:
        return interaction_body(block_actions("U00000001", "approve", "1", response_url=""))

    def bare_pick(i: int) -> str:
        view = {
            "id": "VPICK",
            "type": "modal",
            "callback_id": "pick_advocate_modal",
            "private_metadata": "1",
        }
        return interaction_body(view_submission("U00000001", view, {}))

    for name, ours_maker, bare_maker, is_named in (
        ("approve", approve, bare_approve, True),
        ("pick advocate", pick, bare_pick, False),
    ):
        ask_for_approval(desk, willing, sizes.iterations + 60, named=is_named, label=label)
        waiting = pending_for_approval(db, sizes.iterations + 60, named=is_named)
        named = unnamed = iter(waiting)
        count = max(0, len(waiting) - 40)  # `measure` warms up on 20 of them; some are blocked
        drain(db)
        bare = measure(bare_url, bare_maker, count)
        ours = measure(app_url, ours_maker, count)
        results[name] = (ours, bare)
        if is_named:  # before the picker's requests are asked for: the decisions' backlog
            waited = decided(db, clicked)
            out.append([label, "Approve: decided after the last click", "", f"{waited:.1f} s", "", "", ""])
    drained = drain(db)
    out.append([label, "backlog after the approvals", "", f"{drained:.1f} s", "", "", ""])
    approved = approved_count(db, clicked)
    out.append([label, "approvals", f"{approved} of {len(clicked)} clicked", "", "", "", ""])
    if approved < len(clicked) * 0.9:
        problems.append(f"{label}: {approved} of {len(clicked)} approvals approved")
    return results


def bench_digest(db: Database, sizes: Sizes, now: dt.datetime, out: list[list[str]], label: str) -> None:
    """The digest's build beside hand-written SQL computing the same figures."""
    period = Period.last_complete_week(now, zoneinfo.ZoneInfo("UTC"))
    policy = load_policy()
    app_digest, raw = timed_pair(
        lambda: build_digest(db, policy, period, now, dt.timedelta(hours=24)),
        lambda: raw_digest(db, period, policy.opening_balance),
        sizes.digest_runs,
    )
    d = build_digest(db, policy, period, now, dt.timedelta(hours=24))
    r = raw_digest(db, period, policy.opening_balance)
    same = (d.opened, d.pending, d.median_decision, len(d.low_accounts), d.value_delivered) == (
        int(r[0][0] or 0),
        r[1],
        r[2],
        r[3],
        r[4],
    )
    a50, a99 = percentiles(app_digest)
    r50, r99 = percentiles(raw)
    out.append(
        [
            label,
            "digest build",
            f"n={len(app_digest)} same={same}",
            f"{a50 * 1000:.1f} ms",
            f"{a99 * 1000:.1f} ms",
            f"raw SQL {r50 * 1000:.1f} / {r99 * 1000:.1f} ms",
            f"p50 ×{a50 / r50:.2f} (≤1.2)",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes, fewer iterations")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"exit 1 when an interaction's median is over ×{CHECK_RATIO:g} the bare app's or an approval "
        "does not approve (CI's guard against a regression, generous enough that noise never trips it)",
    )
    parser.add_argument(
        "--topology",
        choices=[ONE, SPLIT, "both"],
        default="both",
        help=f"'{ONE}': serve sends what it owes (the laptop default); '{SPLIT}': serve only acks "
        "and enqueues, a real `refdesk worker` process sends",
    )
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    topologies = (ONE, SPLIT) if args.topology == "both" else (args.topology,)
    out: list[list[str]] = []
    problems: list[str] = []
    targets: list[str] = []
    import logging

    logging.basicConfig(level=logging.WARNING)
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="refdesk-bench-") as tmp:
            bench_backend(f"sqlite:///{tmp}/bench.db", sizes, out, "sqlite", problems, targets, topologies)
    if args.backend in ("postgresql", "both"):
        with postgres_server() as server:
            bench_backend(
                create_database(server, "refdesk_bench"),
                sizes,
                out,
                "postgresql",
                problems,
                targets,
                topologies,
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    header = ["backend", "what", "size", "p50", "p99", "baseline p50 / p99", "target"]
    widths = [max(len(row[i]) for row in [header, *out]) for i in range(len(header))]
    for number, row in enumerate([header, *out]):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if number == 0:
            print("  ".join("-" * w for w in widths))
    print(f"peak memory of the benchmark's own process (seeding, client): {peak:.0f} MiB")
    print("targets: " + ("met" if not targets else "MISSED: " + "; ".join(targets)))
    if args.check:
        print("check: " + ("passed" if not problems else "FAILED: " + "; ".join(problems)))
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
