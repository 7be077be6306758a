"""**Nominate**: the one button that opens the nomination modal (`handlers.bench.nominate`),
wherever a surface offers it — App Home, the nudge's promoters, the coverage gaps — and what its
value asks the modal to pre-fill. In the kit so that a surface offers it without importing the
bench's listeners."""

from __future__ import annotations

from typing import Any

from handlers.kit.blocks import button
from handlers.kit.ids import Action

#: the button's word everywhere (product.md, "Words on screen")
NOMINATE = "Nominate"
#: **Nominate**'s value: a blank modal, an account's, or one pre-filled from a promoter's answer or
#: from the colleague an advocate named ("Someone else would be better")
NEW, FOR_ACCOUNT, FROM_PROMOTER, FROM_REFERRAL = "new", "account:", "promoter:", "referral:"


def nominate_button(value: str = NEW) -> dict[str, Any]:
    return button(NOMINATE, Action.NOMINATE, value)


def for_referral(referral_id: int) -> dict[str, Any]:
    """**Nominate** the colleague an advocate named instead of themselves: the modal pre-filled."""
    return nominate_button(f"{FROM_REFERRAL}{referral_id}")


def for_account(account_id: int) -> dict[str, Any]:
    """**Nominate** someone at this account: the modal opens with the account chosen."""
    return nominate_button(f"{FOR_ACCOUNT}{account_id}")
