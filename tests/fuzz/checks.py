"""What every fuzzed request must satisfy, as assertions that say what broke."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from hypothesis import note

from tests.fuzz.harness import Harness, Outcome
from tests.fuzz.strategies import Case, encode
from tests.support.blockkit import assert_valid_message_blocks, assert_valid_view

#: hostile text that must never reach Slack as markup: a mention of everyone, a forged link
MARKUP = (
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U0EVIL001>",
    "<#C0EVIL001",
    "<http://evil.example|",
    "<https://evil.example/x?a=1&b=2>",
)


def send(harness: Harness, case: Case) -> Outcome:
    raw = encode(case, harness.resolve)
    note(f"body ({len(raw)} bytes, {case.content_type}): {raw[:600]!r}")
    return harness.send(raw, case.content_type)


def assert_polite(outcome: Outcome) -> None:
    """Never a 5xx, never a traceback or an ERROR record, an ack in time, and the app finished
    what it started."""
    assert outcome.crash is None and outcome.status < 500, outcome.report()
    assert not outcome.errors, outcome.report()
    assert not outcome.unacked, outcome.report()
    assert outcome.settled, outcome.report()


def assert_no_5xx(outcome: Outcome) -> None:
    assert outcome.crash is None and outcome.status < 500, outcome.report()
    assert outcome.settled, outcome.report()


def _answer(outcome: Outcome) -> dict[str, Any] | None:
    try:
        answer = json.loads(outcome.body or b"null")
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


def _mrkdwn(node: Any) -> Iterator[str]:
    """Every mrkdwn text object's text, at any depth."""
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from _mrkdwn(value)
    elif isinstance(node, list):
        for value in node:
            yield from _mrkdwn(value)


def sent_to_slack(outcome: Outcome) -> Iterator[tuple[str, str, Any]]:
    """(where, what, payload): each view and message the app sent, the ack's answer included."""
    answer = _answer(outcome)
    if answer is not None:
        if isinstance(answer.get("view"), dict):
            yield "ack", "view", answer["view"]
        if answer.get("blocks"):
            yield "ack", "blocks", answer["blocks"]
        if isinstance(answer.get("text"), str):
            yield "ack", "text", answer["text"]
    for call in outcome.calls:
        if isinstance(call.args.get("view"), dict):
            yield call.method, "view", call.args["view"]
        if call.args.get("blocks"):
            yield call.method, "blocks", call.args["blocks"]
        if isinstance(call.args.get("text"), str):
            yield call.method, "text", call.args["text"]


def assert_valid_output(outcome: Outcome, *, ack_text: bool = True) -> None:
    """What the app sends Slack is valid Block Kit, and people's text never becomes markup in it.

    `ack_text=False` leaves out the notification `text` of acks (once a bug, test_found_bugs).
    """
    for where, what, payload in sent_to_slack(outcome):
        if where == "ack" and what == "text" and not ack_text:
            continue
        try:
            if what == "view":
                assert_valid_view(payload)
            elif what == "blocks":
                assert_valid_message_blocks(payload)
        except Exception as invalid:  # slack_sdk.models says why with its own exception
            raise AssertionError(f"Slack would refuse the {what} of {where}: {invalid}") from invalid
        texts = [payload] if what == "text" else list(_mrkdwn(payload))
        for text in texts:
            for markup in MARKUP:
                assert markup not in text, (
                    f"{markup!r} reached Slack as markup in the {what} of {where}: {text[:300]!r}"
                )
