"""`/reference find`'s answer, built from a literal result: what a seller reads and may click."""

from __future__ import annotations

from handlers.requests.find import find_blocks
from store.accounts.find import FindResult, Fit
from store.rules.policy import Activity
from tests.support.blockkit import assert_valid_message_blocks

CALL = Activity("reference_call", "Reference call with a prospect", 3)


def fit(account_id: int, name: str, *, unavailable: str | None = None, do_not_contact: bool = False) -> Fit:
    return Fit(
        account_id=account_id,
        name=name,
        industry="Fintech",
        segment="Enterprise",
        region="EMEA",
        products="Payments",
        balance=4,
        balance_after=1,
        willing_advocates=1,
        matched=("fintech",),
        unavailable=unavailable,
        warnings=(),
        do_not_contact=do_not_contact,
    )


def test_a_do_not_contact_account_is_listed_with_its_reason_but_cannot_be_requested() -> None:
    result = FindResult(
        ("fintech",),
        CALL,
        [
            fit(1, "Acme"),
            fit(2, "Globex", unavailable="resting: asked on 2026-11-20"),
            fit(3, "Initech", unavailable="do not contact", do_not_contact=True),
        ],
        3,
    )
    blocks = find_blocks("fintech reference call", result)
    assert_valid_message_blocks(blocks)
    buttons = {b["accessory"]["value"] for b in blocks if "accessory" in b}
    assert buttons == {"1", "2"}
    initech = next(b for b in blocks if "Initech" in b["text"]["text"])
    assert "do not contact" in initech["text"]["text"]
    assert "Balance 4 points → 1 point after the" in blocks[1]["text"]["text"]
