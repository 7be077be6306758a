"""A burst of signed requests through a load balancer of our own, and the count that follows it:
every request, decision, ledger entry and notice exactly once, the Slack stand-in's log against
the database.

`Balancer` plays the load balancer in front of the `serve` replicas: round robin, and a request
whose connection is refused (a replica that stopped) goes to the next one, as a balancer does.
Whatever a replica answered is what Slack got: its status is recorded, nothing is retried.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
import urllib.error
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from store.db import Database
from store.models import Account, Advocate, Delivery, DeliveryStatus, EntryKind, LedgerEntry, ReferenceRequest
from tests.e2e.test_ask_and_decide import form
from tests.support.database import open_database
from tests.support.payloads import block_actions, view_submission
from tests.support.server import RefdeskServer, Reply, http, run_cli
from tests.support.signing import interaction_body, signed_headers
from tests.support.slack_proxy import SlackProxy

ACTIVITY = "logo"


@dataclass
class Balancer:
    replicas: list[RefdeskServer]
    secret: str
    statuses: Counter[int] = field(default_factory=Counter)
    #: requests no replica answered (every connection refused or cut): a lost ack
    lost: int = 0
    _turn: itertools.count[int] = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def post(self, body: str) -> Reply | None:
        first = next(self._turn)
        for offset in range(len(self.replicas)):
            replica = self.replicas[(first + offset) % len(self.replicas)]
            headers = signed_headers(self.secret, body)
            try:
                reply = http("POST", replica.url + "/slack/events", body.encode(), headers, timeout=10)
            except urllib.error.URLError as error:
                if isinstance(error.reason, ConnectionRefusedError):
                    continue  # stopped: the balancer sends it to the next replica
                raise
            with self._lock:
                self.statuses[reply.status] += 1
            return reply
        with self._lock:
            self.lost += 1
        return None


@dataclass
class Seeded:
    accounts: list[int]
    advocates: dict[int, int]
    owners: dict[int, str]


def seed_accounts(env: dict[str, str], workdir: Path, owner_emails: list[str], count: int) -> Seeded:
    """`count` accounts, owned in turn by `owner_emails`, each with one advocate willing to do the
    burst's activity, imported through the real CLI (owners resolved in Slack)."""
    accounts = workdir / "burst-accounts.csv"
    advocates = workdir / "burst-advocates.csv"
    accounts.write_text(
        "name,industry,segment,region,products,owner_email,crm_id,renewal_date,status\n"
        + "".join(
            f"Burst {n:03d},Fintech,Enterprise,EMEA,Payments,{owner},B-{n},,active\n"
            for n, owner in zip(range(count), itertools.cycle(owner_emails), strict=False)
        )
    )
    advocates.write_text(
        "account,name,title,email,activities\n"
        + "".join(f"B-{n},Advocate {n},CTO,advocate{n}@burst.example,{ACTIVITY}\n" for n in range(count))
    )
    for what, path in (("accounts", accounts), ("advocates", advocates)):
        done = run_cli(env, "import", what, str(path))
        assert done.returncode == 0, done.stderr
    db = open_database(env["DATABASE_URL"])
    try:
        with db.transaction() as session:
            rows = session.execute(
                select(Account.id, Account.owner_slack_id, Advocate.id)
                .join(Advocate, Advocate.account_id == Account.id)
                .where(Account.name.like("Burst %"))
                .order_by(Account.id)
            ).all()
    finally:
        db.dispose()
    return Seeded([r[0] for r in rows], {r[0]: r[2] for r in rows}, {r[0]: r[1] or "" for r in rows})


def crowd(owners: int, sellers: int) -> list[tuple[str, str, str]]:
    """Slack users for a burst, (handle, real name, e-mail): `owner{n}@example.com` and
    `seller{n}@example.com`. Slack posts about one message a second to a channel: spread over
    many owners and sellers, a burst's DMs are not held by that."""
    people = [(f"owner{n}", f"Owner {n}", f"owner{n}@example.com") for n in range(owners)]
    return people + [(f"seller{n}", f"Seller {n}", f"seller{n}@example.com") for n in range(sellers)]


