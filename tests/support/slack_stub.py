"""A recording stand-in for Slack's Web API and `response_url`s, on loopback, that always agrees.

For tests that need the app's calls after the ack to succeed quickly without the emulator (the
fuzz suite sends thousands of payloads): every Web API method answers `{"ok": true, ...}` with the
fields the app reads back (`channel`, `ts`, `view.id`, the bot's identity for `auth.test`); any
other path (a `response_url`) answers `ok`. Every call is recorded (the last `keep` of them) so a
test can look at what the app sent, e.g. to validate its Block Kit.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

#: arguments slack_sdk sends JSON-encoded inside a form body
JSON_FIELDS = ("blocks", "view", "attachments", "metadata")
BOT_USER_ID = "U0REFDESK"
BOT_ID = "B0REFDESK"
TEAM_ID = "T0000000001"


@dataclass(frozen=True)
class Call:
    #: the Web API method (`chat.postMessage`), or the path of a `response_url`
    method: str
    args: dict[str, Any]


def _parse(raw: bytes, content_type: str) -> dict[str, Any]:
    text = raw.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            parsed = json.loads(text or "{}")
        except ValueError:
            return {"_unparsed": text}
        return parsed if isinstance(parsed, dict) else {"_json": parsed}
    args: dict[str, Any] = dict(parse_qsl(text, keep_blank_values=True))
    for name in JSON_FIELDS:
        if isinstance(args.get(name), str):
            with contextlib.suppress(ValueError):
                args[name] = json.loads(args[name])
    return args


class SlackStub:
    """`with SlackStub() as stub:` → `stub.api_url` for SLACK_API_URL, `stub.url(path)` for a response_url."""

    def __init__(self, keep: int = 2000) -> None:
        self.calls: deque[Call] = deque(maxlen=keep)
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                args = _parse(self.rfile.read(length), self.headers.get("Content-Type", ""))
                if self.path.startswith("/api/"):
                    method = self.path[len("/api/") :].split("?", 1)[0]
                    answer = json.dumps(stub._answer(method, args)).encode()
                    content_type = "application/json; charset=utf-8"
                else:
                    method = self.path
                    answer, content_type = b"ok", "text/plain"
                with stub._lock:
                    stub.calls.append(Call(method, args))
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="slack-stub", daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def url(self, path: str = "/response/1") -> str:
        return f"{self.base}{path}"

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://refdesk.slack.com/",
                "team": "refdesk",
                "user": "refdesk",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        channel = str(args.get("channel") or "")
        if method in ("chat.postMessage", "chat.update"):
            if channel.startswith(("U", "W")):
                channel = "D" + channel[1:]
            ts = str(args.get("ts") or f"1700000000.{next(self._ts):06d}")
            return {"ok": True, "channel": channel, "ts": ts, "message": {"text": args.get("text", "")}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}
        if method == "conversations.open":
            users = str(args.get("users") or "U0")
            return {"ok": True, "channel": {"id": "D" + users.split(",")[0][1:]}}
        if method == "conversations.history":
            return {"ok": True, "messages": [], "has_more": False}
        if method.startswith("views."):
            view = args.get("view") if isinstance(args.get("view"), dict) else {}
            return {"ok": True, "view": {**view, "id": str(args.get("view_id") or "V0STUB0001")}}
        if method == "users.lookupByEmail":
            return {"ok": False, "error": "users_not_found"}
        return {"ok": True}

    def taken(self) -> list[Call]:
        """The calls recorded so far, and forget them."""
        with self._lock:
            calls = list(self.calls)
            self.calls.clear()
        return calls

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> SlackStub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
