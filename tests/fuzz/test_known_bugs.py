"""Properties that fail today, each on a bug the fuzz suite found and nobody has fixed yet:
strict xfails, so CI stays green and turns red the day the bug is fixed (then move the property to
test_found_bugs.py, and let `strategies.mutated` draw those fields again).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.ids import View
from tests.fuzz.checks import assert_polite, send
from tests.fuzz.conftest import FOUND_BUG_PHASES, examples
from tests.fuzz.harness import Harness
from tests.fuzz.strategies import SLOTS, Case, view_submissions

pytestmark = pytest.mark.fuzz

#: `view.blocks` that are not a list of block objects
NOT_BLOCKS: tuple[Any, ...] = (None, "x", {"a": 1}, ["x"], [1, 2], [None], [["x"]])


def _with_blocks(case: Case, blocks: Any) -> Case:
    payload = {**case.payload, "view": {**case.payload["view"], "blocks": blocks}}
    return Case(case.kind, payload, case.encoding, case.content_type)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.xfail(
    strict=True,
    reason=(
        "a modal submission that is refused (an outsider's Decline, Done, Fell through...) and whose "
        "view.blocks is not a list of objects: handlers/refusals.py _input_block_ids calls b.get on "
        "every block (AttributeError / TypeError), then the error handler's handlers/errors.py "
        "_first_input does the same inside Bolt, which answers HTTP 500; bot/payload_shape.py does "
        "not check view.blocks (a block_id that is not a string likewise breaks the JSON of "
        "_first_input's answer when a listener fails)"
    ),
)
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
