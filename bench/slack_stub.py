"""The Slack Web API stub of `bench/run.py`, in a process of its own: `python -m bench.slack_stub`
prints the port it listens on (127.0.0.1), then answers until its stdin closes.

Every call is answered ok (with a channel, a ts and a view id); the look-up a sender in doubt
makes (`conversations.open`, `conversations.history`) is shaped as Slack shapes it, finding
nothing. It runs in a process of its own because Slack never shares the app's interpreter (when it
ran in the benchmark's process, beside the app, answering the sends of one click took the
interpreter from the next click's ack).
"""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from bench.slack_standin import LoopbackServer, send_json


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        answer: dict[str, Any] = {
            "ok": True,
            "channel": "D0BENCH",
            "ts": "1.000001",
            "view": {"id": "V0BENCH"},
        }
        if self.path.endswith("/conversations.open"):
            answer["channel"] = {"id": "D0BENCH"}
        if self.path.endswith("/conversations.history"):
            answer["messages"] = []
        send_json(self, answer)

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    server = LoopbackServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_port, flush=True)
    sys.stdin.read()  # until the benchmark closes it (or exits)
    server.shutdown()


if __name__ == "__main__":
    main()
