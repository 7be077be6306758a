"""Every refusal of the domain, in the words a person reads and the answer a modal gets.

`handlers.kit.refusals` is the one error map: a `store.errors.DomainError` becomes a sentence, and a
refused modal submission an inline error on the right input (or a notice when nothing is left to
fix). Every view it answers with is checked against Block Kit.
"""

from __future__ import annotations

from typing import Any

import pytest

from handlers.kit.ids import View
from handlers.kit.refusals import sentence, title, view_answer
from handlers.requests.messages import reason_modal
from handlers.requests.modal import request_modal
from store.accounts.lookup import AccountChoice, AdvocateOption
from store.errors import AlreadySettled, DomainError, Gone, Invalid, NeedsOverride, NotAllowed
from store.models import RequestStatus
from store.rules.policy import Policy, load_policy
from tests.support.blockkit import assert_valid_view

OWNER, SELLER = "U0OWNER01", "U0SELLER1"
ACME = AccountChoice(7, "Acme Corp", "Banking", "CRM-7")
JANE = AdvocateOption(11, "Jane Doe", "VP Engineering", ("reference_call",))


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def decline_modal() -> dict[str, Any]:
    return reason_modal(
        View.DECLINE, "Decline request", "The requester will read your reason.", 42, "Decline"
    )


def request_form(policy: Policy, *, advocates: list[AdvocateOption] | None = None) -> dict[str, Any]:
    """The request modal as Slack shows it once an account and an activity are chosen."""
    return request_modal(
        policy, account=ACME, activity="reference_call", advocates=[JANE] if advocates is None else advocates
    )


def notice_of(answer: dict[str, Any]) -> tuple[str, str]:
    """(title, text) of the notice modal a refused submission is replaced with."""
    assert answer["response_action"] == "update", answer
    view = answer["view"]
    assert_valid_view(view)
    assert view["callback_id"] == View.NOTICE and "submit" not in view
    assert view["close"]["text"] == "Close"
    return view["title"]["text"], view["blocks"][0]["text"]["text"]


# --- the sentence --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (NotAllowed("decide this", (OWNER,)), f"Only <@{OWNER}> or a program admin can decide this."),
        (
            NotAllowed("cancel this request", (SELLER,)),
            f"Only <@{SELLER}> or a program admin can cancel this request.",
        ),
        (NotAllowed("decide this"), "Only a program admin can decide this."),
        (
            NotAllowed("approve this", why="a ⛔ rule blocks it"),
            "Only a program admin can approve this: a ⛔ rule blocks it.",
        ),
        (NotAllowed("approve with override"), "Only a program admin can approve with override."),
        (
            NotAllowed("log this", (OWNER, SELLER)),
            f"Only <@{OWNER}> or <@{SELLER}> or a program admin can log this.",
        ),
        (
            AlreadySettled(RequestStatus.APPROVED, OWNER),
            f"Already decided: ✅ approved by <@{OWNER}>. Nothing changed.",
        ),
        (AlreadySettled(RequestStatus.CANCELLED), "Already decided: 🚫 cancelled. Nothing changed."),
        (NeedsOverride(), "A blocking rule applies now: only a program admin can approve, with override."),
        (Gone("no request 9"), "This no longer exists. Nothing changed."),
        (
            Invalid({"reason": "Write a reason: the requester will read it.", "amount": "Too large."}),
            "Write a reason: the requester will read it.",
        ),
        (Invalid({}), "That cannot be done."),
        (DomainError("something new"), "That cannot be done. Nothing changed."),
    ],
)
def test_each_refusal_reads_as_one_sentence(error: DomainError, says: str) -> None:
    assert sentence(error) == says


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (RequestStatus.PENDING, "⏳ pending"),
        (RequestStatus.APPROVED, "✅ approved"),
        (RequestStatus.DECLINED, "❌ declined"),
        (RequestStatus.CANCELLED, "🚫 cancelled"),
        (RequestStatus.DONE, "🏁 done"),
        (RequestStatus.FELL_THROUGH, "↩️ fell through"),
        ("on_hold", "on hold"),  # a state this version does not know still reads as words
    ],
)
def test_already_settled_names_the_state_the_request_is_in(status: str, label: str) -> None:
    assert (
        sentence(AlreadySettled(status, OWNER)) == f"Already decided: {label} by <@{OWNER}>. Nothing changed."
    )


