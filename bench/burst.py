"""Quarter-end burst: many people at once against `refdesk serve`. Prints a table; not a test.

    .venv/bin/python -m bench.burst [--people 200] [--seconds 60] [--backend sqlite|postgres]
                                    [--latency 50-250] [--think 2-8] [--quick]
                                    [--web N] [--workers M]

One real `refdesk serve --http` process on loopback (the production path: waitress → signature
check → Bolt → store, its scheduler and delivery worker on) — or `--web N` of them, each request
going to the next as a load balancer's round robin sends it, and with `--workers M` every serve
`--no-worker` beside M `refdesk worker` processes that send and run the jobs — over a program seeded like
`bench/run.py` (10,000 accounts, 1,000,000 ledger entries, 100,000 requests; `--quick` a tenth).
Its Slack Web API is `bench.slack_standin`: every call answered after 50–250 ms, and
`chat.postMessage` limited to one message per second per channel (429 + Retry-After).

`--people` threads each play a person for `--seconds`, pausing `--think` seconds between steps
(a person reads and types): a requester opens `/reference`, types in the account search, submits
the modal, and now and then runs `/reference find` or opens App Home; an owner opens App Home and
clicks Approve on a decision DM that reached "Slack" (sometimes twice, as impatient people do).
Each request is signed as Slack signs it.

Reported: per kind of request, the ack times (what Slack's 3 s limit is about); per notice (a
message the outbox owes), the time from its cause (the click that made it owed) to the Web API call
that delivered it, and how many waited for Slack's per-channel rate; then what was sent against
what the database and the stand-in hold (nothing lost, nothing twice); and each process's peak RSS.
Everything talks only to 127.0.0.1 and every wait is bounded.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import datetime as dt
import hashlib
import itertools
import json
import os
import queue
import random
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench.logs import log_summary  # noqa: E402
from bench.processes import cpu_seconds, peak_rss_mib  # noqa: E402
from bench.run import ACTIVITY, FULL, QUICK, seed, willing_advocates  # noqa: E402
from bench.slack_standin import Call, SlackStandIn  # noqa: E402
from bot.settings import Settings  # noqa: E402
from handlers.outbox.routing import MailRoute  # noqa: E402
from handlers.outbox.smtp import message_id  # noqa: E402
from handlers.routes import ROUTES  # noqa: E402
from store.db import Database  # noqa: E402
from store.deadlines import BATCH  # noqa: E402
from store.outbox.kinds import DeliveryKind  # noqa: E402
from tests.support.mailbox import Mailbox  # noqa: E402
from tests.support.payloads import block_actions, block_suggestion, select, view_submission  # noqa: E402
from tests.support.payloads import text as text_input  # noqa: E402
from tests.support.postgres import create_database, postgres_server  # noqa: E402
from tests.support.server import RefdeskServer, RefdeskWorker, run_cli  # noqa: E402
from tests.support.signing import interaction_body, signed_headers, slash_command_body  # noqa: E402

SECRET = "burst-signing-secret"
ADMIN = "U0ADMIN01"
ACK_LIMIT = 3.0
NOTICE_TARGET = 5.0
#: the most resident memory any one process may reach at full size
RSS_TARGET_MIB = 200
#: how long after the burst the outbox may take to empty before the run reports what is left
DRAIN_LIMIT = 180.0
#: kinds of request, in the order of the table
KINDS = ("open", "search", "submit", "approve", "approve (again)", "pick advocate", "home", "find")
#: how long an owner waits for the advocate picker after clicking Approve
PICKER_WAIT = 10.0
#: what Approve says in place when nobody at the account can be asked (`handlers.kit.refusals`)
NOBODY_ASKABLE = "only a program admin can approve"
#: notices that rewrite what is already in Slack (chat.update, views.publish) instead of posting
REWRITES = ("request_refresh", "home_refresh")
#: kinds owed on a condition their renderer decides (an admin's override DM, sent if a ⛔ rule
#: blocks the request): one recorded as sent with no message came to nothing, it was not lost
CONDITIONAL = (str(DeliveryKind.OVERRIDE_REQUEST),)
#: the kinds sent as e-mail (with `--mail`; without, the program asks the owner in Slack instead)
MAILS = tuple(str(kind) for kind, route in ROUTES.items() if isinstance(route, MailRoute))
#: the program's address with `--mail`
MAIL_FROM = "Reference Desk <refdesk@bench.example>"
FIND_TEXTS = ("fintech case study", "healthcare logo", "retail emea", "payments enterprise", "energy webinar")


def came_to_nothing(row: Any) -> bool:
    """A conditional notice whose condition did not hold: sent, with no message."""
    return str(row.kind) in CONDITIONAL and row.status == "sent" and row.ts is None


def owed_by_the_click(row: Any, record: Record, delivered: float) -> bool:
    """An admin's override DM that went out when the owner's Approve found nobody to ask
    (`deciding.ask_admins` owes it again): caused by that click, not by the submit (one that went
    out with the submit, the request blocked from the start, came before the click)."""
    clicked = record.clicked.get(int(row.request_id))
    return (
        str(row.kind) in CONDITIONAL
        and int(row.request_id) in record.nobody_askable
        and clicked is not None
        and clicked < delivered
    )


def span(value: str) -> tuple[float, float]:
    low, _, high = value.partition("-")
    return float(low), float(high or low)


@dataclass
class Record:
    """What the people did, filled in by their threads (appends are atomic under the GIL)."""

    acks: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: Counter[str] = field(default_factory=Counter)
    #: view id → when its submit was sent (time.time())
    submitted: dict[str, float] = field(default_factory=dict)
    #: request id → when its first Approve click was sent (then: when its advocate was picked,
    #: the click that decides it and causes its notices)
    clicked: dict[int, float] = field(default_factory=dict)
    #: request ids whose Approve opened the advocate picker and were approved naming one
    picked: set[int] = field(default_factory=set)
    #: request ids whose picker offered nobody the rules let us ask (the owner cannot approve)
    nobody_askable: set[int] = field(default_factory=set)


class People:
    """The simulated people: requesters and owners, each on a thread, for a bounded time."""

    def __init__(
        self,
        urls: list[str],
        accounts: list[int],
        think: tuple[float, float],
        approvals: queue.Queue[tuple[int, str]],
        respond_url: str,
        db: Database,
        willing: dict[int, int],
    ) -> None:
        #: every web process's `/slack/events`: each request goes to the next, as a load balancer's
        #: round robin sends them
        self.urls = urls
        self._turns = itertools.count()
        self.db = db
        #: account id → an advocate there willing to do the burst's activity (a requester may name them)
        self.willing = willing
        self.accounts = accounts
        self.think = think
        self.approvals = approvals
        self.respond_url = respond_url
        self.record = Record()
        self.stop_at = 0.0
        self._ids = iter(range(1, 10**9))
        self._lock = threading.Lock()
        #: request id → the advocate picker Approve opened for it (what `views.open` showed)
        self._pickers: dict[int, dict[str, Any]] = {}
        #: request ids whose Approve was refused in place because nobody there can be asked (the
        #: checklist's ⛔ "Nobody at … can be asked now": only an admin's override approves)
        self._nobody: set[int] = set()
        self._picker_shown = threading.Condition()

    def _next_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def send(self, kind: str, body: str, content_type: str = "application/x-www-form-urlencoded") -> None:
        headers = signed_headers(SECRET, body, content_type=content_type)
        url = self.urls[next(self._turns) % len(self.urls)]
        request = urllib.request.Request(url, data=body.encode(), method="POST", headers=headers)
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                answer = response.read()
                status = response.status
            if b'"response_action"' in answer:  # a modal answered with its inline errors
                self.record.failures[f"{kind}: {answer.decode(errors='replace')[:120]}"] += 1
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError as exc:
            self.record.failures[f"{kind}: {exc.__class__.__name__}"] += 1
            return
        self.record.acks[kind].append(time.perf_counter() - started)
        if status != 200:
            self.record.failures[f"{kind}: HTTP {status}"] += 1

    def pause(self, rng: random.Random, scale: float = 1.0) -> bool:
        """Think for a while; False once the burst is over."""
        remaining = self.stop_at - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(remaining, rng.uniform(*self.think) * scale))
        return time.monotonic() < self.stop_at

    def requester(self, number: int) -> None:
        rng = random.Random(number)
        user = f"U{number % 300:08d}"
        view = {"type": "modal", "callback_id": "request_modal", "private_metadata": "", "blocks": []}
        while self.pause(rng, 0.5):
            roll = rng.random()
            if roll < 0.1:
                self.send("find", slash_command_body(f"find {rng.choice(FIND_TEXTS)}", user_id=user))
                continue
            if roll < 0.2:
                self.send("home", _home_opened(user, self._next_id()))
                continue
            self.send("open", slash_command_body("", user_id=user, trigger_id=f"t{self._next_id()}"))
            account = rng.choice(self.accounts)
            for typed in range(rng.randint(1, 3)):
                if not self.pause(rng, 0.2):
                    return
                words = f"account {account:05d}"[: 9 + typed]
                self.send("search", interaction_body(block_suggestion(user, "account", words, view)))
            if not self.pause(rng):
                return
            view_id = f"VBURST{number}X{self._next_id()}"
            values = {
                "account": {"account": select(str(account))},
                "activity": {"activity": select(ACTIVITY)},
                "opportunity_name": {"value": text_input(f"Quarter-end deal {view_id}")},
                "amount": {"value": text_input("25000")},
            }
            if account in self.willing and rng.random() < 0.5:  # half name the advocate, half leave it open
                values["advocate"] = {"advocate": select(str(self.willing[account]))}
            body = interaction_body(view_submission(user, {**view, "id": view_id}, values))
            self.record.submitted[view_id] = time.time()
            self.send("submit", body)

    def owner(self, number: int) -> None:
        rng = random.Random(number)
        while self.pause(rng):
            if rng.random() < 0.15:
                self.send("home", _home_opened(f"U{number % 400:08d}", self._next_id()))
                continue
            try:
                request_id, owner = self.approvals.get(timeout=max(0.1, self.stop_at - time.monotonic()))
            except queue.Empty:
                return
            click = interaction_body(
                block_actions(
                    owner, "approve", str(request_id), response_url=f"{self.respond_url}{request_id}"
                )
            )
            self.record.clicked[request_id] = time.time()
            if rng.random() < 0.25:  # an impatient second click while the first is on its way
                again = threading.Thread(target=self._again, args=(click, rng.uniform(0, 0.3)), daemon=True)
                again.start()
                self.send("approve", click)
                again.join(15)
            else:
                self.send("approve", click)
            if self.names_nobody(request_id):
                self._pick_advocate(owner, request_id, rng)

    def names_nobody(self, request_id: int) -> bool:
        """Whether Approve will ask the owner whom to ask (read as the owner reads their DM)."""
        with self.db.engine.connect() as c:
            named = c.execute(
                text("SELECT advocate_id FROM reference_requests WHERE id = :id"), {"id": request_id}
            ).scalar()
        return named is None

    def decided(self, request_id: int) -> bool:
        with self.db.engine.connect() as c:
            status = c.execute(
                text("SELECT status FROM reference_requests WHERE id = :id"), {"id": request_id}
            ).scalar()
        return status != "pending"

    def picker_shown(self, view: dict[str, Any]) -> None:
        """The stand-in's hook: Approve on a request naming nobody opened the advocate picker."""
        if view.get("callback_id") != "pick_advocate_modal":
            return
        with self._picker_shown:
            self._pickers.setdefault(int(view.get("private_metadata") or 0), view)
            self._picker_shown.notify_all()

    def refusal_said(self, path: str, said: str) -> None:
        """The stand-in's hook: a click answered in place (`response_url`, ours end in the request id)."""
        if NOBODY_ASKABLE in said and path.isdigit():
            with self._picker_shown:
                self._nobody.add(int(path))
                self._picker_shown.notify_all()

    def _pick_advocate(self, owner: str, request_id: int, rng: random.Random) -> None:
        """Approve asked whom to ask: pick the first advocate offered, as an owner would, and submit.

        Done even when the burst has just ended, so every first click that opened a picker decides.
        """
        deadline = time.monotonic() + PICKER_WAIT
        with self._picker_shown:
            while (
                request_id not in self._pickers
                and request_id not in self._nobody
                and time.monotonic() < deadline
            ):
                self._picker_shown.wait(min(0.2, max(0.0, deadline - time.monotonic())))
                if self.decided(request_id):  # one advocate could be asked: named without a picker
                    return
            view = self._pickers.get(request_id)
        if view is None and request_id in self._nobody:  # everyone there is protected: no approval
            self.record.nobody_askable.add(request_id)
            return
        if view is None:
            self.record.failures["approve: no advocate picker"] += 1
            return
        time.sleep(rng.uniform(*self.think) * 0.1)  # reading the names
        element = next(b["element"] for b in view.get("blocks", []) if b.get("block_id") == "advocate")
        first = element["options"][0]
        if first["text"]["text"].startswith("⛔"):  # everyone there is protected by a rule: no approval
            self.record.nobody_askable.add(request_id)
            return
        chosen = first["value"]
        values = {"advocate": {"value": select(chosen)}}
        self.record.clicked[request_id] = time.time()
        self.record.picked.add(request_id)
        self.send(
            "pick advocate",
            interaction_body(view_submission(owner, {**view, "id": f"VPICK{request_id}"}, values)),
        )

    def _again(self, click: str, after: float) -> None:
        time.sleep(after)
        # Slack signs every delivery afresh: the same payload, a new signature
        self.send("approve (again)", click)

    def run(self, people: int, seconds: float) -> None:
        self.stop_at = time.monotonic() + seconds
        threads = [
            threading.Thread(
                target=self.requester if n % 5 < 3 else self.owner, args=(n,), name=f"person-{n}", daemon=True
            )
            for n in range(people)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(0.1, self.stop_at - time.monotonic() + 30))


