"""End-to-end tier: the real `refdesk serve` process, the Slack emulator, signed requests."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import headless_chromium
from tests.support.emulator import BOT_TOKEN, SIGNING_SECRET, Emulator
from tests.support.mailbox import Mailbox
from tests.support.postgres import create_database, free_port
from tests.support.program import Program, seed_program
from tests.support.response_sink import ResponseSink
from tests.support.server import RefdeskServer, run_cli
from tests.support.slack_proxy import SlackProxy
from tests.support.socket_mode import APP_TOKEN, SocketModeServer

_names = itertools.count()
LINK_SECRET = "test-link-secret-0123456789"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def backend() -> str:
    """The database of the test's server; parametrize `backend` to run a test on both."""
    return "sqlite"


@pytest.fixture
def e2e_db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'refdesk.db'}"
    return create_database(request.getfixturevalue("postgres_url"), f"refdesk_e2e_{next(_names)}")


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    emu = Emulator(tmp_path).start()
    yield emu
    emu.stop()


@pytest.fixture
def slack(emulator: Emulator) -> Iterator[SlackProxy]:
    """What the app says to Slack, recorded on its way to the emulator (and outages on demand)."""
    proxy = SlackProxy(emulator.api_url)
    yield proxy
    proxy.close()


@pytest.fixture
def env(emulator: Emulator, slack: SlackProxy, e2e_db_url: str) -> dict[str, str]:
    """The environment every refdesk process of the test shares; the schema is migrated."""
    values = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "REFDESK_DELIVERY_RETRY": "0.5",
        "REFDESK_DELIVERY_INTERVAL": "0.5",
        "DATABASE_URL": e2e_db_url,
        "REFDESK_ADMINS": emulator.ids["admin"],
        "REFDESK_DIGEST_CHANNEL": emulator.ids["channel"],
        "REFDESK_TIMEZONE": "UTC",
    }
    upgraded = run_cli(values, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    return values


@pytest.fixture
def server(env: dict[str, str], tmp_path: Path) -> Iterator[RefdeskServer]:
    process = RefdeskServer(env, tmp_path, SIGNING_SECRET).start()
    yield process
    process.stop()


@pytest.fixture
def sink() -> Iterator[ResponseSink]:
    """Where the test's payloads point `response_url`."""
    responses = ResponseSink()
    yield responses
    responses.close()


@pytest.fixture
def program(env: dict[str, str], tmp_path: Path) -> Program:
    """Five accounts and four advocates, imported with `refdesk import` (owners resolved in Slack)."""
    return seed_program(env, tmp_path)


@pytest.fixture
def socket_slack(slack: SlackProxy) -> Iterator[SocketModeServer]:
    """Slack's Socket Mode end, which `apps.connections.open` (answered by the proxy) points to."""
    server = SocketModeServer()
    slack.socket_mode_url = server.url
    slack.app_token = APP_TOKEN
    yield server
    server.close()


@pytest.fixture
def socket_env(env: dict[str, str], socket_slack: SocketModeServer) -> dict[str, str]:
    """A Socket Mode configuration: the app token, and no signing secret (Socket Mode needs none)."""
    values = {**env, "SLACK_APP_TOKEN": APP_TOKEN}
    del values["SLACK_SIGNING_SECRET"]
    return values


@pytest.fixture
def socket_server(socket_env: dict[str, str], tmp_path: Path) -> Iterator[RefdeskServer]:
    """`refdesk serve --socket --port N`, started once its connection is up (`/healthz` 200)."""
    process = RefdeskServer(socket_env, tmp_path, SIGNING_SECRET, socket=True).start()
    yield process
    process.stop()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """A real SMTP server on loopback that keeps the e-mails the app sends."""
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture
def page_port() -> int:
    """The port `refdesk serve` serves the advocate's pages on (REFDESK_PUBLIC_URL points at it)."""
    return free_port()


@pytest.fixture
def mail_env(mailbox: Mailbox, page_port: int) -> dict[str, str]:
    """The mail settings: approvals e-mail the advocate a link to the page on `page_port`."""
    return {
        "REFDESK_PUBLIC_URL": f"http://127.0.0.1:{page_port}",
        "REFDESK_SMTP_URL": mailbox.url,
        "REFDESK_MAIL_FROM": "refdesk@example.com",
        "REFDESK_COMPANY_NAME": "Northwind",
        "REFDESK_PRIVACY_URL": "https://northwind.example/privacy",
        "REFDESK_LINK_SECRET": LINK_SECRET,
        # the tests change an answer within seconds; the pause has tests of its own (tests/handlers/advocate)
        "REFDESK_ANSWER_CHANGE_MINUTES": "0",
    }


@pytest.fixture
def mail_server(
    env: dict[str, str], mail_env: dict[str, str], page_port: int, tmp_path: Path
) -> Iterator[RefdeskServer]:
    """`refdesk serve` with the mail settings: approvals e-mail the advocate."""
    process = RefdeskServer({**env, **mail_env}, tmp_path, SIGNING_SECRET, port=page_port).start()
    yield process
    process.stop()


@pytest.fixture
def browser() -> Iterator[Any]:
    """A real headless Chromium at a phone's width."""
    driver = headless_chromium()
    yield driver
    driver.quit()
