"""The real app — `SlackWsgi` in front of the Bolt app that `build_app`/`build_desk` wire — on a
real database with a small seeded program, driven one signed request at a time.

Bolt answers Slack as soon as a listener acks and lets the listener finish on its thread pool;
the listener then hands Slack messages to the desk's delivery executor. So that each example is
judged on everything it caused (its log records, its state changes, what it sent Slack), both
pools are wrapped in `Tracked`, which counts the work in flight, and `send` waits for both to be
idle before it returns. Nothing else about the app is changed.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import itertools
import logging
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from bot.app import build_app, build_desk
from bot.process.lifecycle import Lifecycle
from bot.process.probes import Probes
from bot.serve.wsgi import SlackWsgi
from bot.settings import load_settings
from handlers.advocate.pages import advocate_site
from handlers.kit.desk import Desk
from handlers.kit.threads import Decisions
from store.accounts.lookup import normalize
from store.models import Account, Advocate, LedgerEntry, ReferenceRequest, RequestStatus
from store.requests import asking, deciding
from store.requests.asking import Draft
from tests.support import store_seed
from tests.support.database import open_database
from tests.support.slack_stub import Call, SlackStub

SECRET = "fuzz-signing-secret"
LINK_SECRET = "fuzz-link-secret"
BOT_TOKEN = "xoxb-fuzz-bot"
ADMIN = "U0ADMIN01"
OWNER = "U0OWNER01"
OWNER2 = "U0OWNER02"
SELLER = "U0SELLER1"
SELLER2 = "U0SELLER2"
#: everyone allowed to change something in the seeded program
PRIVILEGED = frozenset({ADMIN, OWNER, OWNER2, SELLER, SELLER2})
#: how long one example may keep the app busy after its answer
SETTLE_SECONDS = 20.0


class Tracked(Executor):
    """An executor that knows how much of its work is still queued or running."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self._started()

        def run() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                self._finished()

        try:
            return self.inner.submit(run)
        except BaseException:  # not taken (shut down, or no room): nothing of it will run
            self._finished()
            raise

    def _started(self) -> None:
        with self._idle:
            self._pending += 1

    def _finished(self) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    @property
    def busy(self) -> bool:
        with self._idle:
            return self._pending > 0

    def wait_idle(self, deadline: float) -> bool:
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.inner.shutdown(wait=wait, cancel_futures=cancel_futures)


class TrackedDecisions(Tracked):
    """The decisions (`OneAtATime`) and what is said after each, counted alike."""

    def __init__(self, inner: Decisions) -> None:
        super().__init__(inner)
        self.decisions = inner

    def answer(self, fn: Callable[..., Any], /, *args: Any) -> None:
        self._started()

        def run() -> None:
            try:
                fn(*args)
            finally:
                self._finished()

        try:
            self.decisions.answer(run)
        except BaseException:
            self._finished()
            raise


class Records(logging.Handler):
    """Every log record at WARNING or above, from any thread, while attached."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []
        self._lock_records = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._lock_records:
            self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        with self._lock_records:
            taken, self.records = self.records, []
        return taken


def describe(record: logging.LogRecord) -> str:
    text = f"{record.levelname} {record.name}: {record.getMessage()}"
    if record.exc_info and record.exc_info[1] is not None:
        text += "\n" + "".join(traceback.format_exception(*record.exc_info))
    return text


@dataclass
class Outcome:
    """What one request caused: the answer, the log, what the app sent Slack."""

    status: int
    body: bytes
    #: the traceback of an exception that escaped the WSGI callable (waitress answers it with 500)
    crash: str | None = None
    records: list[logging.LogRecord] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    #: False when the listeners were still busy after SETTLE_SECONDS
    settled: bool = True

    @property
    def errors(self) -> list[logging.LogRecord]:
        """Log records at ERROR or above: a traceback, or a failure the app itself reports."""
        return [r for r in self.records if r.levelno >= logging.ERROR]

    @property
    def unacked(self) -> list[logging.LogRecord]:
        """Bolt's word that a listener did not ack in 3 s: Slack then got a 404, not the answer."""
        return [r for r in self.records if r.name == "slack_bolt" and "didn't call ack()" in r.getMessage()]

    def report(self) -> str:
        lines = [f"HTTP {self.status}: {self.body[:300]!r}"]
        if self.crash:
            lines.append("exception escaped the WSGI app:\n" + self.crash)
        lines += [describe(r) for r in self.errors + self.unacked]
        if not self.settled:
            lines.append(f"listeners still busy after {SETTLE_SECONDS} s")
        return "\n".join(lines)


