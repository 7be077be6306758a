"""A transparent recorder between the app and the Slack emulator, which can also play an outage.

The emulator cannot read back the views an app opened, nor misbehave on demand; this pass-through
on loopback records every Web API call (method, arguments, answer) and, when told, answers with
Slack's own failure shapes (HTTP 429 with `Retry-After`, or HTTP 503), for a number of calls or
for a while, or does the call and then answers too late (the client has given up by then, but
Slack has done what it was asked), or holds the call before doing it (Slack stores the message
after the client gave up: it lands in the conversation late).

The emulator has no Socket Mode: the proxy answers `apps.connections.open` itself, as Slack does,
once the test has set `socket_mode_url` (the `ws://` URL of `tests.support.socket_mode`'s server):
with that URL to the app token `app_token`, `invalid_auth` to another, or `connections_error`.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

JSON_FIELDS = ("blocks", "view", "attachments", "metadata")


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    status: int
    response: dict[str, Any]
    #: seconds the call or its answer was held back
    held: float = 0.0


@dataclass
class Fault:
    status: int
    methods: frozenset[str] | None
    retry_after: int | None
    remaining: int
    #: `time.monotonic()` after which the fault heals by itself
    until: float | None = None
    #: only calls to this channel (or user, for a DM) are hit
    channel: str | None = None
    #: do the call, then hold the answer this many seconds (instead of answering `status`)
    hold: float = 0.0
    #: hold the call this many seconds, then do it and answer (to a client long gone)
    store_after: float = 0.0


class SlackProxy:
    def __init__(self, upstream: str) -> None:
        #: the emulator's root: the app's paths (`/api/<method>`) are forwarded as they are
        self.upstream = upstream.rstrip("/").removesuffix("/api")
        self.calls: list[Call] = []
        self.fault: Fault | None = None
        #: what `apps.connections.open` answers (None: the emulator's own answer, an unknown method)
        self.socket_mode_url: str | None = None
        self.app_token: str | None = None
        #: Slack's error for `apps.connections.open`, e.g. "missing_scope"
        self.connections_error: str | None = None
        #: called with the method's name once the emulator did a call, before the app gets the answer
        self.on_answer: Callable[[str], None] | None = None
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                method = self.path.rsplit("/", 1)[-1]
                args = _parse(raw, self.headers.get("Content-Type", ""))
                injected = proxy._take_fault(method, args)
                if injected is not None and not (injected.hold or injected.store_after):
                    body = json.dumps(
                        {
                            "ok": False,
                            "error": "ratelimited" if injected.status == 429 else "service_unavailable",
                        }
                    ).encode()
                    with proxy._lock:
                        proxy.calls.append(Call(method, args, injected.status, json.loads(body)))
                    self.send_response(injected.status)
                    if injected.retry_after is not None:
                        self.send_header("Retry-After", str(injected.retry_after))
                    self._send_body(body)
                    return
                if method == "apps.connections.open" and proxy.socket_mode_url is not None:
                    answer = proxy._connections_open(self.headers.get("Authorization", ""))
                    with proxy._lock:
                        proxy.calls.append(Call(method, args, 200, answer))
                    self.send_response(200)
                    self._send_body(json.dumps(answer).encode())
                    return
                if injected is not None and injected.store_after:
                    time.sleep(injected.store_after)
                request = urllib.request.Request(
                    proxy.upstream + self.path,
                    data=raw,
                    method="POST",
                    headers={
                        k: v
                        for k, v in self.headers.items()
                        if k.lower() in ("authorization", "content-type")
                    },
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        status, body = answer.status, answer.read()
                except urllib.error.HTTPError as exc:
                    status, body = exc.code, exc.read()
                try:
                    parsed = json.loads(body or b"{}")
                except ValueError:
                    parsed = {"raw": body.decode(errors="replace")}
                if injected is not None:
                    # done, recorded, and answered once the client has given up: that is the point
                    with proxy._lock:
                        proxy.calls.append(
                            Call(method, args, status, parsed, injected.hold + injected.store_after)
                        )
                    time.sleep(injected.hold)
                    with contextlib.suppress(OSError):
                        self.send_response(status)
                        self._send_body(body)
                    return
                if proxy.on_answer is not None:
                    proxy.on_answer(method)
                # recorded before it is answered: a client that has its answer finds the call logged
                with proxy._lock:
                    proxy.calls.append(Call(method, args, status, parsed))
                self.send_response(status)
                self._send_body(body)

            def _send_body(self, body: bytes) -> None:
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/api/"

    def fail(
        self,
        status: int = 503,
        *,
        methods: set[str] | None = None,
        retry_after: int | None = None,
        count: int = -1,
        seconds: float | None = None,
        channel: str | None = None,
    ) -> None:
        """Answer `status` to the given methods (all when None), `count` times (-1: until healed)
        or for `seconds`; only to calls about `channel` when given."""
        until = time.monotonic() + seconds if seconds is not None else None
        with self._lock:
            self.fault = Fault(
                status, frozenset(methods) if methods else None, retry_after, count, until, channel
            )

    def answer_late(
        self, seconds: float, *, methods: set[str], channel: str | None = None, count: int = 1
    ) -> None:
        """Let the emulator do the next `count` calls, and hold each answer `seconds` before sending it."""
        with self._lock:
            self.fault = Fault(200, frozenset(methods), None, count, channel=channel, hold=seconds)

    def store_late(
        self, seconds: float, *, methods: set[str], channel: str | None = None, count: int = 1
    ) -> None:
        """Hold the next `count` calls `seconds` before the emulator does them (and answers, too late)."""
        with self._lock:
            self.fault = Fault(200, frozenset(methods), None, count, channel=channel, store_after=seconds)

    def _connections_open(self, authorization: str) -> dict[str, Any]:
        if self.connections_error is not None:
            return {"ok": False, "error": self.connections_error}
        if authorization != f"Bearer {self.app_token}":
            return {"ok": False, "error": "invalid_auth"}
        return {"ok": True, "url": self.socket_mode_url}

    def heal(self) -> None:
        with self._lock:
            self.fault = None

    def _take_fault(self, method: str, args: dict[str, Any]) -> Fault | None:
        with self._lock:
            fault = self.fault
            if fault is not None and fault.until is not None and time.monotonic() > fault.until:
                self.fault = fault = None
            if (
                fault is None
                or (fault.methods is not None and method not in fault.methods)
                or (fault.channel is not None and args.get("channel") != fault.channel)
            ):
                return None
            if fault.remaining > 0:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self.fault = None
            return fault

    def calls_to(self, method: str, *, ok: bool | None = True) -> list[Call]:
        with self._lock:
            return [
                c
                for c in self.calls
                if c.method == method and (ok is None or bool(c.response.get("ok")) == ok)
            ]

    def wait_for(self, method: str, count: int = 1, timeout: float = 15, **match: Any) -> list[Call]:
        """Wait until `count` successful calls of `method` whose args contain `match` were made."""
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.calls_to(method) if all(c.args.get(k) == v for k, v in match.items())]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _parse(raw: bytes, content_type: str) -> dict[str, Any]:
    if "json" in content_type:
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return {}
    args: dict[str, Any] = dict(parse_qsl(raw.decode(errors="replace")))
    for name in JSON_FIELDS:
        if isinstance(args.get(name), str):
            with contextlib.suppress(ValueError):
                args[name] = json.loads(args[name])
    return args
