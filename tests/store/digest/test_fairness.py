"""The digest's fairness figures on a seeded quarter, on both databases."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from sqlalchemy import select

from store.db import Database
from store.digest import fairness
from store.models import AccountStatus, Advocate, ConsentAnswer, EntryKind, ReferenceRequest, RequestStatus
from store.rules.policy import Policy
from tests.support import store_seed as seed

UTC = zoneinfo.ZoneInfo("UTC")
WEEK = dt.date(2026, 11, 16)  # the digest's week (16–22 November); its quarter starts 24 August


def decided(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), dt.UTC)


def seed_quarter(db: Database) -> dict[str, int]:
    """20 accounts: this quarter Acme 6 approved asks, Globex 3, four others 1 each (13); the
    quarter before four accounts 2 each (8); one healthy account never asked (Hooli)."""
    ids: dict[str, int] = {}
    with db.transaction() as s:
        names = ["Acme", "Globex", "Initech", "Umbrella", "Soylent", "Stark", "Wayne", "Tyrell"]
        names += [f"Quiet {i:02}" for i in range(9)] + ["Hooli", "Pied Piper", "Paused Co"]
        for name in names:
            status = AccountStatus.PAUSED if name == "Paused Co" else AccountStatus.ACTIVE
            ids[name] = seed.account(s, name, owner_slack_id="U0OWNER01", status=status)
        counts = {"Acme": 6, "Globex": 3, "Initech": 1, "Umbrella": 1, "Soylent": 1, "Stark": 1}
        for name, n in counts.items():
            for i in range(n):
                day = WEEK + dt.timedelta(days=3 - 7 * i)
                request = seed.request(
                    s,
                    ids[name],
                    status=RequestStatus.DONE,
                    created_at=decided(day),
                    decided_at=decided(day),
                    closed_at=decided(day),
                )
                seed.entry(s, ids[name], EntryKind.ASK, -3, day, item="reference_call", request_id=request)
        for name in ("Wayne", "Tyrell", "Initech", "Umbrella"):
            for i in range(2):
                day = WEEK - dt.timedelta(weeks=14 + i)
                seed.request(s, ids[name], status=RequestStatus.APPROVED, decided_at=decided(day))
        # not approved: never counted
        seed.request(s, ids["Acme"], status=RequestStatus.DECLINED, decided_at=decided(WEEK))
        # healthy and never asked: a willing advocate and a balance above a reference call's cost
        for name in ("Hooli", "Pied Piper", "Paused Co"):
            seed.advocate(s, ids[name], f"Someone at {name}", "quote;reference_call")
            seed.entry(s, ids[name], EntryKind.GIVE, 2 if name != "Pied Piper" else 0, WEEK, item="training")
        jane = seed.advocate(s, ids["Acme"], "Jane Roe", "reference_call")
        first = s.scalars(
            select(ReferenceRequest)
            .where(ReferenceRequest.account_id == ids["Acme"])
            .order_by(ReferenceRequest.id)
        ).first()
        assert first is not None
        first.advocate_id = jane
    return ids


def test_concentration_trend_untapped_helpers_and_weeks(db: Database, policy: Policy) -> None:
    ids = seed_quarter(db)
    with db.transaction() as s:
        seed.entry(s, ids["Globex"], EntryKind.GIVE, 4, WEEK + dt.timedelta(days=1), item="award")
    figures = fairness.fairness(db, policy, WEEK, UTC)

    assert figures.quarter.start == dt.date(2026, 8, 24) and figures.quarter.end == dt.date(2026, 11, 22)
    assert (figures.quarter.asks, figures.quarter.accounts, figures.quarter.top_accounts) == (13, 20, 2)
    assert figures.quarter.share == pytest.approx(9 / 13)
    assert figures.previous.asks == 8 and figures.previous.share == pytest.approx(4 / 8)
    assert figures.trend == pytest.approx(100 * (9 / 13 - 0.5))

    # Hooli: balance 5 > 3; Pied Piper: balance 3, not above a call's cost; Paused Co: paused
    assert [(u.name, u.balance, u.willing_advocates) for u in figures.untapped] == [("Hooli", 5, 1)]

    # this week's customers: the six asks done on 19 November, Acme's with its advocate named
    assert [(h.advocate_name, h.account_name) for h in figures.helpers] == [
        ("Jane Roe", "Acme"),
        (None, "Globex"),
        (None, "Initech"),
        (None, "Soylent"),
        (None, "Stark"),
        (None, "Umbrella"),
    ]

    assert len(figures.weeks) == 12 and figures.weeks[-1].start == WEEK
    assert figures.weeks[0].start == WEEK - dt.timedelta(weeks=11)
    # the digest's week: asks of Acme, Globex and the four others 3 points each; gives 2 + 0 + 2 + 4
    assert (figures.weeks[-1].asked, figures.weeks[-1].given) == (18, 8)
    assert sum(w.asked for w in figures.weeks) == 3 * 13


def test_an_empty_quarter_has_no_share_and_no_trend(db: Database, policy: Policy) -> None:
    figures = fairness.fairness(db, policy, WEEK, UTC)
    assert figures.quarter.share is None and figures.trend is None
    assert figures.untapped == [] and figures.helpers == []
    assert [w.asked for w in figures.weeks] == [0] * 12


def test_find_puts_the_less_asked_first_among_equally_fitting_accounts(db: Database, policy: Policy) -> None:
    from store.accounts.find import find_accounts

    today = dt.date(2026, 11, 23)
    with db.transaction() as s:
        busy = seed.account(s, "Busy Bank", "Fintech")
        quiet = seed.account(s, "Quiet Bank", "Fintech")
        for account_id in (busy, quiet):
            seed.advocate(s, account_id, f"Advocate {account_id}", "quote")
            seed.entry(s, account_id, EntryKind.ADJUSTMENT, 6, today - dt.timedelta(days=300))
        # Busy Bank was asked twice this year (one long ago enough to leave no rule warning), and
        # has more equity left than Quiet Bank: without the asked rank it would come first
        seed.entry(s, busy, EntryKind.ASK, -2, today - dt.timedelta(days=200), item="quote")
        seed.entry(s, busy, EntryKind.GIVE, 4, today - dt.timedelta(days=199), item="training")
    found = find_accounts(db, policy, "fintech quote", today)
    assert [f.name for f in found.fits] == ["Quiet Bank", "Busy Bank"]
    assert [f.asked for f in found.fits] == [0, 2]
    assert found.fits[1].capital is not None and found.fits[1].capital.has("learning")


def test_untapped_needs_a_willing_advocate_who_is_not_resting_and_not_do_not_contact(
    db: Database, policy: Policy
) -> None:
    ids = seed_quarter(db)
    with db.transaction() as s:
        hooli = s.scalar(select(Advocate.id).where(Advocate.account_id == ids["Hooli"]))
        assert hooli is not None
        resting = seed.advocate(s, ids["Hooli"], "Rita Resting", "reference_call")
        # the answers sit on an ask elsewhere, so Hooli itself stays never asked
        seed.said(s, resting, ConsentAnswer.NOT_FOR_3_MONTHS, on_account=ids["Acme"])
    figures = fairness.fairness(db, policy, WEEK, UTC)
    assert [(u.name, u.willing_advocates) for u in figures.untapped] == [("Hooli", 1)]

    with db.transaction() as s:
        seed.said(s, hooli, ConsentAnswer.NEVER, on_account=ids["Acme"])
    assert fairness.fairness(db, policy, WEEK, UTC).untapped == []
