"""A stand-in for Slack's `response_url` endpoints (the emulator has none): records what is POSTed."""

from __future__ import annotations

import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ResponseSink:
    def __init__(self) -> None:
        self.received: dict[str, list[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with sink._lock:
                    sink.received.setdefault(self.path, []).append(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def new_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/response/{next(self._ids)}"

    def wait(self, url: str, count: int = 1, timeout: float = 10) -> list[dict[str, Any]]:
        path = url.split(str(self.server.server_port), 1)[1]
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                got = list(self.received.get(path, []))
            if len(got) >= count or time.monotonic() > deadline:
                return got
            time.sleep(0.05)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
