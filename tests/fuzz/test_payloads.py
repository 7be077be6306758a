"""Every kind of payload Slack sends, with hostile values (mentions, links, SQL, 10,000 characters,
unknown ids and action ids, people who may not act), then with missing fields and wrong types:
an answer (a 4xx or a polite 200), never a 5xx, and no traceback in the log for the former."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from tests.fuzz.checks import assert_no_5xx, assert_polite, send
from tests.fuzz.conftest import examples
from tests.fuzz.harness import Harness
from tests.fuzz.strategies import (
    Case,
    any_well_formed,
    block_actions,
    block_suggestions,
    events,
    mutated,
    slash_commands,
    view_submissions,
)

pytestmark = pytest.mark.fuzz


@given(case=slash_commands())
@settings(max_examples=examples(200))
def test_slash_commands(harness: Harness, case: Case) -> None:
    harness.refresh_slots()
    assert_polite(send(harness, case))


@given(case=block_actions())
@settings(max_examples=examples(250))
def test_block_actions(harness: Harness, case: Case) -> None:
    harness.refresh_slots()
    assert_polite(send(harness, case))


@given(case=view_submissions())
@settings(max_examples=examples(250))
def test_view_submissions(harness: Harness, case: Case) -> None:
    harness.refresh_slots()
    assert_polite(send(harness, case))


@given(case=block_suggestions())
@settings(max_examples=examples(150))
def test_block_suggestions(harness: Harness, case: Case) -> None:
    assert_polite(send(harness, case))


@given(case=events())
@settings(max_examples=examples(150))
def test_events(harness: Harness, case: Case) -> None:
    assert_polite(send(harness, case))


@given(case=mutated(any_well_formed(buggy=True)))
@settings(max_examples=examples(250))
def test_missing_fields_and_wrong_types_never_get_a_5xx(harness: Harness, case: Case) -> None:
    harness.refresh_slots()
    assert_no_5xx(send(harness, case))
