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

import bisect
import datetime as dt
import gc
import itertools
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
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


#: the upper bounds of the collection pauses' buckets, in seconds
PAUSE_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
GENERATIONS = (0, 1, 2)


class HeapCollector(Collector):
    """The cycle collector's pauses (an ack in flight waits for each: `bot.process.heap`) and the
    objects the process froze once started.

    The pauses are counted by the collector's own callback, from when the process is settled: a
    pause is the collection's wall time, on whichever thread set it off. Collections never
    overlap (CPython runs one at a time), so the counts take no lock — a lock taken inside a
    collection could be one its own thread already holds; a scrape may read a count and the sum
    one collection apart.
    """

    def __init__(self) -> None:
        self.counts = {generation: [0] * (len(PAUSE_BUCKETS) + 1) for generation in GENERATIONS}
        self.sums = dict.fromkeys(GENERATIONS, 0.0)
        #: when the collection under way started; None until one is seen starting
        self._started: float | None = None

    def watch(self) -> None:
        """Time every collection from now on (once per interpreter, however often it is called)."""
        if self._timed not in gc.callbacks:
            gc.callbacks.append(self._timed)

    def _timed(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        if self._started is None:  # watched from within a collection: its start was not seen
            return
        paused, self._started = time.perf_counter() - self._started, None
        generation = info["generation"]
        self.counts[generation][bisect.bisect_left(PAUSE_BUCKETS, paused)] += 1
        self.sums[generation] += paused

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        pauses = HistogramMetricFamily(
            "refdesk_gc_pause_seconds",
            "Seconds each cycle collection held the interpreter, by generation (2: a full collection)",
            labels=["generation"],
        )
        bounds = [*(str(bound) for bound in PAUSE_BUCKETS), "+Inf"]
        for generation in GENERATIONS:
            running = itertools.accumulate(list(self.counts[generation]))
            buckets = list(zip(bounds, running, strict=True))
            pauses.add_metric([str(generation)], buckets, self.sums[generation])
        yield pauses
        frozen = GaugeMetricFamily(
            "refdesk_gc_frozen_objects", "Objects frozen once the process started: never scanned again"
        )
        frozen.add_metric([], gc.get_freeze_count())
        yield frozen


HEAP = HeapCollector()
REGISTRY.register(HEAP)


def exposition() -> tuple[bytes, str]:
    """The text `/metrics` answers, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