def _home_opened(user: str, n: int) -> str:
    return json.dumps(
        {
            "token": "unused",
            "team_id": "T0000000001",
            "api_app_id": "A0REFDESK",
            "type": "event_callback",
            "event_id": f"Ev0BURST{n:08d}",
            "event_time": int(time.time()),
            "event": {
                "type": "app_home_opened",
                "user": user,
                "channel": "D0000000001",
                "tab": "home",
                "event_ts": f"{time.time():.6f}",
            },
        }
    )


def decision_dm(approvals: queue.Queue[tuple[int, str]]) -> Any:
    """The stand-in's hook: a DM with an Approve button reached Slack, so its owner may click it."""

    def on_post(args: dict[str, Any]) -> None:
        for block in args.get("blocks") or []:
            for element in block.get("elements") or []:
                if isinstance(element, dict) and element.get("action_id") == "approve":
                    approvals.put((int(element["value"]), str(args.get("channel"))))

    return on_post


# --------------------------------------------------------------------------- reading the outcome


def marker(key: str) -> str:
    """As `handlers.posted.marker`: the block id a delivery's post carries."""
    return "rd-" + hashlib.sha256(key.encode()).hexdigest()[:24]


def epoch(value: Any) -> float | None:
    """A database timestamp as `time.time()` seconds (SQLite hands back naive UTC text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return float(value.timestamp())


def pct(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


def ms(value: float) -> str:
    return f"{value * 1000:.0f}" if value == value else "-"


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join(lines)


def drain(db: Database, limit: float) -> float:
    """Wait (bounded) until the outbox owes nothing; how long that took."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        with db.engine.connect() as c:
            owed = c.execute(
                text("SELECT count(*) FROM deliveries WHERE status IN ('pending','sending')")
            ).scalar()
        if not owed:
            break
        time.sleep(0.5)
    return time.monotonic() - started


