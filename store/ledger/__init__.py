"""The equity ledger: insert-only entries whose sum (plus the opening balance) is the balance,
each account's sum kept beside them in the same transaction, and the check that it still is.

`entries` writes (the one writer of entries and kept sums) and reads entries back; `sums` reads
balances and what was asked; `kept` keeps the sums and verifies them against the entries. The
names are used as `ledger.post(...)`, `ledger.balances(...)`, hence imported here.
"""

from store.ledger.entries import (
    ID_MAX,
    EntryView,
    RecordedMeanwhile,
    chosen_account,
    history,
    last_occurred,
    once_per_key,
    post,
    recorded_entry,
    reverse,
    set_ask_standing,
)
from store.ledger.sums import (
    advocate_balance,
    ask_stands,
    asked_in_window,
    asked_since,
    balance,
    balances,
    fallen_through,
    kept_asked,
    kept_total,
    priced_amount,
)

__all__ = [
    "ID_MAX",
    "EntryView",
    "RecordedMeanwhile",
    "advocate_balance",
    "ask_stands",
    "asked_in_window",
    "asked_since",
    "balance",
    "balances",
    "chosen_account",
    "fallen_through",
    "history",
    "kept_asked",
    "kept_total",
    "last_occurred",
    "once_per_key",
    "post",
    "priced_amount",
    "recorded_entry",
    "reverse",
    "set_ask_standing",
]
