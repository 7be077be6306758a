"""/livez, /readyz and /metrics as every process answers them: ready once started, 503 from the
moment a stop is asked for (or while Socket Mode is down), live throughout."""

from __future__ import annotations

from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from bot.process.lifecycle import Lifecycle
from bot.process.probes import Probes, probes_only


def get(app: Any, path: str) -> tuple[str, bytes]:
    answer: dict[str, str] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer["status"] = status

    body = b"".join(app({"PATH_INFO": path, "REQUEST_METHOD": "GET"}, start_response))
    return answer["status"], body


def test_ready_once_started_and_503_while_draining_live_throughout() -> None:
    lifecycle = Lifecycle()
    app = probes_only(Probes(lifecycle))

    assert get(app, "/readyz") == ("503 Service Unavailable", b"not ready: starting\n")
    lifecycle.started()
    assert get(app, "/readyz") == ("200 OK", b"ready\n")
    lifecycle.stop("SIGTERM")
    assert get(app, "/readyz") == ("503 Service Unavailable", b"not ready: draining\n")
    assert get(app, "/livez") == ("200 OK", b"ok\n")
    assert get(app, "/elsewhere")[0] == "404 Not Found"


def test_a_failing_check_makes_it_not_ready_with_the_reason() -> None:
    lifecycle = Lifecycle()
    connected = [False]
    lifecycle.add_check(lambda: None if connected[0] else "Socket Mode reconnecting")
    lifecycle.started()
    app = probes_only(Probes(lifecycle))

    assert get(app, "/readyz") == ("503 Service Unavailable", b"not ready: Socket Mode reconnecting\n")
    connected[0] = True
    assert get(app, "/readyz")[0] == "200 OK"
    status, body = get(app, "/metrics")
    families = {family.name: family for family in text_string_to_metric_families(body.decode())}
    assert status == "200 OK" and families["refdesk_ready"].samples[0].value == 1