def post_pace(calls: list[Call], started_at: float, post_rate: float, post_burst: int) -> str:
    """How fast the app actually posted: chat.postMessage calls Slack accepted, per second, from
    the burst's start to the last one, and in the busiest ten seconds; and the most posts any span
    of time held above the pace's (the app allows `post_burst`, for the whole deployment)."""
    at = sorted(call.at for call in calls if call.method == "chat.postMessage" and call.status == 200)
    at = [t for t in at if t >= started_at]
    if not at:
        return "posts accepted: none"
    span = max(at[-1] - started_at, 1.0)
    busiest = max(bisect.bisect_left(at, t + 10) - i for i, t in enumerate(at)) / 10
    above = max(j - i + 1 - post_rate * (at[j] - at[i]) for i in range(len(at)) for j in range(i, len(at)))
    return (
        f"posts accepted: {len(at)} in {span:.0f} s ({len(at) / span:.1f}/s on average, "
        f"{busiest:.1f}/s in the busiest 10 s; the app's pace {post_rate:g}/s); the most in any span "
        f"above the pace: {above:.0f} (the burst it allows: {post_burst})"
    )


def held_by_channel(
    arrived: list[tuple[Any, float, float]], per_channel: float, refused: set[str]
) -> dict[str, float]:
    """The notices Slack's per-channel rate held back, each with the moment that rate alone let it go.

    Each person's posts are replayed in the order they went with nothing but the per-channel rate
    (one post a `per_channel` second): a post that could not have gone when it was caused, because
    that person's earlier posts took the second, was held; so was one Slack answered 429 (markers in
    `refused`). A rewrite waits for the message it rewrites, so it is held when a held post of its
    request went after the rewrite was caused.
    """
    by_channel: dict[str, list[tuple[float, float, Any]]] = defaultdict(list)
    for row, cause, delivered in arrived:
        if row.kind not in (*REWRITES, *MAILS):
            by_channel[str(row.recipient)].append((delivered, cause, row))
    held: dict[str, float] = {}
    held_posts: dict[int, list[float]] = defaultdict(list)
    for posts in by_channel.values():
        free_at = float("-inf")
        for delivered, cause, row in sorted(posts, key=lambda post: post[0]):
            earliest = max(cause, free_at)
            free_at = earliest + per_channel
            if earliest > cause + 0.001 or marker(row.key) in refused:
                held[row.key] = earliest
                held_posts[int(row.request_id)].append(delivered)
    for row, cause, _ in arrived:
        waited_for = [at for at in held_posts.get(int(row.request_id), []) if at > cause]
        if row.kind in REWRITES and waited_for:
            held[row.key] = max(waited_for)
    return held


