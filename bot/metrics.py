"""What a process tells Prometheus about itself, on `/metrics` (the official `prometheus-client`).

Each process — every `serve` replica, every `worker` — exposes its own figures on its own port;
Prometheus scrapes each and sums (`sum by (...)`) what is per process. The outbox's depth is read
from the shared database at scrape time, so every process shows the same depth: take `max`.

The metrics are module-level, as the client's own examples do, in a registry of our own (nothing
of the client's default process collectors, whose names would clash in tests that start several
apps in one interpreter). What the store counts as plain numbers (claims settled, the database
found unavailable) is read from it at scrape time by `StoreCollector`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from store.db import Database
from store.errors import Unavailable
from store.outbox import listing, queue

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
#: an ack is due within Slack's 3 s: the buckets are finest below it
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
API_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

ACK_SECONDS = Histogram(
    "refdesk_ack_seconds",
    "Seconds from a Slack payload's arrival to its ack, by payload kind",
    ["kind"],
    buckets=ACK_BUCKETS,
    registry=REGISTRY,
)
SLACK_API_SECONDS = Histogram(
    "refdesk_slack_api_seconds",
    "Seconds one Slack Web API call took, its retries inside the call included, by method",
    ["method"],
    buckets=API_BUCKETS,
    registry=REGISTRY,
)
SLACK_API_ERRORS = Counter(
    "refdesk_slack_api_errors",
    "Slack Web API calls that failed, by method and error (Slack's error code, http_5xx, unreachable); "
    "429s are counted apart",
    ["method", "error"],
    registry=REGISTRY,
)
SLACK_API_RATELIMITED = Counter(
    "refdesk_slack_api_ratelimited",
    "Slack Web API calls answered 429 (rate limited), by method",
    ["method"],
    registry=REGISTRY,
)
JOB_CLAIMS = Counter(
    "refdesk_job_claims", "Deliveries a scheduled job claimed, by job", ["job"], registry=REGISTRY
)
JOB_RUNS = Counter(
    "refdesk_job_runs",
    "Runs of a scheduled job, by job and outcome (ok, failed)",
    ["job", "outcome"],
    registry=REGISTRY,
)
SOCKET_MODE_CONNECTED = Gauge(
    "refdesk_socket_mode_connected", "1 while the Socket Mode connection is up", registry=REGISTRY
)
SOCKET_MODE_RECONNECTS = Counter(
    "refdesk_socket_mode_reconnects", "Socket Mode connections lost and opened again", registry=REGISTRY
)
READY = Gauge("refdesk_ready", "1 while /readyz answers 200", registry=REGISTRY)


class StoreCollector(Collector):
    """Figures read from the store at scrape time: the outbox's depth (from the database, within
    the process's database limits), what this process's claims came to, how often this process
    found the database unavailable."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._db: Database | None = None

    def watch(self, db: Database) -> None:
        with self._lock:
            self._db = db

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            db = self._db
        settled = CounterMetricFamily(
            "refdesk_deliveries",
            "Deliveries this process settled, by kind and outcome (sent, nothing, retry, in_doubt, failed)",
            labels=["kind", "outcome"],
        )
        for (kind, outcome), count in sorted(queue.SETTLED.copy().items()):
            settled.add_metric([kind, outcome], count)
        yield settled
        unavailable = CounterMetricFamily(
            "refdesk_database_unavailable", "Times this process found the database unavailable"
        )
        unavailable.add_metric([], db.unavailable_count if db is not None else 0)
        yield unavailable
        if db is not None:
            yield from _outbox(db)


def _outbox(db: Database) -> Iterator[Metric]:
    try:
        rows = listing.depth(db, dt.datetime.now(dt.UTC))
    except Unavailable:
        return  # counted above; the depth is simply missing from this scrape
    count = GaugeMetricFamily(
        "refdesk_outbox_deliveries", "Deliveries not sent yet, by status and kind", labels=["status", "kind"]
    )
    oldest = GaugeMetricFamily(
        "refdesk_outbox_oldest_due_seconds",
        "How long the longest-waiting due delivery has waited, by status and kind",
        labels=["status", "kind"],
    )
    for row in rows:
        count.add_metric([row.status, row.kind], row.count)
        oldest.add_metric([row.status, row.kind], row.oldest_due_seconds)
    yield count
    yield oldest


STORE = StoreCollector()
REGISTRY.register(STORE)


def exposition() -> tuple[bytes, str]:
    """The text `/metrics` answers, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
