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

from store.outbox.fields import (
    bad,
    bool_of,
    date_of,
    int_of,
    ints_of,
    number_of,
    str_of,
)


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
        return cls(ints_of(data, "account_ids"), date_of(data, "since"), str_of(data, "week"))


@dataclass(frozen=True)
class LoggedPayload:
    """The ledger entry the receipt is about."""

    entry_id: int

    def to_dict(self) -> dict[str, object]:
        return {"entry_id": self.entry_id}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> LoggedPayload:
        return cls(int_of(data, "entry_id"))


@dataclass(frozen=True)
class AdjustmentPayload:
    """The adjustment entry the admin's receipt and the owner's notice are about."""

    entry_id: int

    def to_dict(self) -> dict[str, object]:
        return {"entry_id": self.entry_id}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> AdjustmentPayload:
        return cls(int_of(data, "entry_id"))


@dataclass(frozen=True)
class DigestPayload:
    """The week (a `Period` label) and the decision SLA its overdue list is measured against."""

    period: str
    sla_hours: float

    def to_dict(self) -> dict[str, object]:
        return {"period": self.period, "sla_hours": self.sla_hours}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> DigestPayload:
        return cls(str_of(data, "period"), number_of(data, "sla_hours"))


@dataclass(frozen=True)
class ChannelHelpPayload:
    """Which week's digest could not be posted, and in which channel."""

    period: str
    channel: str

    def to_dict(self) -> dict[str, object]:
        return {"period": self.period, "channel": self.channel}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ChannelHelpPayload:
        return cls(str_of(data, "period"), str_of(data, "channel"))


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
        return cls(bool_of(data, "wait_for_decision"))


@dataclass(frozen=True)
class OfferSeatPayload:
    """The reservation the DM is about."""

    seat_id: int

    def to_dict(self) -> dict[str, object]:
        return {"seat_id": self.seat_id}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> OfferSeatPayload:
        return cls(int_of(data, "seat_id"))


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
        return cls(bool_of(data, "reminder"), bool_of(data, "overdue") if "overdue" in data else False)


@dataclass(frozen=True)
class ReferralPayload:
    """The colleague an advocate named (`Referral`), told to the account's owner."""

    referral_id: int

    def to_dict(self) -> dict[str, object]:
        return {"referral_id": self.referral_id}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ReferralPayload:
        return cls(int_of(data, "referral_id"))


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
            str_of(data, "answer"), str_of(data, "answered_by"), before if isinstance(before, str) else None
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
        return cls(int_of(data, "evidence_id"), int_of(data, "version"))


@dataclass(frozen=True)
class NominationPayload:
    """The nomination a message is about, and what it says of it: the outcome told (a status), or
    "reminder". Everything else is read from the nomination when the message is sent, so a
    person removed meanwhile is never named."""

    nomination_id: int
    about: str = ""

    def to_dict(self) -> dict[str, object]:
        return {"nomination_id": self.nomination_id, "about": self.about}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> NominationPayload:
        return cls(int_of(data, "nomination_id"), str_of(data, "about"))


@dataclass(frozen=True)
class RemovedPayload:
    """The account whose advocate was removed from the program, and whether they asked on their
    page or an admin did it for them: their name is gone by the time the owner is told."""

    account_id: int
    by_admin: bool

    def to_dict(self) -> dict[str, object]:
        return {"account_id": self.account_id, "by_admin": self.by_admin}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> RemovedPayload:
        return cls(int_of(data, "account_id"), bool_of(data, "by_admin"))


@dataclass(frozen=True)
class NothingFitsPayload:
    """The day whose **Nothing fits** needs the admins' one DM lists."""

    day: dt.date

    def to_dict(self) -> dict[str, object]:
        return {"day": self.day.isoformat()}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> NothingFitsPayload:
        return cls(date_of(data, "day"))


@dataclass(frozen=True)
class GapAsk:
    """One gap as the owner reads it, and their accounts in it: figures of the week it was claimed."""

    #: the gap's labels in the coverage's order ("Healthcare"), its activity key apart ("" for any)
    labels: tuple[str, ...]
    activity: str
    needed: int
    filled: int
    supply: int
    #: the owner's fitting accounts with nobody the program can ask for it now
    account_ids: tuple[int, ...]
    #: those of them too low on equity to afford it: offers first
    low_ids: tuple[int, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "labels": list(self.labels),
            "activity": self.activity,
            "needed": self.needed,
            "filled": self.filled,
            "supply": self.supply,
            "account_ids": list(self.account_ids),
            "low_ids": list(self.low_ids),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> GapAsk:
        labels = data.get("labels")
        if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
            raise bad("labels", "a list of strings", labels)
        return cls(
            tuple(labels),
            str_of(data, "activity"),
            int_of(data, "needed"),
            int_of(data, "filled"),
            int_of(data, "supply"),
            ints_of(data, "account_ids"),
            ints_of(data, "low_ids"),
        )


@dataclass(frozen=True)
class GapAsksPayload:
    """An owner's weekly ask to close the gaps their accounts are in, and the window it measured."""

    week: str
    since: dt.date
    gaps: tuple[GapAsk, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "week": self.week,
            "since": self.since.isoformat(),
            "gaps": [gap.to_dict() for gap in self.gaps],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> GapAsksPayload:
        gaps = data.get("gaps")
        if not isinstance(gaps, list) or not all(isinstance(gap, dict) for gap in gaps):
            raise bad("gaps", "a list of gaps", gaps)
        return cls(str_of(data, "week"), date_of(data, "since"), tuple(GapAsk.from_dict(gap) for gap in gaps))
