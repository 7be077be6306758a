"""Slack's own payload shapes (every field, blank values) go through the real stack — signature
check, WSGI layer, Bolt, our listeners — without a crash; and Slack's example views pass the
Block Kit validator the rest of the suite relies on.

Payloads: ../shared/fixtures/slack/all-fields/. Views: ../shared/fixtures/slack/views/.
"""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.app import build_app, build_desk
from bot.process.lifecycle import Lifecycle
from bot.process.probes import Probes
from bot.serve.wsgi import SlackWsgi
from bot.settings import load_settings
from handlers.kit.desk import Desk
from handlers.kit.help import help_blocks
from tests.support.blockkit import assert_valid_message_blocks, assert_valid_view
from tests.support.database import open_database
from tests.support.emulator import BOT_TOKEN, Emulator
from tests.support.paths import FIXTURES
from tests.support.signing import signed_headers

SECRET = "fixture-signing-secret"
ALL_FIELDS = FIXTURES / "all-fields"
VIEWS = FIXTURES / "views"
#: a port nobody listens on: what a listener sees of Slack during an outage
UNREACHABLE_SLACK = "http://127.0.0.1:9/api/"


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def slack_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Web API the listeners talk to: the emulator (Bolt asks `auth.test` on the first request)."""
    emulator = Emulator(tmp_path_factory.mktemp("emulator")).start()
    yield emulator.api_url
    emulator.stop()


def build_wsgi(tmp_path: Path, api_url: str) -> tuple[SlackWsgi, Desk]:
    """The app exactly as `refdesk serve --http` wires it, on a fresh SQLite database."""
    settings = load_settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=api_url,
        database_url=f"sqlite:///{tmp_path / 'refdesk.db'}",
        admins="U0ADMIN01",
        scheduler_enabled=False,
    )
    db = open_database(settings.database_url)
    db.upgrade()
    desk = build_desk(settings, db)
    return SlackWsgi(build_app(settings, desk), db, SECRET, Probes(Lifecycle())), desk


def close(wsgi: SlackWsgi, desk: Desk) -> None:
    """As `refdesk serve` stops: the listeners, the clicks' decisions, the sends, then the database."""
    wsgi.app.listener_runner.listener_executor.shutdown(wait=True)
    for executor in (desk.decisions, desk.executor):
        assert executor is not None
        executor.shutdown(wait=True)
    wsgi.db.dispose()


@pytest.fixture
def wsgi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: str) -> Iterator[SlackWsgi]:
    monkeypatch.chdir(tmp_path)  # no developer's .env
    app, desk = build_wsgi(tmp_path, slack_api)
    yield app
    close(app, desk)


