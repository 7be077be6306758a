"""`refdesk serve`: check everything that can be checked, then serve Slack (HTTP or Socket Mode),
the advocate's pages, `/healthz` and the probes, and — unless a `refdesk worker` does
(`--no-worker`, REFDESK_WORKER=external) — send the outbox and run the scheduler.

On SIGTERM or SIGINT it drains (`bot.process.lifecycle`): `/readyz` turns 503, the listener stops
accepting, the requests and envelopes in hand are answered within `HTTP_DRAIN_SECONDS`, the
scheduler stops, the clicks acked are decided, the sends in hand finish — all within
REFDESK_STOP_SECONDS (a claim still held then stays under its lease) — and the process exits 0.
"""

from __future__ import annotations

import argparse
import logging
import threading
from concurrent.futures import Executor

from apscheduler.schedulers.background import BackgroundScheduler

from bot.app import build_app, build_desk
from bot.jobs.scheduler import build_scheduler
from bot.metrics import STORE
from bot.process import heap
from bot.process.http import HttpServer
from bot.process.lifecycle import HTTP_DRAIN_SECONDS, Lifecycle
from bot.process.probes import Probes
from bot.serve.socket_mode import SocketModeLink
from bot.serve.startup import identify, started
from bot.serve.wsgi import SLACK_PATH, SlackWsgi
from bot.settings import Settings
from handlers.advocate.pages import advocate_site
from handlers.kit.desk import Desk
from handlers.kit.threads import OneAtATime
from store.db import Database

log = logging.getLogger("refdesk")

#: `serve --http`'s port when none is given; Socket Mode listens only on a port it is given
DEFAULT_HTTP_PORT = 3000


def serve(settings: Settings, db: Database, args: argparse.Namespace) -> int:
    """Check everything that can be checked (schema, tokens, Slack, the port), then serve.

    Socket Mode opens its connection before anything is served: a start that cannot work stops
    with one line. `--port` in Socket Mode also serves the WSGI app's other routes (`/healthz`).
    """
    db.check_schema()
    socket_mode = args.socket or (settings.slack_app_token is not None and not args.http)
    settings.require_slack(socket_mode=socket_mode)
    settings.require_company()
    external = args.no_worker or settings.worker == "external"
    desk = build_desk(settings, db, worker_sends=external)
    assert desk.client is not None
    app = build_app(settings, desk, socket_mode=socket_mode)
    identity = identify(settings, desk.client, required=socket_mode)
    lifecycle = Lifecycle()
    link = SocketModeLink(settings, app, desk.client) if socket_mode else None
    if link is not None:
        lifecycle.add_check(link.not_connected)
    #: the advocate's pages need a port in Socket Mode too: REFDESK_PUBLIC_URL points at it
    pages = advocate_site(desk) if desk.links is not None else None
    serves_pages = pages is not None or not socket_mode
    port = args.port if args.port is not None or not serves_pages else DEFAULT_HTTP_PORT
    http = None
    if port is not None:
        secret = None if socket_mode else settings.slack_signing_secret
        wsgi = SlackWsgi(
            app, db, secret.get_secret_value() if secret else None, Probes(lifecycle), link, pages=pages
        )
        http = HttpServer(wsgi, args.host, port, threads=args.threads)
    heap.settle()  # all is built, nothing has started: what it freezes lives as long as the process
    if link is not None:
        link.open()
    url = f"http://{args.host}:{port}"
    pages_too = ", the advocate's pages" if pages is not None else ""
    if not socket_mode:
        mode, where = "HTTP", f"Slack posts to {url}{SLACK_PATH}, /healthz{pages_too} there too"
    elif http is not None:
        mode, where = "Socket Mode", f"/healthz{pages_too} on {url}"
    else:
        mode, where = "Socket Mode", "no HTTP port (--port N serves /healthz)"
    log.info(started(settings, identity, mode, where))
    _say_once(settings, desk, external)
    scheduler = None
    if settings.scheduler_enabled and not args.no_scheduler and not external:
        scheduler = build_scheduler(settings, desk)
        scheduler.start()
    STORE.watch(db)
    lifecycle.handle_signals()
    if http is not None:
        threading.Thread(target=http.run, name="http", daemon=True).start()
    lifecycle.started()
    while not lifecycle.wait_for_stop(1.0):
        pass
    _drain(settings, lifecycle, desk, http, link, scheduler, app.listener_runner.listener_executor)
    return 0


def _say_once(settings: Settings, desk: Desk, external: bool) -> None:
    """What a start says once it has worked (a start that cannot work says one line, its reason)."""
    if not settings.mail_ready:
        log.info(
            "mail settings missing (%s): advocates are not e-mailed; owners record their answers in Slack",
            ", ".join(settings.missing_mail_settings),
        )
    if desk.links is not None and settings.link_secret is None:
        log.info(
            "REFDESK_LINK_SECRET is not set: the advocate's e-mailed links are keyed by "
            "SLACK_SIGNING_SECRET, so changing that secret voids them; set REFDESK_LINK_SECRET to keep "
            "them apart"
        )
    if external:
        log.info("a `refdesk worker` sends what the outbox owes and runs the scheduled jobs (REFDESK_WORKER)")


def _drain(
    settings: Settings,
    lifecycle: Lifecycle,
    desk: Desk,
    http: HttpServer | None,
    link: SocketModeLink | None,
    scheduler: BackgroundScheduler | None,
    listeners: Executor,
) -> None:
    """The orderly stop, in the order that loses nothing: no new work (readiness is already 503),
    the requests in hand answered, their listeners finished (one may be handing its click's
    decision over), the clicks acked decided, then the sends in hand finished (all bounded)."""
    lifecycle.exit_by(settings.stop_seconds)
    if scheduler is not None:
        scheduler.shutdown(wait=False)
    unacked = link.drain(lifecycle.remaining(HTTP_DRAIN_SECONDS)) if link is not None else 0
    if http is not None:
        http.stop(lifecycle.remaining(HTTP_DRAIN_SECONDS))
    answered = lifecycle.elapsed()
    clicks = desk.decisions.waiting if isinstance(desk.decisions, OneAtATime) else 0
    listeners.shutdown(wait=True)
    if desk.decisions is not None:
        desk.decisions.shutdown(wait=True)  # every click acked is decided (`exit_by` bounds it)
    decided = lifecycle.elapsed()
    desk.pacer.close()  # a post waiting for its turn goes back to the outbox, for the next process
    if desk.executor is not None:
        # sends not started yet stay in the outbox for the next process; those started finish
        desk.executor.shutdown(wait=True, cancel_futures=True)
    log.info(
        "stopped: requests in hand answered in %.2f s%s, %d click(s) acked and waiting decided by "
        "%.2f s, sends finished in %.2f s",
        answered,
        f" ({unacked} envelope(s) unacked)" if unacked else "",
        clicks,
        decided,
        lifecycle.elapsed(),
    )
