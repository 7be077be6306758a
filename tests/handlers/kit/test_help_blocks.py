"""`/reference <words>` that match no account and no command: the help it gets back stays within
Slack's limits whatever was typed (Slack refuses the whole answer otherwise)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

from handlers.kit.desk import Desk
from handlers.kit.help import ECHO_MAX, help_blocks
from handlers.requests.ask import ask
from store.rules.policy import Policy
from tests.support.blockkit import assert_valid_message_blocks
from tests.support.database import open_database

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def desk(tmp_path: Path, policy: Policy) -> Iterator[Desk]:
    db = open_database(f"sqlite:///{tmp_path / 'refdesk.db'}")
    db.upgrade()
    yield Desk(db=db, policy=policy, clock=lambda: NOW)
    db.dispose()


def help_for(desk: Desk, text: str) -> dict[str, Any]:
    """What `/reference <text>` acks with (the fallback of an unknown first word)."""
    acked: list[dict[str, Any]] = []
    ask(desk, lambda **answer: acked.append(answer), {"trigger_id": "T1"}, text, WebClient(token="x"))
    [answer] = acked
    return answer


@pytest.mark.parametrize(
    "text",
    [
        " ".join(f"word{n}" for n in range(600)),  # a pasted paragraph
        "x" * 4000,  # one endless word
        "<&>" * 1500,  # text that escaping lengthens
    ],
)
def test_long_words_that_match_nothing_get_help_that_slack_accepts(desk: Desk, text: str) -> None:
    answer = help_for(desk, text)

    assert answer["response_type"] == "ephemeral"
    assert_valid_message_blocks(answer["blocks"])
    note = answer["blocks"][0]["text"]["text"]
    assert note.startswith("No account matches “")
    assert len(note) < 3 * 5 * ECHO_MAX


def test_short_words_are_echoed_whole(desk: Desk) -> None:
    answer = help_for(desk, "frobnicate the <widgets>")

    assert answer["blocks"][0]["text"]["text"] == (
        "No account matches “frobnicate the &lt;widgets&gt;”, and `frobnicate` is not a command."
    )


def test_a_long_note_is_cut_to_fit_its_section() -> None:
    assert_valid_message_blocks(help_blocks("n" * 5000))
