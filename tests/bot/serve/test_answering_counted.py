"""The serving process counts each Slack request it is answering, so its renders wait for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult

from bot.process.lifecycle import Lifecycle
from bot.process.probes import Probes
from bot.serve.wsgi import SlackWsgi
from handlers.outbox.answering import ANSWERING
from store.db import Database
from tests.support.database import open_database
from tests.support.signing import slash_command_body
from tests.support.wsgi import signed_post

SECRET = "answering-secret"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{tmp_path / 'refdesk.db'}")
    yield database
    database.dispose()


def authorized(**_: Any) -> AuthorizeResult:
    return AuthorizeResult(enterprise_id=None, team_id="T0ANSWER", bot_token="xoxb-answer")


def test_a_slack_request_counts_as_an_answer_in_the_making_until_it_is_answered(db: Database) -> None:
    seen: list[bool] = []
    app = App(signing_secret=SECRET, authorize=authorized)

    @app.command("/reference")
    def listener(ack: Any) -> None:
        seen.append(ANSWERING.wait_for_none(0))  # a render would wait now
        ack()

    wsgi = SlackWsgi(app, db, SECRET, Probes(Lifecycle()))
    status, _ = signed_post(wsgi, SECRET, slash_command_body("", user_id="U0ANSWER"))

    assert status == 200
    assert seen == [False]
    assert ANSWERING.wait_for_none(0)  # answered: renders go on
