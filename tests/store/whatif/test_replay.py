"""`refdesk policy simulate` on a seeded history, on both databases: a stricter rest period blocks
exactly the asks it should, a dearer activity sends an account below zero, and the database is
the same afterwards, byte for byte."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import zoneinfo

from sqlalchemy import select

from store import ledger
from store.act import Act
from store.customer import consent, ratings
from store.db import Database
from store.models import Base, ConsentAnswer, EntryKind
from store.requests import asking, deciding, followups
from store.requests.asking import Draft
from store.rules.checklist import Rule
from store.rules.policy import Policy
from store.whatif.replay import BelowZero, simulate_policy
from tests.support import store_seed as seed

UTC = zoneinfo.ZoneInfo("UTC")
OWNER, ADMIN = "U0OWNER01", "U0ADMIN01"


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=dt.UTC)


def give(db: Database, account_id: int, amount: int, when: dt.datetime) -> None:
    with db.transaction() as s:
        ledger.post(
            s,
            account_id=account_id,
            kind=EntryKind.GIVE,
            amount=amount,
            item="training",
            actor_id=OWNER,
            now=when,
            occurred_on=when.date(),
        )


def ask_and_approve(
    db: Database,
    policy: Policy,
    account_id: int,
    advocate_id: int,
    when: dt.datetime,
    consent_mode: str = consent.OWNER,
) -> int:
    """Through the app's own lifecycle: submitted, then approved by the owner an hour later."""
    draft = Draft(account_id, "reference_call", advocate_id=advocate_id, opportunity_name="Deal")
    submitted = asking.submit(
        db,
        policy,
        draft,
        Act("U0SELLER1", frozenset({ADMIN}), when, when.date()),
        source_key=f"view:{when.isoformat()}",
    )
    decided_at = when + dt.timedelta(hours=1)
    deciding.decide(
        db,
        policy,
        submitted.request_id,
        Act(OWNER, frozenset({ADMIN}), decided_at, decided_at.date()),
        approve=True,
        consent_mode=consent_mode,
    )
    return submitted.request_id


def history(db: Database, policy: Policy) -> dict[str, int]:
    """Acme/Ana and Globex/Bo asked for reference calls; every ask passed the default policy."""
    with db.transaction() as s:
        acme = seed.account(s, "Acme", "Fintech", owner_slack_id=OWNER)
        globex = seed.account(s, "Globex", "Retail", owner_slack_id=OWNER)
        ana = seed.advocate(s, acme, "Ana", "reference_call")
        bo = seed.advocate(s, globex, "Bo", "reference_call")
    give(db, acme, 5, at(1, 2))
    give(db, globex, 5, at(1, 2))
    asks = {
        "r1": ask_and_approve(db, policy, acme, ana, at(1, 5)),  # Acme 8 → 5
        "r2": ask_and_approve(db, policy, globex, bo, at(1, 12)),  # Globex 8 → 5
        "r3": ask_and_approve(db, policy, acme, ana, at(2, 9)),  # 35 days after r1; Acme → 2
        "r4": ask_and_approve(db, policy, globex, bo, at(2, 23)),  # 42 days after r2; Globex → 2
    }
    give(db, acme, 3, at(3, 1))  # Acme → 5
    asks["r5"] = ask_and_approve(db, policy, acme, ana, at(4, 6))  # 56 days after r3; Acme → 2
    return asks


