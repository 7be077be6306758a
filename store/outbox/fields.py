"""Reading a payload's fields back from the JSON a delivery row stores: each checks its type and
fails loudly (`BadPayload`) when the row does not fit its kind. Apart from the payloads
(`store.outbox.payloads`) so that module holds only their shapes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Protocol


class Payload(Protocol):
    def to_dict(self) -> dict[str, object]: ...


class BadPayload(ValueError):
    """A delivery's stored data does not fit its kind (a bug, or a row from another version)."""


def bad(name: str, wanted: str, value: object) -> BadPayload:
    return BadPayload(f"{name!r} should be {wanted}, not {value!r}")


def int_of(data: Mapping[str, object], name: str) -> int:
    value = data.get(name)
    if isinstance(value, int) and not isinstance(value, bool):  # a bool is an int in Python
        return value
    raise bad(name, "an integer", value)


def ints_of(data: Mapping[str, object], name: str) -> tuple[int, ...]:
    value = data.get(name)
    if isinstance(value, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in value):
        return tuple(value)
    raise bad(name, "a list of integers", value)


def number_of(data: Mapping[str, object], name: str) -> float:
    value = data.get(name)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise bad(name, "a number", value)


def str_of(data: Mapping[str, object], name: str) -> str:
    value = data.get(name)
    if isinstance(value, str):
        return value
    raise bad(name, "a string", value)


def bool_of(data: Mapping[str, object], name: str) -> bool:
    value = data.get(name)
    if isinstance(value, bool):
        return value
    raise bad(name, "true or false", value)


def date_of(data: Mapping[str, object], name: str) -> dt.date:
    text = str_of(data, name)
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise bad(name, "an ISO date", text) from exc
