"""The typed data a delivery carries, one small frozen dataclass per shape.

A delivery row stores its data as JSON, written by one version of the program and read by
another (a retry after a deploy, a second replica). So each payload writes itself to a dict and
checks a dict when it reads it back: a renderer never pokes at untyped JSON, and a row that does
not fit its kind fails loudly as a render error instead of rendering nonsense. Which kind carries
which payload is said by the kind itself (`store.outbox.kinds`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


class Payload(Protocol):
    def to_dict(self) -> dict[str, object]: ...


class BadPayload(ValueError):
    """A delivery's stored data does not fit its kind (a bug, or a row from another version)."""


def _bad(name: str, wanted: str, value: object) -> BadPayload:
    return BadPayload(f"{name!r} should be {wanted}, not {value!r}")


def _int(data: Mapping[str, object], name: str) -> int:
    value = data.get(name)
    if isinstance(value, int) and not isinstance(value, bool):  # a bool is an int in Python
        return value
    raise _bad(name, "an integer", value)


def _ints(data: Mapping[str, object], name: str) -> tuple[int, ...]:
    value = data.get(name)
    if isinstance(value, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in value):
        return tuple(value)
    raise _bad(name, "a list of integers", value)


def _number(data: Mapping[str, object], name: str) -> float:
    value = data.get(name)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise _bad(name, "a number", value)


def _str(data: Mapping[str, object], name: str) -> str:
    value = data.get(name)
    if isinstance(value, str):
        return value
    raise _bad(name, "a string", value)


def _bool(data: Mapping[str, object], name: str) -> bool:
    value = data.get(name)
    if isinstance(value, bool):
        return value
    raise _bad(name, "true or false", value)


def _date(data: Mapping[str, object], name: str) -> dt.date:
    text = _str(data, name)
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise _bad(name, "an ISO date", text) from exc


@dataclass(frozen=True)
class NudgePayload:
    """The owner's accounts to show, and the start of the give-back window they were chosen for."""

    account_ids: tuple[int, ...]
    since: dt.date
    week: str

    def to_dict(self) -> dict[str, object]:
        return {"account_ids": list(self.account_ids), "since": self.since.isoformat(), "week": self.week}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> NudgePayload:
        return cls(_ints(data, "account_ids"), _date(data, "since"), _str(data, "week"))


@dataclass(frozen=True)
class LoggedPayload:
    """The ledger entry the receipt is about."""

    entry_id: int

    def to_dict(self) -> dict[str, object]:
        return {"entry_id": self.entry_id}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> LoggedPayload:
        return cls(_int(data, "entry_id"))


@dataclass(frozen=True)
class AdjustmentPayload:
    """The adjustment entry the admin's receipt and the owner's notice are about."""

    entry_id: int

    def to_dict(self) -> dict[str, object]:
        return {"entry_id": self.entry_id}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> AdjustmentPayload:
        return cls(_int(data, "entry_id"))


@dataclass(frozen=True)
class DigestPayload:
    """The week (a `Period` label) and the decision SLA its overdue list is measured against."""

    period: str
    sla_hours: float

    def to_dict(self) -> dict[str, object]:
        return {"period": self.period, "sla_hours": self.sla_hours}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> DigestPayload:
        return cls(_str(data, "period"), _number(data, "sla_hours"))


@dataclass(frozen=True)
class ChannelHelpPayload:
    """Which week's digest could not be posted, and in which channel."""

    period: str
    channel: str

    def to_dict(self) -> dict[str, object]:
        return {"period": self.period, "channel": self.channel}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ChannelHelpPayload:
        return cls(_str(data, "period"), _str(data, "channel"))


@dataclass(frozen=True)
class HomeRefreshPayload:
    """True when the republish follows a click on Home, so must wait until the decision is recorded."""

    wait_for_decision: bool = False

    def to_dict(self) -> dict[str, object]:
        return {"wait_for_decision": self.wait_for_decision}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> HomeRefreshPayload:
        # rows written before payloads were typed carry no data: they never waited
        if "wait_for_decision" not in data:
            return cls()
        return cls(_bool(data, "wait_for_decision"))


@dataclass(frozen=True)
class OfferSeatPayload:
    """The reservation the DM is about."""

    seat_id: int

    def to_dict(self) -> dict[str, object]:
        return {"seat_id": self.seat_id}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> OfferSeatPayload:
        return cls(_int(data, "seat_id"))


@dataclass(frozen=True)
class ConsentAskPayload:
    """Why the owner is asked to record the answer: they ask in person (owner-led, or **I'll ask
    them myself**), the advocate did not answer in time (`reminder`), or the needed-by date passed
    with no answer (`overdue`)."""

    reminder: bool
    overdue: bool = False

    def to_dict(self) -> dict[str, object]:
        return {"reminder": self.reminder, "overdue": self.overdue}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ConsentAskPayload:
        # rows written before `overdue` existed were never overdue ones
        return cls(_bool(data, "reminder"), _bool(data, "overdue") if "overdue" in data else False)


@dataclass(frozen=True)
class ReferralPayload:
    """The colleague an advocate named (`Referral`), told to the account's owner."""

    referral_id: int

    def to_dict(self) -> dict[str, object]:
        return {"referral_id": self.referral_id}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ReferralPayload:
        return cls(_int(data, "referral_id"))


@dataclass(frozen=True)
class AnsweredPayload:
    """The answer as recorded (it may change later), who recorded it, and the answer it replaced
    (None for the first), so that a change is told as one."""

    answer: str
    answered_by: str
    before: str | None = None

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"answer": self.answer, "answered_by": self.answered_by}
        if self.before is not None:
            data["before"] = self.before
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> AnsweredPayload:
        before = data.get("before")
        return cls(
            _str(data, "answer"), _str(data, "answered_by"), before if isinstance(before, str) else None
        )


@dataclass(frozen=True)
class EvidencePayload:
    """The evidence an e-mail is about, and the version of its words it was owed for: an e-mail
    composed after the words changed again has nothing left to say."""

    evidence_id: int
    version: int

    def to_dict(self) -> dict[str, object]:
        return {"evidence_id": self.evidence_id, "version": self.version}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> EvidencePayload:
        return cls(_int(data, "evidence_id"), _int(data, "version"))