def fingerprint(db: Database) -> str:
    """Every row of every table, in key order: any write at all changes it."""
    digest = hashlib.sha256()
    with db.transaction(readonly=True) as s:
        for table in Base.metadata.sorted_tables:
            for row in s.execute(select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def test_a_longer_rest_period_blocks_exactly_the_asks_that_came_too_soon(
    db: Database, policy: Policy
) -> None:
    asks = history(db, policy)
    before = fingerprint(db)
    stricter = dataclasses.replace(policy, rules=dataclasses.replace(policy.rules, advocate_rest_days=45))

    c = simulate_policy(db, stricter, policy, UTC)

    assert [a.request_id for a in c.proposed.asks] == [asks[f"r{n}"] for n in range(1, 6)]
    assert c.current.blocked_by == {}
    assert c.proposed.blocked_by == {Rule.ADVOCATE_REST: [asks["r3"], asks["r4"]]}
    assert (c.newly_blocked, c.no_longer_blocked) == ([asks["r3"], asks["r4"]], [])
    assert c.proposed.asks[2].sentences[Rule.ADVOCATE_REST] == (
        "Ana was asked 35 days ago (rest 45 days between asks)."
    )
    assert (c.proposed.below_zero, c.proposed.over_cap) == ([], [])
    assert fingerprint(db) == before


def test_a_dearer_reference_call_sends_an_account_below_zero(db: Database, policy: Policy) -> None:
    asks = history(db, policy)
    before = fingerprint(db)
    prices = dict(policy.activities)
    prices["reference_call"] = dataclasses.replace(prices["reference_call"], cost=4)
    dearer = dataclasses.replace(policy, activities=prices)

    c = simulate_policy(db, dearer, policy, UTC, since=dt.date(2026, 2, 1))

    # Acme at 4 points an ask: 3 + 5 − 4 (r1) − 4 (r3) + 3 = 3, so r5 would leave it at −1
    assert [a.request_id for a in c.proposed.asks] == [asks["r3"], asks["r4"], asks["r5"]]
    assert c.proposed.blocked_by == {Rule.BALANCE: [asks["r5"]]}
    assert c.proposed.below_zero == [BelowZero("Acme", dt.date(2026, 4, 6), -1)]
    assert c.newly_blocked == [asks["r5"]]
    assert fingerprint(db) == before


def test_the_database_is_writable_again_after_a_replay(db: Database, policy: Policy) -> None:
    """SQLite's query_only is per connection, and connections are pooled: it must be set back."""
    history(db, policy)
    for _ in range(3):
        simulate_policy(db, policy, policy, UTC)
    with db.transaction() as s:
        acme = s.scalar(select(seed.Account.id).where(seed.Account.name == "Acme"))
    assert acme is not None
    before = fingerprint(db)
    give(db, acme, 1, at(5, 1))
    assert fingerprint(db) != before


def test_each_ask_is_judged_by_what_the_advocate_had_said_by_then_not_later(
    db: Database, policy: Policy
) -> None:
    """Ana did an activity, asked again before she rated it 1/5, then said "Please don't ask me
    again" to that second ask: neither her rating nor her answer weighs on the asks before them,
    both on the ask after."""
    with db.transaction() as s:
        acme = seed.account(s, "Acme", "Fintech", owner_slack_id=OWNER)
        ana = seed.advocate(s, acme, "Ana", "reference_call")
    give(db, acme, 10, at(1, 2))
    r1 = ask_and_approve(db, policy, acme, ana, at(1, 5), consent_mode=consent.EMAIL)
    followups.mark_done(db, r1, Act("U0SELLER1", frozenset(), at(2, 1), at(2, 1).date()))
    r2 = ask_and_approve(db, policy, acme, ana, at(2, 9), consent_mode=consent.EMAIL)
    ratings.rate_by_advocate(db, r1, 1, "not worth it", at(2, 10))
    consent.answer(
        db, policy, r2, ConsentAnswer.NEVER, Act(consent.ADVOCATE, frozenset(), at(2, 12), at(2, 12).date())
    )
    give(db, acme, 1, at(3, 1))
    r3 = asking.submit(
        db,
        policy,
        Draft(acme, "reference_call", advocate_id=ana, opportunity_name="Deal"),
        Act("U0SELLER1", frozenset({ADMIN}), at(4, 6), at(4, 6).date()),
        source_key="view:r3",
    ).request_id

    replay = simulate_policy(db, policy, policy, UTC).current

    judged = {ask.request_id: ask for ask in replay.asks}
    assert (judged[r1].blocking, judged[r1].warning) == ((), ())
    assert (judged[r2].blocking, judged[r2].warning) == ((), ())
    assert judged[r3].blocking == (Rule.ADVOCATE_SAY,) and judged[r3].warning == (Rule.ADVOCATE_RATING,)
    assert replay.blocked_by == {Rule.ADVOCATE_SAY: [r3]}
    assert replay.warned_by == {Rule.ADVOCATE_RATING: [r3]}
