"""The advocate's own page (flow 18): what they are happy to do, how often at most, dates not to
ask, their time zone and the times that suit, what would be valuable to them, and the
relationship statement.

What they save applies at once, because the checklist reads it straight from here: the
activities (each its own consent), the cap of asks a quarter (`Advocate.asks_per_quarter`, never
above the policy's) and the dates not to ask are ⛔ rules (`store.rules.checklist`); what they
value puts the offers of those kinds first for their account (`store.offers.matching`).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from functools import cache

from sqlalchemy import delete, select

from store.customer.ask_view import StatementLine, statement
from store.db import Database
from store.errors import Gone, Invalid
from store.models import Account, Advocate, Blackout
from store.rules.checklist import DatesOff
from store.rules.policy import Policy

TEXT_MAX = 1000
NOTE_MAX = 200
#: dates not to ask kept at once, and the longest one (longer: "Remove me", or "don't ask again")
MOST_RANGES = 20
LONGEST_RANGE_DAYS = 366


@dataclass(frozen=True)
class DatesOffRow:
    """One range of dates not to ask, as the page lists it (with the id its **Remove** names)."""

    id: int
    dates: DatesOff


@dataclass(frozen=True)
class Profile:
    advocate_id: int
    #: the opaque id their page's link carries
    public_id: str
    name: str
    title: str
    email: str | None
    account_id: int
    account_name: str
    #: the account's owner in Slack (who the page and its e-mails speak for), and their CRM address
    owner_id: str | None
    owner_email: str | None
    #: the activities they agreed to (each its own consent)
    activities: tuple[str, ...]
    #: their own cap of asks a quarter (None: the policy's rules only), and the highest they may set
    asks_per_quarter: int | None
    most_per_quarter: int
    dates_off: tuple[DatesOffRow, ...]
    time_zone: str
    times_that_suit: str
    valued: tuple[str, ...]
    value_note: str
    #: what the company did for the account in the last 12 months, then what it asked of it
    given: tuple[StatementLine, ...]
    asked: tuple[StatementLine, ...]


@dataclass(frozen=True)
class Preferences:
    """What the page's form sends on **Save**."""

    activities: tuple[str, ...]
    asks_per_quarter: int | None
    time_zone: str
    times_that_suit: str
    valued: tuple[str, ...]
    value_note: str
    #: the ranges ticked **Remove**, and one new range (both days given) or None
    remove_dates: tuple[int, ...] = ()
    add_dates: DatesOff | None = None


@cache
def time_zones() -> tuple[str, ...]:
    """The IANA time zones a person may pick, sorted."""
    return tuple(
        sorted(zone for zone in zoneinfo.available_timezones() if "/" in zone and not zone.startswith("Etc/"))
    )


def most_per_quarter(policy: Policy) -> int:
    """The most asks a quarter an advocate may choose: the policy's own cap over its window, which
    a quarter lies within; their choice can only lower it."""
    return policy.rules.advocate_max_asks_in_window


def page_key(db: Database, advocate_id: int) -> str:
    """The opaque id an advocate's page link carries ("" once they are gone: no page to link)."""
    with db.transaction(readonly=True) as session:
        return session.scalar(select(Advocate.public_id).where(Advocate.id == advocate_id)) or ""


def profile(db: Database, policy: Policy, who: int | str, today: dt.date) -> Profile:
    """The page of an advocate who is in the program, by their id or by the opaque id their page's
    link carries (`public_id`), or `Gone`."""
    with db.transaction(readonly=True) as session:
        if isinstance(who, str):
            advocate = session.scalar(select(Advocate).where(Advocate.public_id == who))
        else:
            advocate = session.get(Advocate, who) if 0 < who < 2**31 else None
        if advocate is None or advocate.forgotten_at is not None:
            raise Gone(f"no advocate {who}")
        account = session.get_one(Account, advocate.account_id)
        ranges = session.scalars(
            select(Blackout)
            .where(Blackout.advocate_id == advocate.id, Blackout.ends_on >= today)
            .order_by(Blackout.starts_on, Blackout.id)
        )
        given, asked = statement(session, policy, account.id, today)
        return Profile(
            advocate_id=advocate.id,
            public_id=advocate.public_id,
            name=advocate.name,
            title=advocate.title,
            email=advocate.email,
            account_id=account.id,
            account_name=account.name,
            owner_id=account.owner_slack_id,
            owner_email=account.owner_email,
            activities=tuple(advocate.activity_keys),
            asks_per_quarter=advocate.asks_per_quarter,
            most_per_quarter=most_per_quarter(policy),
            dates_off=tuple(DatesOffRow(r.id, DatesOff(r.starts_on, r.ends_on, r.note)) for r in ranges),
            time_zone=advocate.time_zone,
            times_that_suit=advocate.times_that_suit,
            valued=tuple(advocate.valued_groups),
            value_note=advocate.value_note,
            given=given,
            asked=asked,
        )


