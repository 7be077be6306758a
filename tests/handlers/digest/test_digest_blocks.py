"""The digest's Block Kit and terminal text: a busy week stays inside Slack's limits."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

from handlers.digest.weekly import digest_blocks, digest_text
from store.digest.outcomes import DaysToClose, FellThrough, Outcomes, Tally, WinRate
from store.digest.weekly import Digest, Giver, LowAccount, Overdue
from store.periods import Period
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
        outcomes=Outcomes(
            since=dt.date(2026, 10, 1),
            opportunities=n + 1,
            pipeline=Tally(2, {"EUR": Decimal("1234567.89"), "USD": Decimal(500)}, 1),
            won=Tally(1, {"EUR": Decimal(1000)}),
            win_rate_with=WinRate(2, 3),
            win_rate_without=WinRate(1, 4),
            days_with=DaysToClose(30, 3),
            days_without=DaysToClose(45.5, 4),
            fell_through=[
                FellThrough(i, f"Fell <{i}>", "Deal", dt.date(2026, 11, 2), "budget cut", i == 0)
                for i in range(n)
            ],
            overridden_asks=1,
        ),
    )


def test_a_busy_week_is_cut_with_and_n_more_and_stays_valid() -> None:
    blocks = digest_blocks(busy_week(300), NOW)

    assert_valid_message_blocks(blocks)
    text = str(blocks)
    assert text.count("…and 290 more") == 4
    assert "Account &lt;0&gt; &amp; co" in text and "5 h 30 min" in text
    pipeline = "EUR 1,234,568 · USD 500 (2 opportunities, 1 with an overridden ask)"
    assert f"Pipeline with a reference (open): {pipeline}" in text
    assert "Win rate with a completed reference: 2 of 3 won (67 %); without: 1 of 4 won (25 %)" in text
    assert "Fell &lt;0&gt; · Deal on 2026-11-02: budget cut (overridden ask)" in text


def test_a_quiet_week_renders_its_figures_only() -> None:
    blocks = digest_blocks(busy_week(0), NOW)
    assert_valid_message_blocks(blocks)
    assert len(blocks) == 4


def test_the_dry_run_text_is_readable_in_a_terminal() -> None:
    names = {"U0ALICE01": "Alice Seller", None: "the program admins"}
    text = digest_text(busy_week(2), NOW, lambda u: names.get(u, f"@{u}"))
    lines = text.splitlines()
    assert lines[0] == "Reference program — week of 16 Nov 2026"
    assert "Median time to decision  5 h 30 min" in lines
    assert "• Account <1> & co: asked by Alice Seller 2 d 0 h ago, the program admins decide" in lines
    assert "<@" not in text
    assert (
        "Median days to close with a completed reference: 30 days (of 3); without: 45.5 days (of 4)" in lines
    )