def post(wsgi: SlackWsgi, body: str, content_type: str) -> tuple[int, str]:
    """One signed POST to /slack/events through the WSGI callable; (status, body)."""
    raw = body.encode()
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(raw)),
        "wsgi.input": io.BytesIO(raw),
    }
    for name, value in signed_headers(SECRET, body, content_type=content_type).items():
        if name != "Content-Type":
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    status: list[str] = []

    def start_response(line: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
        status.append(line)

    chunks = wsgi(environ, start_response)
    return int(status[0].split()[0]), b"".join(chunks).decode()


def form(fields: dict[str, Any]) -> str:
    """Slack's form encoding of a slash command: booleans as `true`/`false`."""
    return urlencode({k: str(v).lower() if isinstance(v, bool) else v for k, v in fields.items()})


def as_sent(name: str) -> list[tuple[str, str, str]]:
    """(label, body, content type) for each way Slack sends the fixture `name`."""
    payload = load(ALL_FIELDS / name)
    if "command" in payload:
        return [(name, form(payload), "application/x-www-form-urlencoded")]
    if "event" in payload:
        # the fixture leaves the envelope's type blank; Slack sends "event_callback"
        filled = {**payload, "type": "event_callback"}
        return [
            (name, json.dumps(payload), "application/json"),
            (f"{name} as event_callback", json.dumps(filled), "application/json"),
        ]
    return [(name, urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")]


def fixture_names() -> list[str]:
    return sorted(path.name for path in ALL_FIELDS.glob("*.json"))


def test_the_fixtures_are_there() -> None:
    assert fixture_names() == [
        "AppHomeOpenedPayload.json",
        "AppUninstalledPayload.json",
        "BlockActionPayload.json",
        "SlashCommandPayload.json",
        "ViewClosedPayload.json",
        "ViewSubmissionPayload.json",
    ]


def test_a_slash_command_with_every_field_gets_the_help(wsgi: SlackWsgi) -> None:
    command = load(ALL_FIELDS / "SlashCommandPayload.json")
    command.update(command="/reference", text="help", user_id="U0SELLER1")

    status, body = post(wsgi, form(command), "application/x-www-form-urlencoded")

    assert status == 200, body
    answer = json.loads(body)
    assert answer["response_type"] == "ephemeral"
    assert_valid_message_blocks(answer["blocks"])
    shown = " ".join(block["text"]["text"] for block in answer["blocks"])
    assert "/reference help" in shown


def test_a_slash_command_with_blank_values_everywhere_gets_the_help(wsgi: SlackWsgi) -> None:
    command = load(ALL_FIELDS / "SlashCommandPayload.json")
    command.update(command="/reference", text="help")  # user_id, team_id, channel_id... all ""

    status, body = post(wsgi, form(command), "application/x-www-form-urlencoded")

    assert status == 200, body
    assert_valid_message_blocks(json.loads(body)["blocks"])


@pytest.mark.parametrize("name", fixture_names())
def test_every_fixture_as_slack_sends_it_gets_an_answer_not_a_crash(wsgi: SlackWsgi, name: str) -> None:
    for label, body, content_type in as_sent(name):
        status, answer = post(wsgi, body, content_type)

        assert status < 500, (label, status, answer)
    # and the process keeps serving
    command = form({"command": "/reference", "text": "help", "user_id": "U0SELLER1", "trigger_id": "1.2.abc"})
    assert post(wsgi, command, "application/x-www-form-urlencoded")[0] == 200


def test_help_needs_no_slack_web_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    wsgi, desk = build_wsgi(tmp_path, UNREACHABLE_SLACK)
    command = form({"command": "/reference", "text": "help", "user_id": "U0SELLER1", "trigger_id": "1.2.abc"})

    try:
        status, body = post(wsgi, command, "application/x-www-form-urlencoded")
    finally:
        close(wsgi, desk)

    assert status == 200, body
    assert "/reference help" in body, "the help itself, not an apology or an empty answer"


def test_the_help_card_is_valid_block_kit() -> None:
    assert_valid_message_blocks(help_blocks())
    assert_valid_message_blocks(help_blocks("I don't know `frobnicate`."))


# --- Slack's example views -----------------------------------------------------------------------

#: what Slack adds to a view it returns (views.open/publish responses, payloads); an app never
#: sends these, and Block Kit's schema describes what an app sends
SLACK_ASSIGNED = {
    "id",
    "team_id",
    "state",
    "hash",
    "app_id",
    "app_installed_team_id",
    "bot_id",
    "root_view_id",
    "previous_view_id",
}
#: Slack echoes these modal-only flags on every view it returns, home views included
MODAL_ONLY = {"clear_on_close", "notify_on_close", "submit_disabled"}

#: Slack's docs allow a mrkdwn `description` in checkbox and radio options; @slack/types (and so
#: the schema) only a plain_text one — the validator is stricter than Slack here, which is safe
MRKDWN_OPTION_DESCRIPTIONS = {"view_home_001.json", "view_home_005.json"}


def as_an_app_sends_it(view: dict[str, Any]) -> dict[str, Any]:
    drop = SLACK_ASSIGNED | (MODAL_ONLY if view.get("type") == "home" else set())
    return {key: value for key, value in view.items() if key not in drop}


def plain_text_descriptions(node: Any) -> Any:
    """A copy where every option `description` in mrkdwn becomes plain_text."""
    node = copy.deepcopy(node)
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            description = current.get("description")
            if "value" in current and isinstance(description, dict) and description.get("type") == "mrkdwn":
                description["type"] = "plain_text"
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return node


def view_names() -> list[str]:
    return sorted(path.name for path in VIEWS.glob("*.json"))


def test_there_are_home_and_modal_examples() -> None:
    names = view_names()
    assert sum(name.startswith("view_home_") for name in names) == 6
    assert sum(name.startswith("view_modal_") for name in names) == 10


@pytest.mark.parametrize("name", [n for n in view_names() if n not in MRKDWN_OPTION_DESCRIPTIONS])
def test_slack_s_example_views_are_valid(name: str) -> None:
    assert_valid_view(as_an_app_sends_it(load(VIEWS / name)))


@pytest.mark.parametrize("name", sorted(MRKDWN_OPTION_DESCRIPTIONS))
def test_mrkdwn_option_descriptions_are_the_only_thing_the_validator_refuses(name: str) -> None:
    view = as_an_app_sends_it(load(VIEWS / name))

    with pytest.raises(AssertionError, match="not a valid SlackHomeView"):
        assert_valid_view(view)
    assert_valid_view(plain_text_descriptions(view))