def save(
    db: Database, policy: Policy, advocate_id: int, prefs: Preferences, *, now: dt.datetime, today: dt.date
) -> None:
    """**Save**: everything at once, in one transaction, or `Invalid` naming each field at fault."""
    _check(policy, prefs, today)
    with db.transaction() as session:
        advocate = session.get(Advocate, advocate_id) if 0 < advocate_id < 2**31 else None
        if advocate is None or advocate.forgotten_at is not None:
            raise Gone(f"no advocate {advocate_id}")
        advocate.activities = ";".join(a for a in policy.activities if a in prefs.activities)
        advocate.asks_per_quarter = prefs.asks_per_quarter
        advocate.time_zone = prefs.time_zone
        advocate.times_that_suit = prefs.times_that_suit.strip()
        groups = list(policy.value_groups())
        advocate.valued = ";".join(g for g in groups if g in prefs.valued)
        advocate.value_note = prefs.value_note.strip()
        if prefs.remove_dates:
            session.execute(
                delete(Blackout).where(
                    Blackout.advocate_id == advocate.id, Blackout.id.in_(prefs.remove_dates)
                )
            )
        if prefs.add_dates is not None:
            kept = session.scalar(
                select(Blackout.id)
                .where(Blackout.advocate_id == advocate.id, Blackout.ends_on >= today)
                .offset(MOST_RANGES - 1)
            )
            if kept is not None:
                raise Invalid({"dates": f"At most {MOST_RANGES} ranges of dates: remove one first."})
            off = prefs.add_dates
            session.add(
                Blackout(
                    advocate_id=advocate.id,
                    starts_on=off.starts_on,
                    ends_on=off.ends_on,
                    note=off.note.strip(),
                    created_at=now,
                )
            )


def _check(policy: Policy, prefs: Preferences, today: dt.date) -> None:
    errors: dict[str, str] = {}
    if any(activity not in policy.activities for activity in prefs.activities):
        errors["activities"] = "Please tick from the list."
    most = most_per_quarter(policy)
    if prefs.asks_per_quarter is not None and not 1 <= prefs.asks_per_quarter <= most:
        errors["asks_per_quarter"] = f"Pick a number from 1 to {most}."
    if prefs.time_zone and prefs.time_zone not in time_zones():
        errors["time_zone"] = "Pick your time zone from the list."
    if len(prefs.times_that_suit) > TEXT_MAX or len(prefs.value_note) > TEXT_MAX:
        errors["times_that_suit" if len(prefs.times_that_suit) > TEXT_MAX else "value_note"] = (
            f"Keep it under {TEXT_MAX} characters."
        )
    if any(group not in policy.value_groups() for group in prefs.valued):
        errors["valued"] = "Please tick from the list."
    off = prefs.add_dates
    if off is not None:
        if off.ends_on < off.starts_on:
            errors["dates"] = "The last day comes before the first: swap them."
        elif off.ends_on < today:
            errors["dates"] = "Those dates are over already."
        elif (off.ends_on - off.starts_on).days >= LONGEST_RANGE_DAYS:
            errors["dates"] = "At most a year at a time. To stop for good, use Remove me below."
        elif len(off.note) > NOTE_MAX:
            errors["dates"] = f"Keep the reason under {NOTE_MAX} characters."
    if errors:
        raise Invalid(errors)
