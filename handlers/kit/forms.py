"""Modal inputs: building input blocks and reading a submitted view's values back.

Block ids are the store's field names, so a store error lands on the right input.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from handlers.kit.blocks import Block, option, plain
from store.errors import Invalid
from store.rules.policy import Policy, points


def input_block(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
    dispatch: bool = False,
) -> Block:
    """An input block; `dispatch` makes Slack tell us when the choice changes (to update the modal)."""
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    if dispatch:
        block["dispatch_action"] = True
    return block


def text_input(*, max_length: int, multiline: bool = False, placeholder: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": multiline,
        "max_length": max_length,
    }
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return element


def state_values(view: dict[str, Any]) -> dict[str, Any]:
    return (view.get("state") or {}).get("values") or {}


def element_value(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    """The state of the (single) element of an input block, `{}` when absent."""
    block = values.get(block_id) or {}
    return next(iter(block.values()), {}) if isinstance(block, dict) else {}


def text_of(values: dict[str, Any], block_id: str) -> str:
    raw = element_value(values, block_id).get("value")
    return raw.strip() if isinstance(raw, str) else ""


def selected_of(values: dict[str, Any], block_id: str) -> str | None:
    chosen = element_value(values, block_id).get("selected_option") or {}
    value = chosen.get("value") if isinstance(chosen, dict) else None
    return value if isinstance(value, str) else None


#: ids are ASCII digits ("²" passes str.isdigit but not int()) that fit an INTEGER column, which
#: is 32 bits on PostgreSQL
ID = re.compile(r"[0-9]{1,10}")
ID_MAX = 2**31 - 1


def as_id(value: object) -> int | None:
    """A row id from a button value, a selected option or a modal's metadata; None if it is not one."""
    if not isinstance(value, str) or not ID.fullmatch(value):
        return None
    number = int(value)
    return number if number <= ID_MAX else None


def selected_id(values: dict[str, Any], block_id: str) -> int | None:
    return as_id(selected_of(values, block_id))


def date_of(values: dict[str, Any], block_id: str) -> tuple[dt.date | None, bool]:
    """The picked date, and False when something was picked that is not a date."""
    raw = element_value(values, block_id).get("selected_date")
    if not raw:
        return None, True
    try:
        return dt.date.fromisoformat(str(raw)), True
    except ValueError:
        return None, False


def modal_metadata(thing_id: int | None) -> str:
    """The one `private_metadata` format of every modal: the id of what it is about, or empty."""
    return "" if thing_id is None else str(thing_id)


def metadata_id(view: dict[str, Any]) -> int | None:
    """The id a modal was opened for (`modal_metadata`); None when it is about nothing."""
    return as_id(view.get("private_metadata"))


def request_id_of(value: object) -> int:
    """The request a button or a reason modal is about; an id that is not one is a stale form."""
    request_id = as_id(value)
    if request_id is None:
        raise Invalid({"reason": "This form is out of date: close it and click again."})
    return request_id


def value_element(policy: Policy) -> dict[str, Any]:
    """The policy's give types, grouped by the social capital they build (Slack's option_groups)."""
    return {
        "type": "static_select",
        "action_id": "value",
        "placeholder": plain("What did the customer get?"),
        "option_groups": [
            {
                "label": plain(group.capitalize(), 75),
                "options": [
                    option(f"{v.name} ({points(v.credit, signed=True)})", v.key) for v in values[:100]
                ],
            }
            for group, values in list(policy.value_groups().items())[:100]
        ],
    }
