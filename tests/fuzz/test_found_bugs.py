"""Properties that failed on the bugs the fuzz suite found, kept as regressions.

What each guarded, and where it was fixed:
- a non-numeric signature timestamp or a non-UTF-8 body raised out of the WSGI app (500) →
  `bot/serve/wsgi.py` refuses them (401 / 400) before slack_sdk sees them;
- fields Bolt routes on or listeners read, missing or of the wrong type, raised inside Bolt (500)
  or in a listener → `bot/serve/payload_shape.py` answers 400 before dispatch;
- ids that pass `str.isdigit()` but not `int()` ('²'), or do not fit a 64-bit column →
  `handlers.kit.forms.as_id` (ASCII digits, at most 18);
- an App Home click for a request that does not exist owed a Home refresh (foreign-key error), an
  action_ts too long for a delivery key → `store/home_refresh.owe`;
- NUL bytes and lone surrogates no database can store → `handlers/kit/sanitize.py`;
- Slack ids longer than their columns → `bot/serve/payload_shape.py`;
- find's notification text echoed the words unescaped → `handlers/requests/find.py`;
- a refused modal whose `view.blocks` were not objects broke the error answer (500) →
  `bot/serve/payload_shape.py` checks the blocks.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.kit.ids import DECISION_ACTIONS, Action, View
from tests.fuzz.checks import assert_polite, assert_valid_output, send
from tests.fuzz.conftest import FOUND_BUG_PHASES, examples
from tests.fuzz.harness import ADMIN, OWNER, Harness, sign
from tests.fuzz.strategies import (
    BUGGY_TEXT,
    LISTENER_READS,
    NON_DECIMAL_DIGITS,
    OVERFLOW_IDS,
    SLOTS,
    TOO_LONG_ACTION_TS,
    TOO_LONG_EVENT_ID,
    TOO_LONG_USER,
    UNKNOWN_IDS,
    Case,
    any_well_formed,
    block_actions,
    block_suggestions,
    encode,
    events,
    mutated,
    non_utf8,
    slash_commands,
    view_submissions,
    without,
)

pytestmark = pytest.mark.fuzz

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


ID_ACTIONS = (
    Action.APPROVE,
    Action.DECLINE,
    Action.APPROVE_OVERRIDE,
    Action.CANCEL_REQUEST,
    Action.DONE,
    Action.FELL_THROUGH,
    Action.LOG_VALUE,
    Action.REQUEST_ACCOUNT,
    Action.ACCOUNT,
)
ID_VIEWS = (View.DECLINE, View.OVERRIDE, View.DONE, View.FELL_THROUGH)


def ids_in_every_place(values: tuple[str, ...]) -> st.SearchStrategy[Case]:
    """`values` as a button's value, a select's choice and a reason modal's request id."""
    chosen = st.sampled_from(values)
    return st.one_of(
        block_actions(user_ids=st.just(ADMIN), actions=st.sampled_from(ID_ACTIONS).map(str), values=chosen),
        view_submissions(
            user_ids=st.just(ADMIN), callbacks=st.sampled_from(ID_VIEWS).map(str), metadata=chosen
        ),
    )


# --- the transport ------------------------------------------------------------------------------


@SQLITE_ONLY
@given(
    case=any_well_formed(),
    timestamp=st.one_of(st.sampled_from(["", "abc", "1.5", "1e9", " ", "9" * 5000]), st.text(max_size=12)),
)
@settings(max_examples=examples(20), phases=FOUND_BUG_PHASES)
def test_a_timestamp_header_that_is_not_a_number_is_401(harness: Harness, case: Case, timestamp: str) -> None:
    raw = encode(case, harness.resolve)
    outcome = harness.send(raw, case.content_type, timestamp=timestamp, signature=sign(raw, "1"))
    assert outcome.status == 401, outcome.report()
    assert not outcome.errors, outcome.report()


