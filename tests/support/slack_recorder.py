"""A fake Slack on loopback that records what the app said, for fast handler tests (no Node emulator).

One real HTTP server plays both sides of Slack the app talks to:

* the Web API (`/api/<method>`): every call is recorded (method, arguments, answer) and answered
  the way Slack answers a success, with the fields the app reads back (`views.open` returns the
  view with an id, `chat.postMessage` a channel and a ts);
* `response_url`s (`/response/<n>`): what a listener says in place (an ephemeral reply) is kept
  per URL, so a test reads exactly what one click was told.

It keeps no state beyond the record: tests read the database for what changed and this record for
what people were shown.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qsl

BOT_USER_ID = "U0REFDESK"
TEAM_ID = "T000000001"
#: Web API arguments that slack_sdk sends JSON-encoded inside a form body
JSON_FIELDS = ("blocks", "view", "attachments", "metadata")
VIEW_METHODS = frozenset({"views.open", "views.update", "views.push", "views.publish"})

T = TypeVar("T")


@dataclass(frozen=True)
class Call:
    method: str
    args: dict[str, Any]
    response: dict[str, Any]


class SlackRecorder:
    def __init__(self) -> None:
        #: who `users.info` knows: user id → (real name, title, e-mail); others are not found
        self.people: dict[str, tuple[str, str, str]] = {}
        self.calls: list[Call] = []
        self.responses: dict[str, list[dict[str, Any]]] = {}
        #: methods Slack refuses, with the error it answers (`{"views.open": "expired_trigger_id"}`)
        self.refuse: dict[str, str] = {}
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                args = _parse(raw, self.headers.get("Content-Type", ""))
                if self.path.startswith("/response/"):
                    with recorder._lock:
                        recorder.responses.setdefault(self.path, []).append(args)
                    answer: dict[str, Any] = {"ok": True}
                else:
                    method = self.path.rsplit("/", 1)[-1]
                    answer = recorder._answer(method, args)
                    with recorder._lock:
                        recorder.calls.append(Call(method, args, answer))
                body = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # a short poll interval: `close()` waits for it, once per test
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    @property
    def api_url(self) -> str:
        """What `SLACK_API_URL` points at."""
        return f"{self.base}/api/"

    def new_response_url(self) -> str:
        return f"{self.base}/response/{next(self._numbers)}"

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        number = next(self._numbers)
        if method in self.refuse:
            return {"ok": False, "error": self.refuse[method]}
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER_ID, "bot_id": "B0REFDESK", "team_id": TEAM_ID}
        if method in VIEW_METHODS:
            view = args.get("view") if isinstance(args.get("view"), dict) else {}
            return {"ok": True, "view": {**view, "id": f"V{number:08d}", "team_id": TEAM_ID, "state": {}}}
        if method == "chat.postMessage":
            return {"ok": True, "channel": f"D{args.get('channel', '')}", "ts": f"{number}.000100"}
        if method == "chat.update":
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": f"D{args.get('users', '')}"}}
        if method == "conversations.history":
            return {"ok": True, "messages": []}
        if method == "users.info":
            user_id = str(args.get("user", ""))
            if user_id not in self.people:
                return {"ok": False, "error": "user_not_found"}
            name, title, email = self.people[user_id]
            profile = {"real_name": name, "title": title, "email": email}
            return {"ok": True, "user": {"id": user_id, "real_name": name, "profile": profile}}
        return {"ok": True}

    # --- reading the record ----------------------------------------------------------------------

    def calls_to(self, method: str, **match: Any) -> list[Call]:
        """The calls of `method` whose arguments contain `match`."""
        with self._lock:
            return [
                c
                for c in self.calls
                if c.method == method and all(c.args.get(k) == v for k, v in match.items())
            ]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10, **match: Any) -> list[Call]:
        """`calls_to(method, **match)` once there are `count` of them (or the timeout passed)."""
        return wait_until(lambda: self.calls_to(method, **match), lambda calls: len(calls) >= count, timeout)

    def said_at(self, response_url: str, count: int = 1, timeout: float = 10) -> list[dict[str, Any]]:
        """What was posted to `response_url`, once `count` answers arrived."""
        path = response_url.removeprefix(self.base)

        def said() -> list[dict[str, Any]]:
            with self._lock:
                return list(self.responses.get(path, []))

        return wait_until(said, lambda answers: len(answers) >= count, timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def wait_until(read: Callable[[], T], done: Callable[[T], bool], timeout: float = 10) -> T:
    """`read()` once `done` holds for it, or its last value after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.02)


def _parse(raw: bytes, content_type: str) -> dict[str, Any]:
    if "json" in content_type:
        try:
            parsed = json.loads(raw or b"{}")
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    args: dict[str, Any] = dict(parse_qsl(raw.decode(errors="replace")))
    for name in JSON_FIELDS:
        if isinstance(args.get(name), str):
            with contextlib.suppress(ValueError):
                args[name] = json.loads(args[name])
    return args
