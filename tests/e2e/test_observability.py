"""What a running `serve` tells a machine: `/metrics` parsed with `prometheus_client.parser`, its
counters checked after known traffic; JSON log lines parsed, with the fields of the work they are
about; no secret anywhere in the log."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.emulator import BOT_TOKEN, SIGNING_SECRET, Emulator
from tests.support.metrics import samples
from tests.support.server import RefdeskServer, http
from tests.support.slack_proxy import SlackProxy

COMMANDS = 3


def test_metrics_count_known_traffic_and_json_logs_carry_the_work_without_secrets(
    env: dict[str, str], emulator: Emulator, slack: SlackProxy, tmp_path: Path
) -> None:
    server = RefdeskServer({**env, "REFDESK_LOG_FORMAT": "json"}, tmp_path, SIGNING_SECRET).start()
    try:
        user = emulator.ids["requester"]
        for _ in range(COMMANDS):
            assert server.command("help", user_id=user).status == 200
        assert server.command("frobnicate", user_id=emulator.ids["admin"]).status == 200
        metrics = samples(http("GET", server.url + "/metrics").body)
    finally:
        server.stop()
    log = server.log()

    assert metrics[("refdesk_ack_seconds_count", frozenset({("kind", "slash_command")}))] == COMMANDS + 1
    assert ("refdesk_database_unavailable_total", frozenset()) in metrics
    # what the start built is frozen (`bot.process.heap`), and each collection since is a pause
    assert metrics[("refdesk_gc_frozen_objects", frozenset())] > 10_000
    assert metrics[("refdesk_gc_pause_seconds_count", frozenset({("generation", "0")}))] > 0
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert lines and all({"asctime", "level", "logger", "message"} <= set(line) for line in lines)
    started = next(line for line in lines if line["message"].startswith("refdesk serving over HTTP"))
    assert started["level"] == "INFO" and started["logger"] == "refdesk"
    assert SIGNING_SECRET not in log and BOT_TOKEN not in log