@SQLITE_ONLY
@given(case=non_utf8(any_well_formed()), signed=st.booleans())
@settings(max_examples=examples(20), phases=FOUND_BUG_PHASES)
def test_a_body_that_is_not_utf8_is_refused_with_a_4xx(harness: Harness, case: Case, signed: bool) -> None:
    raw = encode(case, harness.resolve)
    outcome = harness.send(raw, case.content_type, signature=None if signed else "v0=" + "0" * 64)
    assert 400 <= outcome.status < 500, outcome.report()
    assert not outcome.errors, outcome.report()


# --- ids ------------------------------------------------------------------------------------------


@given(
    case=block_actions(
        user_ids=st.sampled_from([OWNER, ADMIN, "U0STRANGER"]),
        actions=st.sampled_from(sorted(DECISION_ACTIONS)),
        containers=("home",),
        values=st.one_of(st.sampled_from(UNKNOWN_IDS), st.integers(10**6, 2**31 - 1).map(str)),
    )
)
@settings(max_examples=examples(20), phases=FOUND_BUG_PHASES)
def test_a_home_click_on_a_request_that_does_not_exist_is_polite(harness: Harness, case: Case) -> None:
    assert_polite(send(harness, case))


@SQLITE_ONLY
@given(case=ids_in_every_place(NON_DECIMAL_DIGITS))
@settings(max_examples=examples(20), phases=FOUND_BUG_PHASES)
def test_ids_made_of_digits_int_cannot_read_are_polite(harness: Harness, case: Case) -> None:
    harness.refresh_slots()
    assert_polite(send(harness, case))


@given(case=ids_in_every_place(OVERFLOW_IDS))
@settings(max_examples=examples(20), phases=FOUND_BUG_PHASES)
def test_ids_too_large_for_the_database_are_polite(harness: Harness, case: Case) -> None:
    harness.refresh_slots()
    assert_polite(send(harness, case))


# --- text the database refuses -----------------------------------------------------------------

NUL = tuple(t for t in BUGGY_TEXT if "\x00" in t)
SURROGATES = tuple(t for t in BUGGY_TEXT if "\x00" not in t)


def _typing(case: Case, value: str) -> Case:
    return Case(
        case.kind,
        {**case.payload, "action_id": Action.ACCOUNT, "value": value},
        case.encoding,
        case.content_type,
    )


def text_in_every_place(values: tuple[str, ...]) -> st.SearchStrategy[Case]:
    """`values` typed after `/reference`, as an event id, and into the account type-ahead."""
    chosen = st.sampled_from(values)
    typed = st.tuples(st.sampled_from(["", "acme", "find ", "log "]), chosen).map("".join)
    return st.one_of(
        slash_commands(texts=typed, user_ids=st.just(OWNER)).filter(
            lambda c: c.payload["command"] == "/reference"
        ),
        events(event_ids=chosen).filter(lambda c: c.payload["type"] == "event_callback"),
        st.builds(_typing, block_suggestions(), chosen),
    )


@given(case=text_in_every_place(NUL))
@settings(max_examples=examples(20), phases=FOUND_BUG_PHASES)
def test_nul_bytes_in_text_are_polite(harness: Harness, case: Case) -> None:
    assert_polite(send(harness, case))


@given(case=text_in_every_place(SURROGATES))
@settings(max_examples=examples(20), phases=FOUND_BUG_PHASES)
def test_lone_surrogates_in_text_are_polite(harness: Harness, case: Case) -> None:
    assert_polite(send(harness, case))


def _with_action_ts(case: Case, action_ts: str) -> Case:
    payload = {**case.payload, "actions": [{**case.payload["actions"][0], "action_ts": action_ts}]}
    return Case(case.kind, payload, case.encoding, case.content_type)


