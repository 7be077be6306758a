"""A Slack Web API stand-in on loopback for the burst benchmark: slow like Slack, rate-limited like Slack.

Every call is answered after a latency drawn uniformly from `latency` (Slack's Web API answers in
roughly 50–300 ms), and `chat.postMessage` is held to one message per `per_channel_seconds` per
channel: a faster post gets HTTP 429 with `Retry-After`, as Slack does. Every call is logged with
the moment it arrived, so the benchmark can count what reached "Slack" and when. The stand-in
also takes `response_url` posts (under `/respond/`), which is where refusals of a click go.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import random
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def send_json(
    handler: BaseHTTPRequestHandler,
    answer: dict[str, Any],
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> None:
    """Answer the request `handler` holds with `answer` as JSON, as the Web API answers."""
    data = json.dumps(answer).encode()
    handler.send_response(status)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


class LoopbackServer(ThreadingHTTPServer):
    """A threaded HTTP server whose listen queue takes a burst: a worker's senders and many
    listeners connect at once, and the default queue of 5 (set when the socket listens, so it must
    be the class's) made the kernel reset connections."""

    daemon_threads = True
    request_queue_size = 256


@dataclass(frozen=True)
class Call:
    """One Web API call as the stand-in saw it."""

    method: str
    #: `time.time()` when it arrived (comparable with the database's timestamps on this machine)
    at: float
    args: dict[str, Any]
    status: int
    #: the `ts` answered to a successful post (what a later chat.update names)
    ts: str | None = None


@dataclass
class SlackStandIn:
    latency: tuple[float, float] = (0.05, 0.25)
    per_channel_seconds: float = 1.0
    #: called (outside the lock) with the arguments of every post that got through
    on_post: Callable[[dict[str, Any]], None] | None = None
    #: called (outside the lock) with every view a `views.open` showed someone
    on_view: Callable[[dict[str, Any]], None] | None = None
    #: called (outside the lock) with the path under `/respond/` and the text of every answer said
    #: in place (a click's refusal)
    on_respond: Callable[[str, str], None] | None = None
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._last_post: dict[str, float] = {}
        #: what each channel holds, newest last: what conversations.history answers (a sender in
        #: doubt looks there before posting again)
        self._history: dict[str, list[dict[str, Any]]] = {}
        self._ts = itertools.count(1)
        self._rng = random.Random(13)
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer, headers = standin._answer(
                    self.path, self.headers.get("Content-Type", ""), raw
                )
                send_json(self, answer, status, headers)

            def log_message(self, *args: object) -> None:
                pass

        self.server = LoopbackServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/"
        self.respond_url = f"http://127.0.0.1:{self.server.server_port}/respond/"

    def _answer(self, path: str, content_type: str, raw: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        arrived = time.time()
        args = _arguments(content_type, raw)
        method = path.removeprefix("/api/") if path.startswith("/api/") else "response_url"
        status, headers, ts = 200, {}, None
        with self._lock:
            if method == "chat.postMessage":
                channel = str(args.get("channel", ""))
                last = self._last_post.get(channel)
                if last is not None and arrived - last < self.per_channel_seconds:
                    status, headers = 429, {"Retry-After": "1"}
                else:
                    self._last_post[channel] = arrived
                    ts = f"{1_700_000_000 + next(self._ts)}.000100"
                    message = {"type": "message", "ts": ts, "blocks": args.get("blocks") or []}
                    self._history.setdefault(channel, []).append(message)
            history = list(reversed(self._history.get(str(args.get("channel", "")), [])[-100:]))
            self.calls.append(Call(method, arrived, args, status, ts))
            pause = self._rng.uniform(*self.latency)
        time.sleep(pause)
        if ts is not None and self.on_post is not None:
            self.on_post(args)
        if method == "views.open" and self.on_view is not None and isinstance(args.get("view"), dict):
            self.on_view(args["view"])
        if method == "response_url" and self.on_respond is not None:
            self.on_respond(path.removeprefix("/respond/"), str(args.get("text", "")))
        if status == 429:
            return status, {"ok": False, "error": "ratelimited"}, headers
        channel = str(args.get("channel") or args.get("users") or "D0BURST")
        answer: dict[str, Any] = {"ok": True, "channel": channel, "ts": ts or "1700000000.000001"}
        if method.startswith("views."):
            answer["view"] = {"id": "V0BURST", "hash": "h"}
        if method == "conversations.open":
            answer["channel"] = {"id": channel}
        if method == "conversations.history":
            answer["messages"] = history
        if method == "users.info":  # who signs the e-mails: a name, a title and an address
            user = str(args.get("user", ""))
            profile = {
                "real_name": f"Owner {user}",
                "title": "Account Manager",
                "email": f"{user.lower()}@bench.example",
            }
            answer["user"] = {
                "id": user,
                "name": user.lower(),
                "real_name": profile["real_name"],
                "profile": profile,
            }
        if method == "auth.test":
            answer.update(user_id="U0BOT", bot_id="B0BOT", team_id="T0000000001")
        return 200, answer, headers

    def snapshot(self) -> list[Call]:
        with self._lock:
            return list(self.calls)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _arguments(content_type: str, raw: bytes) -> dict[str, Any]:
    text = raw.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            loaded = json.loads(text or "{}")
        except json.JSONDecodeError:
            return {}
        return loaded if isinstance(loaded, dict) else {}
    args: dict[str, Any] = dict(urllib.parse.parse_qsl(text))
    for name in ("blocks", "view"):
        if isinstance(args.get(name), str):
            with contextlib.suppress(json.JSONDecodeError):
                args[name] = json.loads(args[name])
    return args