def report(
    db: Database,
    people: People,
    calls: list[Call],
    started_at: float,
    seeded: dict[str, int],
    per_channel: float,
    seconds: float,
    post_rate: float,
    post_burst: int,
    mailed: Counter[str],
    notices_csv: Path | None = None,
) -> tuple[str, dict[str, Any]]:
    """The tables; `mailed` counts the e-mails the loopback mail server took, by Message-ID;
    `notices_csv`: where to write one line per notice (when it was caused, owed, delivered), to
    see where a tail comes from."""
    record = people.record
    out: list[str] = []
    rows = []
    over_total = 0
    all_acks: list[float] = []
    for kind in KINDS:
        samples = record.acks.get(kind, [])
        over = sum(1 for s in samples if s > ACK_LIMIT)
        over_total += over
        all_acks += samples
        rows.append(
            [
                kind,
                str(len(samples)),
                ms(pct(samples, 0.5)),
                ms(pct(samples, 0.99)),
                ms(max(samples, default=0)),
                str(over),
            ]
        )
    rows.append(
        [
            "all",
            str(len(all_acks)),
            ms(pct(all_acks, 0.5)),
            ms(pct(all_acks, 0.99)),
            ms(max(all_acks, default=0)),
            str(over_total),
        ]
    )
    out.append(table(["request", "count", "ack p50 ms", "ack p99 ms", "max ms", "over 3 s"], rows))

    with db.engine.connect() as c:
        requests = c.execute(
            text("SELECT id, source_key, status, decided_at FROM reference_requests WHERE id > :n"),
            {"n": seeded["requests"]},
        ).all()
        decided = c.execute(
            text(
                "SELECT id, status FROM reference_requests WHERE decided_at IS NOT NULL AND id IN "
                "(SELECT request_id FROM deliveries WHERE key LIKE 'outcome:%')"
            )
        ).all()
        ledger = c.execute(
            text("SELECT request_id, count(*) FROM ledger_entries WHERE id > :n GROUP BY request_id"),
            {"n": seeded["ledger"]},
        ).all()
        outbox = c.execute(
            text(
                "SELECT key, kind, recipient, request_id, status, created_at, sent_at, attempts, ts "
                "FROM deliveries"
            )
        ).all()

    # --- requests, decisions, ledger entries against what was sent
    submitted = set(record.submitted)
    by_source = Counter(str(r.source_key).removeprefix("view:") for r in requests)
    request_of_view = {str(r.source_key).removeprefix("view:"): int(r.id) for r in requests}
    missing_requests = len(submitted - set(by_source))
    twice_requests = sum(1 for n in by_source.values() if n > 1)
    strays = len(set(by_source) - submitted)
    approved = {int(r.id) for r in decided if r.status == "approved"}
    clicked = set(record.clicked)
    refused = Counter(call.args.get("text", "")[:60] for call in calls if call.method == "response_url")
    ledger_by_request = {int(r[0]): int(r[1]) for r in ledger if r[0] is not None}
    ledger_twice = sum(1 for n in ledger_by_request.values() if n > 1)
    ledger_missing = len(approved - set(ledger_by_request))
    ledger_stray = len(set(ledger_by_request) - approved)

    # --- notices: cause → the Web API call that delivered it
    cause_of_request = {request_of_view[v]: at for v, at in record.submitted.items() if v in request_of_view}
    posts_ok: dict[str, list[Call]] = defaultdict(list)
    posts_429: Counter[str] = Counter()
    for call in calls:
        if call.method != "chat.postMessage":
            continue
        for block in call.args.get("blocks") or []:
            if isinstance(block, dict) and str(block.get("block_id", "")).startswith("rd-"):
                if call.status == 200:
                    posts_ok[block["block_id"]].append(call)
                else:
                    posts_429[block["block_id"]] += 1
    notices: dict[str, list[float]] = defaultdict(list)
    rate_bound: list[float] = []
    lost = twice = unsent = 0
    late = late_rate_bound = 0
    late_tries: Counter[int] = Counter()
    #: how long after its cause a late notice was owed (written to the outbox)
    late_owed: list[float] = []
    #: (row, cause, delivered) of every notice that arrived
    arrived: list[tuple[Any, float, float]] = []
    for row in outbox:
        kind = str(row.kind)
        if row.status != "sent":
            unsent += 1
            continue
        if row.request_id is None or epoch(row.created_at) < started_at:  # type: ignore[operator]
            continue
        posts = posts_ok.get(marker(row.key), [])
        if came_to_nothing(row) and not posts:
            continue
        if kind in MAILS:  # taken by the mail server once, by its Message-ID
            times = mailed[message_id(row.key, MAIL_FROM)]
            twice += times > 1
            lost += times == 0
            if not times:
                continue
            delivered = epoch(row.sent_at) or 0.0
        elif kind not in REWRITES:
            if len(posts) > 1:
                twice += 1
            if not posts:
                lost += 1
                continue
            delivered = posts[0].at
        else:
            delivered = epoch(row.sent_at) or 0.0
        if owed_by_the_click(row, record, delivered):
            cause = record.clicked.get(int(row.request_id))
        elif row.key.startswith(("decide:", "override:", "confirm:")):
            cause = cause_of_request.get(int(row.request_id))
        else:
            cause = record.clicked.get(int(row.request_id))
        if cause is None:
            cause = epoch(row.created_at) or delivered
        arrived.append((row, cause, delivered))
    held = held_by_channel(arrived, per_channel, {m for m, n in posts_429.items() if n})
    timeline: list[tuple[object, ...]] = []
    #: how long each notice took beyond what Slack's per-channel rate alone forced on it
    beyond: list[float] = []
    for row, cause, delivered in arrived:
        kind, wait, paced = str(row.kind), delivered - cause, row.key in held
        beyond.append(delivered - max(cause, held.get(row.key, cause)))
        (rate_bound if paced else notices[kind]).append(wait)
        if paced:
            notices[kind + " (rate)"].append(wait)
        if wait > NOTICE_TARGET:
            late += 1
            late_rate_bound += paced
            late_tries[int(row.attempts)] += 1
            late_owed.append((epoch(row.created_at) or 0) - cause)
        created = epoch(row.created_at) or cause
        timeline.append(
            (
                kind,
                row.recipient,
                *(round(t - started_at, 3) for t in (cause, created, delivered)),
                row.attempts,
                paced,
            )
        )
    if notices_csv is not None:
        with notices_csv.open("w", newline="") as out_file:
            writer = csv.writer(out_file)
            writer.writerow(["kind", "recipient", "caused_s", "owed_s", "delivered_s", "attempts", "paced"])
            writer.writerows(sorted(timeline, key=lambda line: line[2]))  # type: ignore[arg-type,return-value]
    rows = []
    free = [w for kind, ws in notices.items() if not kind.endswith("(rate)") for w in ws]
    for kind in sorted(notices):
        ws = notices[kind]
        rows.append([kind, str(len(ws)), ms(pct(ws, 0.5)), ms(pct(ws, 0.99)), ms(max(ws, default=0))])
    rows.append(
        [
            "all, not held by the rate",
            str(len(free)),
            ms(pct(free, 0.5)),
            ms(pct(free, 0.99)),
            ms(max(free, default=0)),
        ]
    )
    rows.append(
        [
            "all, beyond what the per-channel rate forced",
            str(len(beyond)),
            ms(pct(beyond, 0.5)),
            ms(pct(beyond, 0.99)),
            ms(max(beyond, default=0)),
        ]
    )
    rows.append(
        [
            "all held by the per-channel rate",
            str(len(rate_bound)),
            ms(pct(rate_bound, 0.5)),
            ms(pct(rate_bound, 0.99)),
            ms(max(rate_bound, default=0)),
        ]
    )
    out.append("")
    out.append(table(["notice (cause → Web API call)", "count", "p50 ms", "p99 ms", "max ms"], rows))
    owed_posts = sum(
        1
        for row in outbox
        if row.kind not in (*REWRITES, *MAILS)
        and not came_to_nothing(row)
        and started_at <= (epoch(row.created_at) or 0) <= started_at + seconds
    )
    out.append(
        f"posts owed during the burst: {owed_posts / seconds:.1f}/s against the app's pace of "
        f"{post_rate:g}/s (REFDESK_POST_RATE, Slack's workspace-wide ceiling for chat.postMessage)"
    )
    out.append(post_pace(calls, started_at, post_rate, post_burst))
    out.append(
        f"notices later than {NOTICE_TARGET:g} s: {late}, of which held by the per-channel rate: "
        f"{late_rate_bound}; 429s answered by the stand-in: {sum(posts_429.values())}; "
        f"late ones by attempts: {dict(sorted(late_tries.items()))}, owed {ms(pct(late_owed, 0.5))} ms "
        f"(p50) after their cause"
    )

    checks = [
        [
            "submits acked",
            str(len(submitted)),
            f"requests {len(by_source)}",
            f"missing {missing_requests}",
            f"twice {twice_requests} / strays {strays}",
        ],
        [
            "Approve clicks (first)",
            str(len(clicked)),
            f"approved {len(approved & clicked)} ({len(record.picked & approved)} picked)",
            f"not approved {len(clicked - approved - record.nobody_askable)} "
            f"(+{len(record.nobody_askable)} nobody askable); refused {sum(refused.values())} (all clicks)",
            f"approved unclicked {len(approved - clicked)}",
        ],
        [
            "ledger entries",
            str(sum(ledger_by_request.values())),
            f"for {len(ledger_by_request)} requests",
            f"missing {ledger_missing}",
            f"twice {ledger_twice} / strays {ledger_stray}",
        ],
        [
            "notices owed",
            f"{len(outbox)} ({sum(map(came_to_nothing, outbox))} came to nothing)",
            f"unsent {unsent}",
            f"lost {lost}",
            f"posted twice {twice}",
        ],
    ]
    out.append("")
    out.append(table(["what was sent", "count", "in the database", "lost", "twice"], checks))
    if refused:
        out.append("refusals (response_url): " + "; ".join(f"{n}× {t!r}" for t, n in refused.most_common(4)))
    figures = {
        "unapproved": len(clicked - approved - record.nobody_askable),
        "over": over_total,
        "ack_p99": pct(all_acks, 0.99),
        "notice_p99": pct(free, 0.99),
        "lost": lost + unsent + missing_requests + ledger_missing,
        "twice": twice + twice_requests + ledger_twice,
    }
    return "\n".join(out), figures


