"""`refdesk worker`: the scheduled jobs and the outbox's sends, with no Slack listener.

With `serve --no-worker` (or REFDESK_WORKER=external) the web processes only ack, record and
enqueue; one or more workers send, woken by the enqueues (`bot.worker.sending`), and run the
scheduler (each job claims its period once, whichever worker fires first). Its own small HTTP
port answers `/livez`, `/readyz` and `/metrics`. SIGTERM or SIGINT stop it at a safe point: the
scheduler fires no more, each sender finishes the delivery in hand, and it exits 0.
"""

from __future__ import annotations

import argparse
import logging
import threading

from bot.app import build_desk
from bot.errors import CliError
from bot.jobs.scheduler import build_scheduler
from bot.metrics import STORE
from bot.process import heap
from bot.process.http import HttpServer
from bot.process.lifecycle import HTTP_DRAIN_SECONDS, Lifecycle
from bot.process.priority import yield_to_acks
from bot.process.probes import Probes, probes_only
from bot.serve.startup import identify
from bot.settings import HINTS, Settings
from bot.worker.sending import Senders
from store.db import Database

log = logging.getLogger("refdesk")

#: the worker's probe port when none is given (beside `serve`'s 3000 on one machine)
DEFAULT_PORT = 9100
#: threads of the probe port: a load balancer's and Prometheus's requests, nothing more
PROBE_THREADS = 4


def work(settings: Settings, db: Database, args: argparse.Namespace) -> int:
    yield_to_acks()  # first, so every thread the worker starts inherits it
    db.check_schema()
    if settings.slack_bot_token is None:
        raise CliError(f"SLACK_BOT_TOKEN is missing: {HINTS['SLACK_BOT_TOKEN']}")
    desk = build_desk(settings, db, worker_sends=True)
    assert desk.client is not None
    identity = identify(settings, desk.client, required=False)
    lifecycle = Lifecycle()
    http = HttpServer(probes_only(Probes(lifecycle)), args.host, args.port, threads=PROBE_THREADS)
    scheduler = build_scheduler(settings, desk) if settings.scheduler_enabled else None
    senders = Senders(desk, settings.delivery_threads, settings.delivery_interval_seconds)
    STORE.watch(db)
    heap.settle()  # all is built, nothing has started: what it freezes lives as long as the process
    lifecycle.handle_signals()
    threading.Thread(target=http.run, name="http", daemon=True).start()
    senders.start()
    if scheduler is not None:
        scheduler.start()
    lifecycle.started()
    wake = "LISTEN/NOTIFY" if db.dialect == "postgresql" else "a poll of the outbox"
    log.info(
        "refdesk worker: sending what the outbox owes (woken by %s)%s, as @%s; /livez, /readyz and "
        "/metrics on http://%s:%d",
        wake,
        ", running the scheduled jobs" if scheduler is not None else "",
        identity.user if identity is not None else "?",
        args.host,
        args.port,
    )
    while not lifecycle.wait_for_stop(1.0):
        pass
    lifecycle.exit_by(settings.stop_seconds)
    if scheduler is not None:
        scheduler.shutdown(wait=False)
    desk.pacer.close()  # a post waiting for its turn goes back to the outbox, for the next worker
    finished = senders.stop(lifecycle.remaining(settings.stop_seconds - HTTP_DRAIN_SECONDS))
    http.stop(min(HTTP_DRAIN_SECONDS, lifecycle.remaining(settings.stop_seconds)))
    log.info(
        "stopped in %.2f s%s",
        lifecycle.elapsed(),
        "" if finished else ": a send still in hand stays under its lease",
    )
    return 0