def sign(raw: bytes, timestamp: str, secret: str = SECRET) -> str:
    """Slack's v0 signature over the raw bytes (slack_sdk's helper only signs text)."""
    base = b"v0:" + timestamp.encode() + b":" + raw
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class State:
    """What a person may only change with the right to: requests' decisions and the ledger."""

    #: (id, status, decided_by, decision_reason, outcome_note) of every request
    requests: tuple[tuple[Any, ...], ...]
    #: (entries, sum of amounts, last id) of the ledger
    ledger: tuple[int, int, int]


class Harness:
    """The app as `refdesk serve --http` wires it, on `db_url`, talking to `stub` for Slack."""

    def __init__(self, db_url: str, stub: SlackStub) -> None:
        self.stub = stub
        settings = load_settings(
            _env_file=None,
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SECRET,
            slack_api_url=stub.api_url,
            database_url=db_url,
            admins=ADMIN,
            scheduler_enabled=False,
            # the advocate's pages are served (their links signed with this key); no mail is sent
            public_url="https://refdesk.example.com",
            link_secret=LINK_SECRET,
            # every example may change an answer: the pause between changes has tests of its own
            answer_change_minutes=0,
        )
        self.db = open_database(settings.database_url)
        self.db.upgrade()
        self.desk: Desk = build_desk(settings, self.db)
        self.app = build_app(settings, self.desk)
        runner = self.app.listener_runner
        self.listeners = Tracked(runner.listener_executor)
        runner.listener_executor = self.listeners
        assert self.desk.executor is not None and self.desk.decisions is not None
        self.deliveries = Tracked(self.desk.executor)
        self.desk.executor = self.deliveries
        #: an Approve's decision runs after its ack, then hands its answer to the deliveries' threads
        self.decisions = TrackedDecisions(self.desk.decisions)
        self.desk.decisions = self.decisions
        self.wsgi = SlackWsgi(self.app, self.db, SECRET, Probes(Lifecycle()), pages=advocate_site(self.desk))
        self._seeds = itertools.count(1)
        self.advocate = 0
        self.accounts = self._seed_accounts()
        self.slots: dict[str, int] = {}
        self.refresh_slots()
        self.response_url = stub.url("/response/fuzz")
        #: told about every request's outcome (the running test's tally, see conftest)
        self.on_outcome: Callable[[Outcome], None] | None = None

    # --- the seeded program ----------------------------------------------------------------

    def _seed_accounts(self) -> dict[str, int]:
        now = self.desk.now()
        rows = {
            "Acme Corp": ("Fintech", OWNER, "A-1"),
            "Globex": ("Fintech", OWNER2, "G-1"),
            "Initech": ("Healthcare", None, "I-1"),
        }
        ids: dict[str, int] = {}
        with self.db.transaction() as session:
            for name, (industry, owner, crm_id) in rows.items():
                account = Account(
                    name=name,
                    name_key=normalize(name),
                    industry=industry,
                    industry_key=normalize(industry),
                    owner_slack_id=owner,
                    crm_id=crm_id,
                    products="Payments;Risk",
                    created_at=now,
                    updated_at=now,
                )
                session.add(account)
                session.flush()
                ids[name] = account.id
                advocate = Advocate(
                    account_id=account.id,
                    name=f"Jane {name}",
                    person_key=f"jane {normalize(name)}",
                    title="VP",
                    activities="reference_call;logo;quote",
                )
                session.add(advocate)
                session.flush()
                if name == "Acme Corp":
                    self.advocate = advocate.id
        return ids

    def _new_request(self, account: str, requester: str, *, approve: bool) -> int:
        submitted = asking.submit(
            self.db,
            self.desk.policy,
            Draft(account_id=self.accounts[account], activity="logo", opportunity_name="Seeded deal"),
            self.desk.act(requester),
            source_key=f"fuzz-seed:{next(self._seeds)}",
        )
        if approve:
            deciding.decide(
                self.db,
                self.desk.policy,
                submitted.request_id,
                self.desk.act(ADMIN),
                approve=True,
                override_reason="fuzz set-up",
                advocate_id=store_seed.someone_to_ask(self.db, submitted.request_id),
            )
        return submitted.request_id

    def refresh_slots(self) -> None:
        """A pending request for an owner, a pending one for the admins and an approved one, always.

        Payloads name them `{{pending}}`, `{{ownerless}}` and `{{approved}}`; a privileged click
        that decided or closed one gets it replaced before the next example.
        """
        wanted = {
            "pending": ("Acme Corp", SELLER, RequestStatus.PENDING),
            "ownerless": ("Initech", SELLER, RequestStatus.PENDING),
            "approved": ("Globex", SELLER2, RequestStatus.APPROVED),
        }
        with self.db.transaction(readonly=True) as session:
            current = dict(
                session.execute(
                    select(ReferenceRequest.id, ReferenceRequest.status).where(
                        ReferenceRequest.id.in_(list(self.slots.values()))
                    )
                ).all()
            )
        for slot, (account, requester, status) in wanted.items():
            if current.get(self.slots.get(slot, -1)) != status:
                self.slots[slot] = self._new_request(
                    account, requester, approve=status == RequestStatus.APPROVED
                )

    def state(self) -> State:
        with self.db.transaction(readonly=True) as session:
            rows = session.execute(
                select(
                    ReferenceRequest.id,
                    ReferenceRequest.status,
                    ReferenceRequest.decided_by,
                    ReferenceRequest.decision_reason,
                    ReferenceRequest.outcome_note,
                ).order_by(ReferenceRequest.id)
            ).all()
            count, total, last = session.execute(
                select(
                    func.count(LedgerEntry.id),
                    func.coalesce(func.sum(LedgerEntry.amount), 0),
                    func.max(LedgerEntry.id),
                )
            ).one()
        return State(tuple(tuple(r) for r in rows), (int(count), int(total), int(last or 0)))

    def placeholders(self) -> dict[str, int]:
        return {
            **self.slots,
            "acme": self.accounts["Acme Corp"],
            "globex": self.accounts["Globex"],
            "initech": self.accounts["Initech"],
            "advocate": self.advocate,
        }

    def resolve(self, node: Any) -> Any:
        """Put the current request ids where a payload says `{{pending}}` etc."""
        if isinstance(node, str):
            if "{{" in node:
                for slot, known_id in self.placeholders().items():
                    node = node.replace("{{" + slot + "}}", str(known_id))
                node = node.replace("{{response_url}}", self.response_url)
            return node
        if isinstance(node, dict):
            return {self.resolve(k): self.resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self.resolve(v) for v in node]
        return node

    # --- one request -------------------------------------------------------------------------

    def settle(self) -> bool:
        deadline = time.monotonic() + SETTLE_SECONDS
        executors = (self.listeners, self.decisions, self.deliveries)
        while any(executor.busy for executor in executors):
            if not all(executor.wait_idle(deadline) for executor in executors):
                return False
        return True

    def send(
        self,
        raw: bytes,
        content_type: str | None = "application/x-www-form-urlencoded",
        *,
        timestamp: str | None = None,
        signature: str | None = None,
        headers: dict[str, str | None] | None = None,
        path: str = "/slack/events",
        method: str = "POST",
        content_length: str | None = None,
    ) -> Outcome:
        """POST `raw`, signed as Slack signs it unless `signature`/`headers` say otherwise
        (a header set to None is left out)."""
        ts = str(int(time.time())) if timestamp is None else timestamp
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "CONTENT_LENGTH": str(len(raw)) if content_length is None else content_length,
            "wsgi.input": io.BytesIO(raw),
            "HTTP_X_SLACK_REQUEST_TIMESTAMP": ts,
            "HTTP_X_SLACK_SIGNATURE": sign(raw, ts) if signature is None else signature,
        }
        if content_type is not None:
            environ["CONTENT_TYPE"] = content_type
        for name, value in (headers or {}).items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if value is None:
                environ.pop(key, None)
            else:
                environ[key] = value
        status: list[str] = []

        def start_response(line: str, _headers: list[tuple[str, str]], _exc_info: object = None) -> None:
            status.append(line)

        self.settle()
        self.stub.taken()
        capture = Records()
        root = logging.getLogger()
        root.addHandler(capture)
        try:
            try:
                body = b"".join(self.wsgi(environ, start_response))
                outcome = Outcome(int(status[0].split()[0]), body)
            except Exception:
                # what waitress does with an exception from the app: 500 and the traceback logged
                outcome = Outcome(500, b"Internal Server Error", crash=traceback.format_exc())
            outcome.settled = self.settle()
        finally:
            root.removeHandler(capture)
        outcome.records = capture.take()
        outcome.calls = self.stub.taken()
        if self.on_outcome is not None:
            self.on_outcome(outcome)
        return outcome

    def close(self) -> None:
        self.settle()
        self.listeners.shutdown(wait=True)
        self.decisions.shutdown(wait=True)
        self.deliveries.shutdown(wait=True)
        self.db.dispose()