# --------------------------------------------------------------------------- one run


@contextmanager
def database_url(backend: str, workdir: Path) -> Iterator[str]:
    if backend == "postgres":
        with postgres_server() as server:
            yield create_database(server, "refdesk_burst")
    else:
        yield f"sqlite:///{workdir / 'burst.db'}"


def roomy_accounts(db: Database, limit: int = 2000) -> list[int]:
    """Active accounts with points to spare, so most asks pass the checklist and can be approved."""
    with db.engine.connect() as c:
        rows = c.execute(
            text(
                "SELECT a.id FROM accounts a JOIN (SELECT account_id, SUM(amount) AS total "
                "FROM ledger_entries GROUP BY account_id) t ON t.account_id = a.id "
                "WHERE a.status = 'active' AND t.total >= 10 ORDER BY a.id LIMIT :n"
            ),
            {"n": limit},
        ).all()
    return [int(r[0]) for r in rows]


def pending_approvals(db: Database, accounts: list[int], limit: int) -> list[tuple[int, str]]:
    """Seeded requests still waiting on a roomy account: what owners find in their DMs at the start."""
    with db.engine.connect() as c:
        rows = c.execute(
            text(
                "SELECT r.id, r.account_id, a.owner_slack_id FROM reference_requests r "
                "JOIN accounts a ON a.id = r.account_id "
                "WHERE r.status = 'pending' ORDER BY r.id DESC"
            )
        ).all()
    roomy = set(accounts)
    return [(int(r[0]), str(r[2])) for r in rows if int(r[1]) in roomy and r[2]][:limit]


