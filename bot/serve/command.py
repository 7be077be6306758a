"""`refdesk serve`: check everything that can be checked, then serve Slack (HTTP or Socket Mode),
the advocate's pages and `/healthz`, and run the scheduler."""

from __future__ import annotations

import argparse
import logging
import threading

from bot.app import build_app, build_desk
from bot.jobs.scheduler import build_scheduler
from bot.serve.socket_mode import SocketModeLink
from bot.serve.startup import identify, started
from bot.serve.wsgi import SLACK_PATH, SlackWsgi, bind_http
from bot.settings import Settings
from handlers.advocate.pages import advocate_site
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
    desk = build_desk(settings, db)
    assert desk.client is not None
    app = build_app(settings, desk, socket_mode=socket_mode)
    identity = identify(settings, desk.client, required=socket_mode)
    link = SocketModeLink(settings, app, desk.client) if socket_mode else None
    #: the advocate's pages need a port in Socket Mode too: REFDESK_PUBLIC_URL points at it
    pages = advocate_site(desk) if desk.links is not None else None
    serves_pages = pages is not None or not socket_mode
    port = args.port if args.port is not None or not serves_pages else DEFAULT_HTTP_PORT
    http = None
    if port is not None:
        secret = None if socket_mode else settings.slack_signing_secret
        wsgi = SlackWsgi(app, db, secret.get_secret_value() if secret else None, link, pages=pages)
        http = bind_http(wsgi, args.host, port, threads=args.threads)
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
    # said once the start has worked: a start that cannot work says one line, its reason
    if not settings.mail_ready:
        log.info(
            "mail settings missing (%s): advocates are not e-mailed; owners record their answers in Slack",
            ", ".join(settings.missing_mail_settings),
        )
    scheduler = None
    if settings.scheduler_enabled and not args.no_scheduler:
        scheduler = build_scheduler(settings, desk)
        scheduler.start()
    try:
        if link is None:
            assert http is not None
            http.run()
        else:
            if http is not None:
                threading.Thread(target=http.run, name="http", daemon=True).start()
            link.wait()
    finally:
        if link is not None:
            link.close()
        if scheduler is not None:
            scheduler.shutdown(wait=False)
    return 0
