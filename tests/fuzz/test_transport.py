"""The WSGI layer: only Slack's signature lets a request in; any body gets an answer, not a crash."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

from tests.fuzz.checks import assert_no_5xx, assert_polite, send
from tests.fuzz.conftest import examples
from tests.fuzz.harness import Harness, sign
from tests.fuzz.strategies import Case, any_well_formed, damaged, encode, other_bodies

pytestmark = pytest.mark.fuzz

TAMPERING = (
    "stale",
    "future",
    "wrong secret",
    "signed another body",
    "changed after signing",
    "no signature",
    "no timestamp",
    "v1 scheme",
    "empty signature",
    "upper-case hex",
)


@dataclass(frozen=True)
class Tampered:
    """The headers of a request signed wrongly: `None` keeps the harness's correct value."""

    timestamp: str | None = None
    signature: str | None = None
    headers: dict[str, str | None] = field(default_factory=dict)


def tamper(raw: bytes, how: str, offset: int) -> Tampered:
    now = int(time.time())
    ts = str(now)
    if how == "stale":
        return Tampered(str(now - offset), sign(raw, str(now - offset)))
    if how == "future":
        return Tampered(str(now + offset), sign(raw, str(now + offset)))
    if how == "wrong secret":
        return Tampered(signature=sign(raw, ts, "not-the-secret"))
    if how == "signed another body":
        return Tampered(signature=sign(raw + b"&x=1", ts))
    if how == "no signature":
        return Tampered(headers={"X-Slack-Signature": None})
    if how == "no timestamp":
        return Tampered(headers={"X-Slack-Request-Timestamp": None})
    if how == "v1 scheme":
        return Tampered(signature="v1=" + sign(raw, ts)[3:])
    if how == "empty signature":
        return Tampered(signature="")
    if how == "upper-case hex":
        return Tampered(signature="v0=" + sign(raw, ts)[3:].upper())
    raise AssertionError(how)


@given(
    case=any_well_formed(),
    how=st.sampled_from(TAMPERING),
    offset=st.integers(min_value=301, max_value=10**9),
)
@settings(max_examples=examples(120))
def test_a_bad_signature_or_a_stale_timestamp_is_401_and_changes_nothing(
    harness: Harness, case: Case, how: str, offset: int
) -> None:
    harness.refresh_slots()
    raw = encode(case, harness.resolve)
    before = harness.state()
    if how == "changed after signing":
        outcome = harness.send(raw + b" ", case.content_type, signature=sign(raw, str(int(time.time()))))
    else:
        wrong = tamper(raw, how, offset)
        outcome = harness.send(
            raw,
            case.content_type,
            timestamp=wrong.timestamp,
            signature=wrong.signature,
            headers=wrong.headers,
        )

    assert outcome.status == 401, outcome.report()
    assert harness.state() == before
    assert not outcome.calls, "a refused request made the app call Slack"
    assert not outcome.errors, outcome.report()


@given(case=other_bodies())
@settings(max_examples=examples(150))
def test_a_body_that_is_not_a_slack_payload_gets_a_polite_answer(harness: Harness, case: Case) -> None:
    """Empty, another JSON shape, 100,000 brackets deep, over a megabyte, plain text."""
    assert_polite(send(harness, case))


@given(case=damaged(any_well_formed()))
@settings(max_examples=examples(150))
def test_a_truncated_or_garbled_payload_never_gets_a_5xx(harness: Harness, case: Case) -> None:
    harness.refresh_slots()
    assert_no_5xx(send(harness, case))


@given(
    case=any_well_formed(),
    method=st.sampled_from(["POST", "GET", "HEAD", "PUT", "DELETE", "OPTIONS", "post"]),
    path=st.sampled_from(["/slack/events", "/slack/events/", "/SLACK/EVENTS", "/", "", "/healthz", "/x"]),
    content_length=st.sampled_from([None, "", "abc", "-1", "0", "1e3", "99999999999", " 12 "]),
)
@settings(max_examples=examples(60))
def test_any_method_path_or_content_length_gets_an_answer_not_a_crash(
    harness: Harness, case: Case, method: str, path: str, content_length: str | None
) -> None:
    raw = encode(case, harness.resolve)
    note(f"{method} {path!r} Content-Length {content_length!r}")

    outcome = harness.send(raw, case.content_type, method=method, path=path, content_length=content_length)

    assert_polite(outcome)
    if path == "/healthz" and method in ("GET", "HEAD"):
        assert outcome.status == 200, outcome.report()