def topology(web: int, workers: int) -> str:
    """How the run's processes are laid out, in words: the one-process default, or the split."""
    if not workers:
        return "one process (serve sends)" if web == 1 else f"{web} × serve (each sends)"
    return f"{web} × serve --no-worker + {workers} × worker"


def run(args: argparse.Namespace) -> int:
    sizes = QUICK if args.quick else FULL
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="refdesk-burst-") as tmp:
        workdir = Path(tmp)
        url = stack.enter_context(database_url(args.backend, workdir))
        db = Database(url, limits=BATCH)
        stack.callback(db.dispose)
        db.upgrade()
        seconds = seed(db, sizes, dt.datetime.now(dt.UTC))
        with db.engine.connect() as c:
            seeded = {
                "requests": int(c.execute(text("SELECT max(id) FROM reference_requests")).scalar() or 0),
                "ledger": int(c.execute(text("SELECT max(id) FROM ledger_entries")).scalar() or 0),
            }
        accounts = roomy_accounts(db)
        approvals: queue.Queue[tuple[int, str]] = queue.Queue()
        for item in pending_approvals(db, accounts, 40):
            approvals.put(item)
        standin = SlackStandIn(latency=(args.latency[0] / 1000, args.latency[1] / 1000))
        standin.on_post = decision_dm(approvals)
        stack.callback(standin.close)
        env = {
            "SLACK_BOT_TOKEN": "xoxb-burst",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": standin.url,
            "DATABASE_URL": url,
            "REFDESK_ADMINS": ADMIN,
            # the seeded pending requests are months old: an SLA pass would escalate them all to
            # the one admin during the burst, which says nothing about the burst
            "REFDESK_SLA_CHECK_CRON": "0 3 1 1 *",
            **dict(setting.split("=", 1) for setting in args.env),
        }
        mailbox = None
        if args.mail:  # advocates are asked by e-mail, as a program with mail settings does
            mailbox = Mailbox().start()
            stack.callback(mailbox.stop)
            env |= {
                "REFDESK_SMTP_URL": mailbox.url,
                "REFDESK_MAIL_FROM": MAIL_FROM,
                "REFDESK_PUBLIC_URL": "http://127.0.0.1:9",
                "REFDESK_COMPANY_NAME": "Bench Co",
            }
        assert run_cli(env, "db", "upgrade").returncode == 0
        serve_args = [*args.serve_args, *(["--no-worker"] if args.workers else [])]
        servers: list[RefdeskServer] = []
        workers: list[RefdeskWorker] = []
        for _ in range(args.web):  # each stopped on the way out, even when a later one fails to start
            servers.append(RefdeskServer(env, workdir, SECRET, extra_args=serve_args))
            stack.callback(servers[-1].stop)
            servers[-1].start(timeout=60)
        for _ in range(args.workers):
            workers.append(RefdeskWorker(env, workdir))
            stack.callback(workers[-1].stop)
            workers[-1].start(timeout=60)
        processes = [(f"serve {n + 1}", s.process) for n, s in enumerate(servers)] + [
            (f"worker {n + 1}", w.process) for n, w in enumerate(workers)
        ]
        people = People(
            [server.url + "/slack/events" for server in servers],
            accounts,
            args.think,
            approvals,
            standin.respond_url,
            db,
            {a: v for a, v in willing_advocates(db, dt.date.today()).items() if a in set(accounts)},
        )
        standin.on_view = people.picker_shown
        standin.on_respond = people.refusal_said
        started_at = time.time()
        bench_cpu = cpu_seconds(os.getpid())
        cpu_before = {name: cpu_seconds(process.pid) for name, process in processes if process is not None}
        people.run(args.people, args.seconds)
        burst = time.time() - started_at
        drained = drain(db, DRAIN_LIMIT)
        time.sleep(1)
        rss = {name: peak_rss_mib(process.pid) for name, process in processes if process is not None}
        cpu = {
            name: cpu_seconds(process.pid) - cpu_before[name]
            for name, process in processes
            if process is not None
        }
        span = time.time() - started_at
        log = "".join(process.log() for process in [*servers, *workers])
        locked = log.count("database is locked")
        text_out, figures = report(
            db,
            people,
            standin.snapshot(),
            started_at,
            seeded,
            standin.per_channel_seconds,
            burst,
            float(env.get("REFDESK_POST_RATE", Settings.model_fields["post_rate"].default)),
            int(env.get("REFDESK_POST_BURST", Settings.model_fields["post_burst"].default)),
            Counter(str(m["Message-ID"]) for m in mailbox.messages) if mailbox else Counter(),
            args.notices_csv,
        )
        print(
            f"{args.backend}, {topology(args.web, args.workers)}: {args.people} people for {burst:.0f} s "
            f"(think {args.think[0]:g}–{args.think[1]:g} s), "
            f"Web API latency {args.latency[0]:g}–{args.latency[1]:g} ms, "
            f"seeded {sizes.accounts:,} accounts / {sizes.ledger:,} ledger / {sizes.requests:,} requests "
            f"in {seconds:.0f} s"
        )
        print(text_out)
        failures = ", ".join(f"{n}× {w}" for w, n in people.record.failures.most_common()) or "none"
        print(f"failed requests: {failures}")
        print("server log, warnings and errors by kind: " + log_summary(log))
        print(
            f"outbox empty {drained:.1f} s after the burst; peak RSS "
            + ", ".join(f"{name} {mib:.0f}" for name, mib in rss.items())
            + f" MiB (≤{RSS_TARGET_MIB}); "
            f"'database is locked' in the server log: {locked}; "
            f"ERROR lines: {log.count(' ERROR ')}"
        )
        print(
            f"CPU from the burst's start to the outbox empty ({span:.0f} s, {os.cpu_count()} cores): "
            + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in cpu.items())
            + f"; this benchmark (the people and the stand-in) {cpu_seconds(os.getpid()) - bench_cpu:.1f} s"
        )
        if args.debug:
            print(log[-6000:], file=sys.stderr)
        if args.check:
            problems = {
                "lost": figures["lost"],
                "twice": figures["twice"],
                "first Approve clicks not approved": figures["unapproved"],
                "acks over 3 s": figures["over"],
                "'database is locked'": locked,
                "failed requests": sum(people.record.failures.values()),
            }
            bad = {what: n for what, n in problems.items() if n}
            print(
                "check: "
                + ("passed" if not bad else "FAILED: " + ", ".join(f"{w} {n}" for w, n in bad.items()))
            )
            return 1 if bad else 0
        met = (
            figures["over"] == 0
            and figures["ack_p99"] <= 0.3
            and figures["notice_p99"] <= NOTICE_TARGET
            and not figures["lost"]
            and not figures["twice"]
            and max(rss.values()) <= RSS_TARGET_MIB
        )
        print(
            f"targets: acks over 3 s {figures['over']} (0), ack p99 {ms(figures['ack_p99'])} ms (≤300), "
            f"notice p99 not held by the rate {ms(figures['notice_p99'])} ms (≤{NOTICE_TARGET * 1000:.0f}), "
            f"lost {figures['lost']} (0), twice {figures['twice']} (0), "
            f"peak RSS {max(rss.values()):.0f} MiB (≤{RSS_TARGET_MIB}): {'met' if met else 'MISSED'}"
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--latency", type=span, default=(50, 250), help="Web API latency, ms (low-high)")
    parser.add_argument("--think", type=span, default=(10, 30), help="a person's pause between steps, s")
    parser.add_argument("--quick", action="store_true", help="a tenth of the program (faster seeding)")
    parser.add_argument("--env", action="append", default=[], help="NAME=value for the serve process")
    parser.add_argument("--serve-args", nargs="*", default=[], help="extra `refdesk serve` arguments")
    parser.add_argument(
        "--web", type=int, default=1, help="`refdesk serve` processes, the people's requests spread over them"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="`refdesk worker` processes; with any, every serve runs --no-worker (0: serve sends)",
    )
    parser.add_argument(
        "--mail",
        action="store_true",
        help="a loopback SMTP server and mail settings: advocates are asked by e-mail (else in Slack)",
    )
    parser.add_argument(
        "--notices-csv",
        type=Path,
        help="write one line per notice: caused, owed, delivered (seconds into the burst)",
    )
    parser.add_argument("--debug", action="store_true", help="print the end of the server log")
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 on anything lost, twice, unapproved, over 3 s, failed or 'database is locked' (CI)",
    )
    args = parser.parse_args()
    args.people = max(1, min(args.people, 1000))
    args.seconds = max(1.0, min(args.seconds, 600.0))
    args.web = max(1, min(args.web, 8))
    args.workers = max(0, min(args.workers, 8))
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
