"""Nobody but the owner, the requester or an admin can decide, cancel or close a request."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from tests.fuzz.checks import assert_no_5xx, send
from tests.fuzz.conftest import examples
from tests.fuzz.harness import Harness
from tests.fuzz.strategies import Case, outsider_changes

pytestmark = pytest.mark.fuzz


@given(case=outsider_changes())
@settings(max_examples=examples(250))
def test_an_outsider_changes_no_decision_and_no_ledger_entry(harness: Harness, case: Case) -> None:
    """Approve, Decline, override, Cancel, Done and Fell through — clicks and modal submissions,
    in a DM or on App Home — by anyone else leave every request and the ledger as they were."""
    harness.refresh_slots()
    before = harness.state()

    outcome = send(harness, case)

    assert_no_5xx(outcome)
    assert harness.state() == before, outcome.report()