@given(
    case=st.one_of(
        events(event_ids=st.just(TOO_LONG_EVENT_ID)).filter(lambda c: c.payload["type"] == "event_callback"),
        block_actions(
            user_ids=st.just(TOO_LONG_USER),
            actions=st.sampled_from(sorted(DECISION_ACTIONS)),
            containers=("home",),
            values=st.sampled_from(SLOTS),
        ),
        block_actions(
            user_ids=st.just(OWNER),
            actions=st.sampled_from(sorted(DECISION_ACTIONS)),
            containers=("home",),
            values=st.sampled_from(SLOTS),
        ).map(lambda c: _with_action_ts(c, TOO_LONG_ACTION_TS)),
    )
)
@settings(max_examples=examples(20), phases=FOUND_BUG_PHASES)
def test_values_longer_than_their_column_are_polite(harness: Harness, case: Case) -> None:
    harness.refresh_slots()
    assert_polite(send(harness, case))


# --- shapes the app does not expect -------------------------------------------------------------


@SQLITE_ONLY
@given(
    case=block_actions(
        actions=st.sampled_from([Action.ACCOUNT, Action.ACTIVITY]).map(str), containers=("message",)
    )
)
@settings(max_examples=examples(10), phases=FOUND_BUG_PHASES)
def test_an_account_or_activity_select_outside_a_modal_is_polite(harness: Harness, case: Case) -> None:
    assert_polite(send(harness, case))


@given(case=mutated(any_well_formed(), routing=True))
@settings(max_examples=examples(40), phases=FOUND_BUG_PHASES)
def test_fields_bolt_routes_on_with_the_wrong_type_get_a_4xx(harness: Harness, case: Case) -> None:
    harness.refresh_slots()
    assert_polite(send(harness, case))


@given(
    case=without(
        st.one_of(
            block_actions(
                user_ids=st.just(ADMIN),
                actions=st.sampled_from(ID_ACTIONS[:-1]).map(str),
                values=st.sampled_from(SLOTS),
            ),
            view_submissions(
                user_ids=st.just(ADMIN),
                callbacks=st.sampled_from(ID_VIEWS).map(str),
                metadata=st.sampled_from(SLOTS),
            ),
            slash_commands(texts=st.sampled_from(["acme", "log", "status"]), user_ids=st.just(OWNER)),
        ),
        LISTENER_READS,
    )
)
@settings(max_examples=examples(30), phases=FOUND_BUG_PHASES)
def test_a_payload_without_a_field_listeners_need_is_polite(harness: Harness, case: Case) -> None:
    harness.refresh_slots()
    assert_polite(send(harness, case))


# --- what reaches Slack ---------------------------------------------------------------------------


@SQLITE_ONLY
@given(
    case=slash_commands(
        texts=st.sampled_from(
            ["find <!channel>", "find fintech <!here>", "find <http://evil.example|click here>"]
        ),
        user_ids=st.just(OWNER),
    ).filter(lambda c: c.payload["command"] == "/reference")
)
@settings(max_examples=examples(10), phases=FOUND_BUG_PHASES)
def test_find_keeps_people_s_text_out_of_the_notification_markup(harness: Harness, case: Case) -> None:
    assert_valid_output(send(harness, case))


# --- the view's blocks, read back to place an error ----------------------------------------------

#: `view.blocks` that are not a list of block objects
NOT_BLOCKS: tuple[Any, ...] = (None, "x", {"a": 1}, ["x"], [1, 2], [None], [["x"]])


def _with_blocks(case: Case, blocks: Any) -> Case:
    payload = {**case.payload, "view": {**case.payload["view"], "blocks": blocks}}
    return Case(case.kind, payload, case.encoding, case.content_type)


@SQLITE_ONLY
@given(
    case=st.builds(
        _with_blocks,
        view_submissions(
            user_ids=st.sampled_from(["U0STRANGER", "U0BYSTAND1"]),
            callbacks=st.sampled_from([View.DECLINE, View.OVERRIDE, View.DONE, View.FELL_THROUGH]).map(str),
            metadata=st.sampled_from(SLOTS),
        ),
        st.sampled_from(NOT_BLOCKS),
    )
)
@settings(max_examples=examples(10), phases=FOUND_BUG_PHASES)
def test_a_refused_modal_submission_whose_blocks_are_not_objects_gets_an_answer(
    harness: Harness, case: Case
) -> None:
    harness.refresh_slots()
    assert_polite(send(harness, case))
