"""Properties that fail today, each on a bug the fuzz suite found: strict xfails.

Each says in its reason where the app breaks (file and function; line numbers move). When the bug
is fixed the property passes, the strict xfail turns that into a failure, and whoever fixed it
removes the mark here (and the values the other properties keep away from — `buggy=True` in
strategies.py — can join them).

Where such an exception is raised after the listener's `ack()` (anything but a refusal, which
`handlers.refusals.answered` catches), Bolt's error path also resets the ack: Slack then gets a
404 "unhandled request" after 3 s instead of the ack (see `Outcome.unacked`). That is why these
properties take a few seconds each.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.ids import DECISION_ACTIONS, Action, View
from tests.fuzz.checks import assert_polite, assert_valid_output, send
from tests.fuzz.conftest import KNOWN_BUG_PHASES, examples
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


def xfail(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=reason)


def on_postgresql_only(reason: str) -> pytest.MarkDecorator:
    """Passes on SQLite (which keeps guarding it), fails on PostgreSQL."""
    return pytest.mark.parametrize(
        "backend", ["sqlite", pytest.param("postgresql", marks=xfail(reason))], indirect=True
    )


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
@xfail(
    "bot/server.py SlackWsgi.__call__ checks the signature with slack_sdk's "
    "SignatureVerifier.is_valid_request, which does int(X-Slack-Request-Timestamp): a timestamp "
    "like '' or 'abc' raises ValueError out of the WSGI app (waitress: 500 and a traceback), "
    "for requests nobody signed too"
)
@given(
    case=any_well_formed(),
    timestamp=st.one_of(st.sampled_from(["", "abc", "1.5", "1e9", " ", "9" * 5000]), st.text(max_size=12)),
)
@settings(max_examples=examples(20), phases=KNOWN_BUG_PHASES)
def test_a_timestamp_header_that_is_not_a_number_is_401(harness: Harness, case: Case, timestamp: str) -> None:
    raw = encode(case, harness.resolve)
    outcome = harness.send(raw, case.content_type, timestamp=timestamp, signature=sign(raw, "1"))
    assert outcome.status == 401, outcome.report()
    assert not outcome.errors, outcome.report()


@SQLITE_ONLY
@xfail(
    "bot/server.py SlackWsgi.__call__: slack_sdk's SignatureVerifier decodes the body as UTF-8 "
    "before it checks the signature, so a body with a non-UTF-8 byte raises UnicodeDecodeError out "
    "of the WSGI app (waitress: 500 and a traceback), whether or not it is signed"
)
@given(case=non_utf8(any_well_formed()), signed=st.booleans())
@settings(max_examples=examples(20), phases=KNOWN_BUG_PHASES)
def test_a_body_that_is_not_utf8_is_refused_with_a_4xx(harness: Harness, case: Case, signed: bool) -> None:
    raw = encode(case, harness.resolve)
    outcome = harness.send(raw, case.content_type, signature=None if signed else "v0=" + "0" * 64)
    assert 400 <= outcome.status < 500, outcome.report()
    assert not outcome.errors, outcome.report()


# --- ids ------------------------------------------------------------------------------------------


@xfail(
    "handlers/home.py refresh_home_after_decision (a middleware): any digits as the value of "
    "Approve/Decline on App Home make it owe a Home refresh for that request id before anything "
    "checks the request exists; store/home_refresh.py owe → store/deliveries.py enqueue inserts a "
    "delivery whose request_id has no request → IntegrityError (FOREIGN KEY), logged with a "
    "traceback, and the click gets no answer"
)
@given(
    case=block_actions(
        user_ids=st.sampled_from([OWNER, ADMIN, "U0STRANGER"]),
        actions=st.sampled_from(sorted(DECISION_ACTIONS)),
        containers=("home",),
        values=st.one_of(st.sampled_from(UNKNOWN_IDS), st.integers(10**6, 2**31 - 1).map(str)),
    )
)
@settings(max_examples=examples(20), phases=KNOWN_BUG_PHASES)
def test_a_home_click_on_a_request_that_does_not_exist_is_polite(harness: Harness, case: Case) -> None:
    assert_polite(send(harness, case))


@SQLITE_ONLY
@xfail(
    "str.isdigit() is True for '²' or '①' but int() refuses them (ValueError): handlers/forms.py "
    "selected_id, metadata_id and request_id_of, handlers/request_modal.py selected_account_id and "
    "parse (advocate), handlers/requests.py request_this_account, handlers/giveback.py "
    "log_value_clicked, handlers/home.py _decision_on_home (in a middleware)"
)
@given(case=ids_in_every_place(NON_DECIMAL_DIGITS))
@settings(max_examples=examples(20), phases=KNOWN_BUG_PHASES)
def test_ids_made_of_digits_int_cannot_read_are_polite(harness: Harness, case: Case) -> None:
    harness.refresh_slots()
    assert_polite(send(harness, case))


@xfail(
    "an id of 19+ digits passes isdigit() and reaches the database as a parameter: SQLite raises "
    "OverflowError, PostgreSQL NumericValueOutOfRange (DataError) — store/requests.py _get, "
    "store/followups.py _get, store/giveback.py _validate, store/accounts.py choice and "
    "advocates_for; logged with a traceback"
)
@given(case=ids_in_every_place(OVERFLOW_IDS))
@settings(max_examples=examples(20), phases=KNOWN_BUG_PHASES)
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


@on_postgresql_only(
    "PostgreSQL refuses NUL (0x00) in text parameters (psycopg DataError): store/accounts.py "
    "search_accounts (`/reference a<NUL>b`, the type-ahead), store/events.py first_time (an "
    "event_id with NUL), logged with a traceback"
)
@given(case=text_in_every_place(NUL))
@settings(max_examples=examples(20), phases=KNOWN_BUG_PHASES)
def test_nul_bytes_in_text_are_polite(harness: Harness, case: Case) -> None:
    assert_polite(send(harness, case))


@xfail(
    "a lone surrogate (JSON '\\ud800') decodes to a str neither driver can encode "
    "(UnicodeEncodeError): store/events.py first_time, store/accounts.py search_accounts, logged "
    "with a traceback"
)
@given(case=text_in_every_place(SURROGATES))
@settings(max_examples=examples(20), phases=KNOWN_BUG_PHASES)
def test_lone_surrogates_in_text_are_polite(harness: Harness, case: Case) -> None:
    assert_polite(send(harness, case))


def _with_action_ts(case: Case, action_ts: str) -> Case:
    payload = {**case.payload, "actions": [{**case.payload["actions"][0], "action_ts": action_ts}]}
    return Case(case.kind, payload, case.encoding, case.content_type)


@on_postgresql_only(
    "values longer than their column are refused by PostgreSQL (StringDataRightTruncation): an "
    "event_id over 64 characters (store/events.py first_time), a user id over 32 or an action_ts "
    "that makes the key over 200 in the Home middleware's delivery (store/deliveries.py enqueue)"
)
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
@settings(max_examples=examples(20), phases=KNOWN_BUG_PHASES)
def test_values_longer_than_their_column_are_polite(harness: Harness, case: Case) -> None:
    harness.refresh_slots()
    assert_polite(send(harness, case))


# --- shapes the app does not expect -------------------------------------------------------------


@SQLITE_ONLY
@xfail(
    "handlers/requests.py refresh_advocates reads view['id'] of a payload without a view: an "
    "account or activity select outside a modal raises KeyError, logged with a traceback"
)
@given(
    case=block_actions(
        actions=st.sampled_from([Action.ACCOUNT, Action.ACTIVITY]).map(str), containers=("message",)
    )
)
@settings(max_examples=examples(10), phases=KNOWN_BUG_PHASES)
def test_an_account_or_activity_select_outside_a_modal_is_polite(harness: Harness, case: Case) -> None:
    assert_polite(send(harness, case))


@xfail(
    "bot/server.py SlackWsgi.__call__ lets an exception out of app.dispatch: when a field Bolt "
    'routes on has the wrong type (`"view": null` in a view_submission, `"actions": []` or `{}` in '
    "block_actions, a view without `type`), Bolt's kwargs builder raises in our middleware "
    "(slack_bolt/request/payload_utils.py is_view_submission, to_action, is_workflow_step_save) "
    "and again in the error handler, so the WSGI app raises (waitress: 500); other shapes end in a "
    "traceback from Bolt's matchers (listener_matcher/builtins.py _block_action) or its "
    "unhandled-request warning (logger/messages.py), logged by handlers/errors.py on_error"
)
@given(case=mutated(any_well_formed(), routing=True))
@settings(max_examples=examples(40), phases=KNOWN_BUG_PHASES)
def test_fields_bolt_routes_on_with_the_wrong_type_get_a_4xx(harness: Harness, case: Case) -> None:
    harness.refresh_slots()
    assert_polite(send(harness, case))


@xfail(
    "listeners read required fields without looking, so a payload without one is a KeyError, "
    "logged as a failure by handlers/errors.py on_error and answered with nothing: "
    "body['user']['id'] (handlers/decisions.py, requests.py, followups.py, giveback.py), "
    "command['trigger_id'] (handlers/requests.py ask, handlers/giveback.py log_command), "
    "body['trigger_id'] (handlers/decisions.py _open_reason, followups.py open_answer, "
    "requests.py request_this_account, giveback.py log_value_clicked), command['user_id'] "
    "(handlers/status.py answer_status), view['id'] (handlers/requests.py refresh_advocates, "
    "submit)"
)
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
@settings(max_examples=examples(30), phases=KNOWN_BUG_PHASES)
def test_a_payload_without_a_field_listeners_need_is_polite(harness: Harness, case: Case) -> None:
    harness.refresh_slots()
    assert_polite(send(harness, case))


# --- what reaches Slack ---------------------------------------------------------------------------


@SQLITE_ONLY
@xfail(
    "handlers/find.py answer_find puts the words as typed into the ack's notification `text` "
    "(`No account matches “<!channel>”`): the blocks are escaped, the text is not"
)
@given(
    case=slash_commands(
        texts=st.sampled_from(
            ["find <!channel>", "find fintech <!here>", "find <http://evil.example|click here>"]
        ),
        user_ids=st.just(OWNER),
    ).filter(lambda c: c.payload["command"] == "/reference")
)
@settings(max_examples=examples(10), phases=KNOWN_BUG_PHASES)
def test_find_keeps_people_s_text_out_of_the_notification_markup(harness: Harness, case: Case) -> None:
    assert_valid_output(send(harness, case))
