"""The routes every process answers for load balancers, orchestrators and Prometheus.

* `/livez` — 200 while the process answers at all: restart it only when this fails;
* `/readyz` — 200 when started, not draining, and its own checks hold (Socket Mode connected),
  else 503 with the reason: send it no new work. A database outage does not fail it: the app
  answers Slack "nothing was saved, try again" itself, and pulling every replica at once from
  the load balancer would only turn that answer into an error;
* `/metrics` — this process's figures (`bot.metrics`).

`/healthz`, the detailed JSON report of `serve`, stays in `bot.serve.wsgi`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from bot.metrics import READY, exposition
from bot.process.lifecycle import Lifecycle

StartResponse = Callable[..., Any]
PATHS = frozenset({"/livez", "/readyz", "/metrics"})


def reply(
    start_response: StartResponse,
    status: str,
    body: bytes | str,
    content_type: str = "text/plain; charset=utf-8",
    headers: Iterable[tuple[str, str]] = (),
) -> list[bytes]:
    data = body.encode() if isinstance(body, str) else body
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data))), *headers])
    return [data]


class Probes:
    def __init__(self, lifecycle: Lifecycle) -> None:
        self.lifecycle = lifecycle

    def handles(self, path: str, method: str) -> bool:
        return path in PATHS and method in ("GET", "HEAD")

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/livez":
            return reply(start_response, "200 OK", "ok\n")
        if path == "/readyz":
            problem = self.lifecycle.not_ready()
            READY.set(0 if problem else 1)
            if problem is None:
                return reply(start_response, "200 OK", "ready\n")
            return reply(start_response, "503 Service Unavailable", f"not ready: {problem}\n")
        body, content_type = exposition()
        return reply(start_response, "200 OK", body, content_type)


def probes_only(probes: Probes) -> Callable[[dict[str, Any], StartResponse], list[bytes]]:
    """A WSGI app of the probes alone (the worker's small port)."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        if probes.handles(environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")):
            return probes(environ, start_response)
        return reply(start_response, "404 Not Found", "not found\n")

    return app
