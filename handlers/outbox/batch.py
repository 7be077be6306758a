"""What the renderers of one claimed batch already read, kept for the next renderer of the batch.

The deliveries a click owes (the decider's DM and the requester's receipt; the outcome, the
rewrite and the Home refresh) are claimed together and describe the same moment, so reading the
request again for each of them only costs database round trips.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar, cast

T = TypeVar("T")
#: what the renderers of the batch being sent already read (e.g. a request's card), by name
_in_hand: ContextVar[dict[Hashable, object] | None] = ContextVar("in_hand", default=None)


@contextmanager
def one_batch() -> Iterator[None]:
    """While a claimed batch is rendered, what one renderer reads (`in_hand`) the next reuses."""
    token = _in_hand.set({})
    try:
        yield
    finally:
        _in_hand.reset(token)


def in_hand(what: Hashable, read: Callable[[], T]) -> T:
    """`read()` once per batch (every time outside one)."""
    held = _in_hand.get()
    if held is None:
        return read()
    if what not in held:
        held[what] = read()
    return cast(T, held[what])
