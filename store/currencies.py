"""Currencies: the codes of ISO 4217's current list (the `iso4217` package ships the published
table), so a deal's amount is in a currency a report can name. Codes the table lists without
minor units (gold, special drawing rights, "no currency", the testing code) are no deal's."""

from __future__ import annotations

import iso4217

#: every current currency a deal can be priced in
CODES = frozenset(
    code
    for code, entry in iso4217.raw_table.items()
    if code is not None and entry.get("CcyMnrUnts") not in (None, "N.A.")
)


def is_currency(code: str) -> bool:
    return code in CODES
