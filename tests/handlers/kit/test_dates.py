"""A day in Slack is a date token: Slack shows its moment in each reader's own time zone, so the
moment must fall on that date wherever the program's people are."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest

from handlers.kit.blocks import day, day_of

ZONES = [
    "Pacific/Honolulu",
    "America/Los_Angeles",
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Pacific/Tongatapu",
]


@pytest.mark.parametrize("date", [dt.date(2026, 1, 15), dt.date(2026, 7, 15), dt.date(2026, 12, 31)])
@pytest.mark.parametrize("zone", ZONES)
def test_a_day_s_token_reads_that_date_from_hawaii_to_new_zealand_s_summer(date: dt.date, zone: str) -> None:
    token = day(date)
    found = re.fullmatch(r"<!date\^(\d+)\^\{date_short_pretty\}\|(.+)>", token)
    assert found is not None, token
    shown = dt.datetime.fromtimestamp(int(found[1]), zoneinfo.ZoneInfo(zone)).date()
    assert shown == date and found[2] == f"{date.day} {date:%b %Y}"


def test_the_day_a_moment_fell_on_is_each_reader_s_own() -> None:
    """Nominated at 22:00 in New York: the 22nd there, though it was the 23rd in UTC."""
    evening = dt.datetime(2026, 11, 22, 22, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    token = day_of(evening)
    assert token == f"<!date^{int(evening.timestamp())}^{{date_short_pretty}}|23 Nov 2026 (UTC)>"
