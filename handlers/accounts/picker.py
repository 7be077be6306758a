"""Picking an account in a modal: the type-ahead select (its options are the request surface's
`Action.ACCOUNT` search) and the account the words of `/reference WORD <text>` name.

Shared by every modal that names an account: the request, logging value, an adjustment, and
`/reference give`.
"""

from __future__ import annotations

from typing import Any

from handlers.kit.blocks import option, plain
from handlers.kit.desk import Desk
from handlers.kit.ids import Action
from store.accounts import lookup
from store.accounts.lookup import AccountChoice


def account_label(choice: AccountChoice) -> str:
    extra = " · ".join(part for part in (choice.industry, choice.crm_id or "") if part)
    return f"{choice.name} · {extra}" if extra else choice.name


def account_option(choice: AccountChoice) -> dict[str, Any]:
    return option(account_label(choice), str(choice.id))


def account_picker(account: AccountChoice | None) -> dict[str, Any]:
    """The type-ahead account select of the modals that post to the ledger (log value, adjust);
    its options are the request surface's `Action.ACCOUNT` search."""
    element: dict[str, Any] = {
        "type": "external_select",
        "action_id": Action.ACCOUNT,
        "placeholder": plain("Type a name, industry or CRM id"),
        "min_query_length": 1,
    }
    if account is not None:
        element["initial_option"] = account_option(account)
    return element


def account_for_text(desk: Desk, text: str) -> tuple[AccountChoice | None, str | None]:
    """The account `/reference WORD <text>` names (when exactly one matches), else a hint to show
    on the picker saying why none was chosen."""
    if not text:
        return None, None
    matches = lookup.search_accounts(desk.db, text, limit=2)
    if len(matches) == 1:
        return matches[0], None
    if matches:
        return None, f"Several accounts match “{text}”: type to pick one."
    return None, f"No account matches “{text}”: type another name."