@pytest.mark.parametrize(
    ("error", "heading"),
    [
        (AlreadySettled(RequestStatus.DECLINED, OWNER), "Already decided"),
        (NotAllowed("decide this", (OWNER,)), "Nothing changed"),
        (NeedsOverride(), "Nothing changed"),
        (Gone(), "Nothing changed"),
        (Invalid({"reason": "x"}), "Nothing changed"),
    ],
)
def test_the_notice_title_says_already_decided_only_when_it_was(error: DomainError, heading: str) -> None:
    assert title(error) == heading


# --- the answer to a refused modal ---------------------------------------------------------------


def test_an_empty_reason_is_shown_on_the_reason_input() -> None:
    error = Invalid({"reason": "Write a reason: the requester will read it."})

    assert view_answer(error, decline_modal()) == {
        "response_action": "errors",
        "errors": {"reason": "Write a reason: the requester will read it."},
    }


def test_each_field_error_lands_on_its_own_input_of_the_request_modal(policy: Policy) -> None:
    view = request_form(policy)
    assert_valid_view(view)
    error = Invalid(
        {
            "advocate": "Jane Doe is not willing to do this activity.",
            "amount": "The amount cannot be negative.",
            "crm_link": "Enter a full link starting with https://",
            "needed_by": "The date is in the past. Pick today or a later date.",
        }
    )

    answer = view_answer(error, view)

    assert answer == {
        "response_action": "errors",
        "errors": {
            "advocate:7:reference_call": "Jane Doe is not willing to do this activity.",
            "amount": "The amount cannot be negative.",
            "crm_link": "Enter a full link starting with https://",
            "needed_by": "The date is in the past. Pick today or a later date.",
        },
    }
    input_ids = {b["block_id"] for b in view["blocks"] if b["type"] == "input"}
    assert set(answer["errors"]) <= input_ids


def test_an_error_for_an_input_the_modal_lacks_lands_on_the_first_input(policy: Policy) -> None:
    view = request_form(policy, advocates=[])  # no willing advocate: a context line, no input
    assert not any(str(b.get("block_id", "")).startswith("advocate") for b in view["blocks"])

    answer = view_answer(Invalid({"advocate": "That advocate is not at this account."}), view)

    assert answer == {
        "response_action": "errors",
        "errors": {"account": "That advocate is not at this account."},
    }


def test_two_errors_without_their_inputs_keep_the_first_on_the_first_input() -> None:
    answer = view_answer(
        Invalid({"account": "Pick an account.", "activity": "Pick an activity."}), decline_modal()
    )
    assert answer == {"response_action": "errors", "errors": {"reason": "Pick an account."}}


@pytest.mark.parametrize(
    "error",
    [
        NotAllowed("decide this", (OWNER,)),
        NotAllowed("approve this", why="a ⛔ rule blocks it"),
        NeedsOverride(),
    ],
)
def test_a_refusal_of_the_person_is_shown_inline_so_the_modal_stays_open(error: DomainError) -> None:
    assert view_answer(error, decline_modal()) == {
        "response_action": "errors",
        "errors": {"reason": sentence(error)},
    }


def test_already_decided_replaces_the_modal_with_a_notice() -> None:
    answer = view_answer(AlreadySettled(RequestStatus.APPROVED, OWNER), decline_modal())

    assert notice_of(answer) == (
        "Already decided",
        f"Already decided: ✅ approved by <@{OWNER}>. Nothing changed.",
    )


def test_a_request_that_is_gone_replaces_the_modal_with_a_notice() -> None:
    assert notice_of(view_answer(Gone("no request 42"), decline_modal())) == (
        "Nothing changed",
        "This no longer exists. Nothing changed.",
    )


def test_any_other_refusal_replaces_the_modal_with_a_notice() -> None:
    assert notice_of(view_answer(DomainError("new kind"), decline_modal())) == (
        "Nothing changed",
        "That cannot be done. Nothing changed.",
    )


@pytest.mark.parametrize(
    "error",
    [Invalid({"reason": "Write a reason."}), NotAllowed("decide this", (OWNER,)), NeedsOverride()],
)
def test_a_modal_without_inputs_gets_a_notice_not_an_error_on_nothing(error: DomainError) -> None:
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Done"},
        "blocks": [],
        "callback_id": "x",
    }

    heading, text = notice_of(view_answer(error, view))

    assert heading == "Nothing changed" and text == sentence(error)
