"""The digest's Block Kit and terminal text: a busy week stays inside Slack's limits."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

from handlers.digest import digest_blocks, digest_text
from store.digest import Digest, Giver, LowAccount, Overdue, Period
from tests.support.blockkit import assert_valid_message_blocks

NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)


def busy_week(n: int) -> Digest:
    return Digest(
        period=Period.last_complete_week(NOW, zoneinfo.ZoneInfo("UTC")),
        opened=n,
        approved=n // 2,
        declined=3,
        cancelled=1,
        pending=n,
        overdue=[
            Overdue(
                i,
                f"Account <{i}> & co",
                "U0ALICE01",
                None if i % 2 else "U0OLIVIA1",
                NOW - dt.timedelta(days=2),
            )
            for i in range(n)
        ],
        median_decision=dt.timedelta(hours=5, minutes=30),
        low_accounts=[LowAccount(i, f"Low {i}" * 20, "U0OLIVIA1", -i) for i in range(n)],
        value_delivered=4 * n,
        givers=[Giver(f"U0GIVER{i:02d}", 4, 1) for i in range(n)],
        pipeline=Decimal("1234567.89"),
        currency="EUR",
    )


def test_a_busy_week_is_cut_with_and_n_more_and_stays_valid() -> None:
    blocks = digest_blocks(busy_week(300), NOW)

    assert_valid_message_blocks(blocks)
    text = str(blocks)
    assert text.count("…and 290 more") == 3
    assert "Account &lt;0&gt; &amp; co" in text and "EUR 1,234,568" in text and "5 h 30 min" in text


def test_a_quiet_week_renders_its_figures_only() -> None:
    blocks = digest_blocks(busy_week(0), NOW)
    assert_valid_message_blocks(blocks)
    assert len(blocks) == 3


def test_the_dry_run_text_is_readable_in_a_terminal() -> None:
    text = digest_text(busy_week(2), NOW)
    lines = text.splitlines()
    assert lines[0] == "Reference program — week 2026-W47 (16 Nov – 22 Nov 2026)"
    assert "Median time to decision  5 h 30 min" in lines
    assert "• Account <1> & co: asked by @U0ALICE01 2 d 0 h ago, the program admins decide" in lines
    assert "<@" not in text
