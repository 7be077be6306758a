"""The floor `bench/run.py` measures the app against, in a process of its own, as `refdesk serve`
runs in its own: `python -m bench.bare_bolt SLACK_API_URL SIGNING_SECRET DATABASE_URL` prints the
port it listens on (127.0.0.1), then answers until its stdin closes.

It is Bolt with the same signature check, routing and server as the app — `bot.serve.wsgi`'s WSGI
app under `bot.process.http`'s waitress with `serve`'s default threads — and listeners that only
ack. Its acks leave as stock Bolt's do, at Bolt's next look for them (every 10 ms): that is the
floor the app's acks are held to, and below which `handlers.kit.acks` answers. The database is
only what `/healthz` would probe; no listener touches it.
"""

from __future__ import annotations

import sys
import threading

from slack_bolt import App
from slack_sdk import WebClient

from bot.process.http import THREADS, HttpServer
from bot.process.lifecycle import Lifecycle
from bot.process.probes import Probes
from bot.serve.wsgi import SlackWsgi
from store.db import Database


def bare_bolt(api_url: str, secret: str) -> App:
    """Bolt with listeners that only ack the payloads `bench/run.py` sends."""
    app = App(
        client=WebClient(token="xoxb-bench", base_url=api_url),
        signing_secret=secret,
        token_verification_enabled=False,
    )
    app.command("/reference")(lambda ack: ack())
    app.options("account")(lambda ack: ack(options=[]))
    app.view("request_modal")(lambda ack: ack())
    app.action("approve")(lambda ack: ack())
    app.view("pick_advocate_modal")(lambda ack: ack())
    return app


def main() -> None:
    api_url, secret, database_url = sys.argv[1:4]
    db = Database(database_url)
    wsgi = SlackWsgi(bare_bolt(api_url, secret), db, secret, Probes(Lifecycle()))
    http = HttpServer(wsgi, "127.0.0.1", 0, threads=THREADS)
    threading.Thread(target=http.run, name="http", daemon=True).start()
    print(http.server.effective_port, flush=True)
    sys.stdin.read()  # until the benchmark closes it (or exits)
    http.stop(1.0)
    db.dispose()


if __name__ == "__main__":
    main()
