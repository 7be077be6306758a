"""Whatever people type, what the app sends Slack is valid Block Kit and their text stays text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.checks import assert_valid_output, send
from tests.fuzz.conftest import examples
from tests.fuzz.harness import OWNER, Harness
from tests.fuzz.strategies import Case, any_well_formed, slash_commands

pytestmark = pytest.mark.fuzz


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@given(case=any_well_formed())
@settings(max_examples=examples(250))
def test_what_reaches_slack_is_valid_block_kit_and_people_s_text_is_not_markup(
    harness: Harness, case: Case
) -> None:
    """Every ack, view and message: valid Block Kit within Slack's limits, and a `<!channel>` or
    `<http://evil|click>` someone typed never becomes a mention or a link in mrkdwn."""
    harness.refresh_slots()
    assert_valid_output(send(harness, case), ack_text=False)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@given(
    case=slash_commands(
        texts=st.sampled_from(["x" * 1_600, "zz " * 1_000, "🔥" * 3_000, "<!here> " * 500, "a" * 3_100]),
        user_ids=st.just(OWNER),
    )
)
@settings(max_examples=examples(10))
def test_a_long_search_that_matches_nothing_gets_help_slack_accepts(harness: Harness, case: Case) -> None:
    assert_valid_output(send(harness, case))