def submission(user: str, view_id: str, account: int, advocate: int) -> str:
    view = {
        "id": view_id,
        "type": "modal",
        "callback_id": "request_modal",
        "private_metadata": "",
        "blocks": [],
    }
    values = form(account, ACTIVITY, advocate=(f"advocate:{account}:{ACTIVITY}", advocate))
    return interaction_body(view_submission(user, view, values))


def approval(owner: str, request_id: int, response_url: str) -> str:
    return interaction_body(block_actions(owner, "approve", str(request_id), response_url=response_url))


def pending_requests(db: Database) -> list[tuple[int, int]]:
    """(request id, account id) of the requests waiting for a decision."""
    with db.transaction(readonly=True) as session:
        rows = session.execute(
            select(ReferenceRequest.id, ReferenceRequest.account_id).where(
                ReferenceRequest.status == "pending"
            )
        )
        return [(r[0], r[1]) for r in rows]


def wait_settled(
    db: Database, views: list[str], timeout: float, logs: Callable[[], str] = str, *, decided: bool = True
) -> None:
    """Until every view made its request, every request is decided (unless not `decided`) and the
    outbox owes nothing."""
    deadline = time.monotonic() + timeout
    while True:
        with db.transaction(readonly=True) as session:
            made = session.scalar(
                select(func.count()).where(ReferenceRequest.source_key.in_([f"view:{v}" for v in views]))
            )
            undecided = session.scalar(select(func.count()).where(ReferenceRequest.status == "pending"))
            owed = session.scalar(
                select(func.count()).where(
                    Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING])
                )
            )
        if made == len(views) and (undecided == 0 or not decided) and owed == 0:
            return
        assert time.monotonic() < deadline, (
            f"not settled: {made} made, {undecided} undecided, {owed} owed; {logs()}"
        )
        time.sleep(0.2)


def marker(key: str) -> str:
    """As `handlers.outbox.posted.marker`: the block id a delivery's post carries."""
    return "rd-" + hashlib.sha256(key.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Count:
    requests: int
    decisions: int
    ledger_entries: int
    notices: int


def count_once(db: Database, slack: SlackProxy, views: list[str], *, approved: bool = True) -> Count:
    """Every request, decision, ledger entry and notice exactly once, or an assertion error saying
    which was not: the proxy's log of what reached Slack against the database. `approved`: every
    request was approved (else none was decided)."""
    with db.transaction(readonly=True) as session:
        made = Counter(
            session.scalars(
                select(ReferenceRequest.source_key).where(
                    ReferenceRequest.source_key.in_([f"view:{v}" for v in views])
                )
            )
        )
        request_ids = set(session.scalars(select(ReferenceRequest.id)))
        statuses = Counter(session.scalars(select(ReferenceRequest.status)))
        asks = Counter(
            session.scalars(select(LedgerEntry.request_id).where(LedgerEntry.kind == EntryKind.ASK))
        )
        deliveries = session.execute(select(Delivery.key, Delivery.status, Delivery.ts)).all()
    assert set(made.values()) == {1} and len(made) == len(views), made
    if approved:
        assert statuses == {"approved": len(views)}, statuses
        assert set(asks) == request_ids and set(asks.values()) == {1}, asks
    else:
        assert statuses == {"pending": len(views)} and not asks, (statuses, asks)
    assert {status for _, status, _ in deliveries} == {DeliveryStatus.SENT}, Counter(
        s for _, s, _ in deliveries
    )
    posted_keys = {marker(key): key for key, _, ts in deliveries if ts is not None}
    markers: Counter[str] = Counter()
    for call in slack.calls_to("chat.postMessage"):
        found = [
            b.get("block_id")
            for b in call.args.get("blocks") or []
            if str(b.get("block_id", "")).startswith("rd-")
        ]
        assert len(found) == 1, f"a post without exactly one delivery marker: {call.args.get('text')}"
        markers[found[0]] += 1
    twice = {posted_keys.get(m, m): n for m, n in markers.items() if n > 1}
    assert not twice, f"posted more than once: {twice}"
    assert set(markers) == set(posted_keys), (
        f"posts without a delivery: {set(markers) - set(posted_keys)}; "
        f"deliveries without their post: {[posted_keys[m] for m in set(posted_keys) - set(markers)]}"
    )
    return Count(len(made), statuses["approved"], sum(asks.values()), sum(markers.values()))
