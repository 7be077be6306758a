"""The WSGI app of `refdesk serve` (served by waitress), in HTTP mode and in Socket Mode.

The WSGI layer in front of Bolt does what Bolt leaves to the web framework: it checks Slack's
signature before anything is parsed (401), turns a body that cannot be parsed into a 400 instead
of a traceback, caps the body size, times each ack by payload kind (`/metrics`), and answers
`/healthz` — within a second, whatever the database does — and the probes every process answers
(`/livez`, `/readyz`, `/metrics`: `bot.process.probes`).

In Socket Mode Slack's requests come over the WebSocket (`bot.serve.socket_mode`), and the same app,
without its Slack route, serves everything else on `--port`: `/healthz`, which then also
reports the Socket Mode connection, and any page a person opens in a browser.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.metrics import ACK_SECONDS
from bot.process.probes import Probes, StartResponse, reply
from bot.serve.payload_shape import payload_kind, payload_problem, slack_user
from handlers.advocate.web import AdvocatePages
from handlers.kit.acks import answered_after_write
from handlers.outbox.answering import ANSWERING
from store.db import Database
from store.errors import Unavailable
from store.logfields import tagged

if TYPE_CHECKING:
    from bot.serve.socket_mode import SocketModeLink

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000
SLACK_PATH = "/slack/events"
#: how long `/healthz` waits for the database: load balancers give up after about a second
HEALTH_WAIT_SECONDS = 0.8


class HealthCheck:
    """Whether the database answers a read, said within `wait` seconds whatever it does.

    The probe (`Database.probe`: a short read on a connection of its own, which never queues
    behind writers) runs on a thread of its own and a check waits for it `wait` seconds at most:
    connecting to a partitioned server takes longer than that (PostgreSQL's connect timeout is
    2 s at least). While a probe is out, later checks wait for that same probe, so a frozen
    database ties up one thread, not one per check.
    """

    def __init__(self, db: Database, wait: float = HEALTH_WAIT_SECONDS) -> None:
        self.db = db
        self.wait = wait
        self._prober = ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthz")
        self._lock = threading.Lock()
        self._probe: Future[None] | None = None

    def problem(self) -> str | None:
        """None when the database is healthy, else why not, in one line."""
        with self._lock:
            if self._probe is None or self._probe.done():
                self._probe = self._prober.submit(self.db.probe)
            probe = self._probe
        try:
            probe.result(timeout=self.wait)
        except TimeoutError:
            return f"database did not answer within {self.wait} s"
        except Unavailable as error:
            return f"database unavailable: {error.reason}"
        except Exception as error:
            return f"database check failed ({error.__class__.__name__})"
        return None


class Answer(list[bytes]):
    """A response body that says when the server is done with it: the WSGI server calls `close`
    once it has written the body (PEP 3333), which lets the listener's work after its ack go on
    (`handlers.kit.acks.answered_after_write`)."""

    def __init__(self, chunks: list[bytes], written: threading.Event) -> None:
        super().__init__(chunks)
        self.written = written

    def close(self) -> None:
        self.written.set()


class SlackWsgi:
    """`/slack/events` → Bolt, `/healthz` → a database probe, anything else → 404.

    With no signing secret (Socket Mode, where Slack's requests come over `link`) there is no
    Slack route, and `/healthz` reports the Socket Mode connection as well.
    """

    def __init__(
        self,
        app: App,
        db: Database,
        signing_secret: str | None,
        probes: Probes,
        link: SocketModeLink | None = None,
        pages: AdvocatePages | None = None,
    ) -> None:
        self.app = app
        self.probes = probes
        #: the advocate's pages (`handlers.advocate.pages`), served when the program has a public URL
        self.pages = pages
        self.db = db
        self.verifier = SignatureVerifier(signing_secret) if signing_secret is not None else None
        self.link = link
        self.health = HealthCheck(db)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        arrived = time.perf_counter()
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return self._health(start_response)
        if self.probes.handles(path, method):
            return self.probes(environ, start_response)
        if self.pages is not None and path.startswith(self.pages.prefixes):
            return list(self.pages(environ, start_response))
        if path != SLACK_PATH or self.verifier is None:
            return reply(start_response, "404 Not Found", "not found")
        if method != "POST":
            return reply(start_response, "405 Method Not Allowed", "POST only", headers=[("Allow", "POST")])
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return reply(start_response, "400 Bad Request", "bad Content-Length")
        if length > MAX_BODY_BYTES:
            return reply(start_response, "413 Content Too Large", "body too large")
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if "CONTENT_TYPE" in environ:
            headers["content-type"] = environ["CONTENT_TYPE"]
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return reply(start_response, "400 Bad Request", "the body is not UTF-8")
        if not self._signed(body, headers):
            return reply(start_response, "401 Unauthorized", "invalid or stale signature")
        try:
            request = BoltRequest(
                body=body,
                query=environ.get("QUERY_STRING", ""),
                headers={k: [v] for k, v in headers.items()},
            )
        except Exception as exc:  # any parse failure is the sender's fault, not ours
            log.warning("malformed Slack payload rejected: %s", exc.__class__.__name__)
            return reply(start_response, "400 Bad Request", "malformed payload")
        if not isinstance(request.body, dict) or (not request.body and not body.startswith("ssl_check")):
            return reply(start_response, "400 Bad Request", "malformed payload")
        problem = payload_problem(request.body)
        if problem is not None:
            log.warning("malformed Slack payload rejected: %s", problem)
            return reply(start_response, "400 Bad Request", f"malformed payload: {problem}")
        kind = payload_kind(request.body)
        with (
            tagged(payload_kind=kind, slack_user=slack_user(request.body)),
            ANSWERING.one(),
            answered_after_write() as written,
        ):
            response = self.app.dispatch(request)
        if response.status >= 500 and not response.headers.get("retry-after"):
            log.error("Bolt answered %s to a %s payload", response.status, request.body.get("type", "?"))
        body_out = response.body if isinstance(response.body, str) else json.dumps(response.body)
        out_headers = [
            (name, value)
            for name, values in response.headers.items()
            for value in values
            if name.lower() != "content-length"
        ]
        status_line = f"{response.status} {HTTPStatus(response.status).phrase}"
        data = body_out.encode()
        start_response(status_line, [*out_headers, ("Content-Length", str(len(data)))])
        ACK_SECONDS.labels(kind).observe(time.perf_counter() - arrived)
        return Answer([data], written)

    def _signed(self, body: str, headers: dict[str, str]) -> bool:
        """Slack's signature, over a timestamp that is a number (slack_sdk would raise on another)."""
        timestamp = headers.get("x-slack-request-timestamp", "")
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            return False
        assert self.verifier is not None
        return self.verifier.is_valid_request(body, headers)

    def _health(self, start_response: StartResponse) -> list[bytes]:
        """200 when all is well, else 503; the JSON body says what each part is doing."""
        problem = self.health.problem()
        report: dict[str, Any] = {"database": problem or "ok"}
        healthy = problem is None
        if self.link is not None:
            report["socket_mode"] = self.link.status()
            healthy = healthy and report["socket_mode"]["state"] == "connected"
        report = {"status": "ok" if healthy else "unavailable", **report}
        if not healthy:
            log.warning("health check: %s", json.dumps(report))
        status = "200 OK" if healthy else "503 Service Unavailable"
        return reply(start_response, status, json.dumps(report), "application/json")
