"""A correct configuration builds the Bolt app without a warning (Bolt warned twice on every start)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.app import build_app, build_desk
from bot.serve.socket_mode import backoff
from bot.settings import load_settings
from tests.support.database import open_database


@pytest.mark.parametrize("socket_mode", [False, True])
def test_building_the_app_logs_no_warning_with_the_token_in_the_environment(
    socket_mode: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-2-3")  # Bolt reads it from the environment itself
    settings = load_settings(
        slack_signing_secret="s", slack_app_token="xapp-1-2", database_url=f"sqlite:///{tmp_path / 'r.db'}"
    )
    db = open_database(settings.database_url)
    try:
        with caplog.at_level(logging.INFO):
            app = build_app(settings, build_desk(settings, db), socket_mode=socket_mode)
    finally:
        db.dispose()

    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    # the token reaches each request through `authorize`, not through Bolt's own client
    assert app.client.token is None
    assert app.client.base_url == settings.slack_api_url


def test_reconnects_wait_longer_each_time_up_to_half_a_minute() -> None:
    assert [backoff(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]
