"""The advocate's own page on SQLite and PostgreSQL: what they save applies at once to the
checklist (activities, cap, dates not to ask), what they value puts those offers first, and a
lost link mails a fresh one at most once an hour, saying nothing about unknown addresses."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select

from store.act import Act
from store.bench import lost_link, nominating, profile
from store.bench.nominating import NominationDraft
from store.bench.profile import Preferences
from store.db import Database
from store.errors import Gone, Invalid
from store.models import Advocate, Delivery, EntryKind, Offer
from store.offers import matching
from store.rules.checklist import DatesOff, Rule, Verdict, checklist
from store.rules.facts import facts_for_accounts
from store.rules.policy import Policy
from tests.support import store_seed

NOW = store_seed.NOW
TODAY = NOW.date()
KEEP = Preferences(
    activities=("reference_call", "quote"),
    asks_per_quarter=2,
    time_zone="Europe/Paris",
    times_that_suit="Tuesday mornings",
    valued=("learning",),
    value_note="Early betas please",
)


def setup(db: Database) -> tuple[int, int]:
    with db.transaction() as session:
        acme = store_seed.account(session, "Acme Corp", "Retail", owner_slack_id="U0OWNER01")
        jane = store_seed.advocate(session, acme, "Jane Doe", "reference_call;case_study;webinar")
        session.get_one(Advocate, jane).email = "jane@acme.example"
        store_seed.entry(session, acme, EntryKind.GIVE, 3, TODAY - dt.timedelta(days=10), item="training")
    return acme, jane


def verdict(
    db: Database, policy: Policy, acme: int, jane: int, activity: str, **facts: object
) -> dict[Rule, Verdict]:
    with db.transaction(readonly=True) as session:
        found = facts_for_accounts(
            session,
            policy,
            [acme],
            TODAY,
            activity=activity,
            cost=policy.activity(activity).cost,
            advocate_ids=[jane],
        )[acme].advocates[jane]
    return {r.rule: r.verdict for r in checklist(policy, dataclasses.replace(found, **facts))}


def test_what_they_save_applies_to_the_next_ask_at_once(db: Database, policy: Policy) -> None:
    acme, jane = setup(db)
    assert verdict(db, policy, acme, jane, "case_study")[Rule.ADVOCATE_ACTIVITY] is Verdict.OK

    next_week = DatesOff(TODAY + dt.timedelta(days=7), TODAY + dt.timedelta(days=13), "year-end close")
    profile.save(db, policy, jane, dataclasses.replace(KEEP, add_dates=next_week), now=NOW, today=TODAY)
    mine = profile.profile(db, policy, jane, TODAY)

    assert (mine.activities, mine.asks_per_quarter, mine.time_zone) == (
        ("quote", "reference_call"),  # in the policy's order
        2,
        "Europe/Paris",
    )
    assert (mine.times_that_suit, mine.valued, mine.value_note) == (
        "Tuesday mornings",
        ("learning",),
        "Early betas please",
    )
    assert [row.dates for row in mine.dates_off] == [next_week]
    assert mine.most_per_quarter == policy.rules.advocate_max_asks_in_window
    assert [line.what for line in mine.given] == ["Training or certification"] and mine.asked == ()
    assert verdict(db, policy, acme, jane, "case_study")[Rule.ADVOCATE_ACTIVITY] is Verdict.BLOCKING
    asked = verdict(db, policy, acme, jane, "quote", needed_by=TODAY + dt.timedelta(days=8))
    assert asked[Rule.ADVOCATE_BLACKOUT] is Verdict.BLOCKING and asked[Rule.ADVOCATE_LIMIT] is Verdict.OK

    profile.save(
        db,
        policy,
        jane,
        dataclasses.replace(KEEP, remove_dates=(mine.dates_off[0].id,)),
        now=NOW,
        today=TODAY,
    )
    assert profile.profile(db, policy, jane, TODAY).dates_off == ()
    assert Rule.ADVOCATE_BLACKOUT not in verdict(
        db, policy, acme, jane, "quote", needed_by=TODAY + dt.timedelta(days=8)
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"activities": ("juggling",)}, "activities"),
        ({"asks_per_quarter": 4}, "asks_per_quarter"),
        ({"asks_per_quarter": 0}, "asks_per_quarter"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"valued": ("gold",)}, "valued"),
        ({"times_that_suit": "x" * 1001}, "times_that_suit"),
        ({"add_dates": DatesOff(TODAY + dt.timedelta(days=3), TODAY)}, "dates"),
        ({"add_dates": DatesOff(TODAY - dt.timedelta(days=9), TODAY - dt.timedelta(days=2))}, "dates"),
        ({"add_dates": DatesOff(TODAY, TODAY + dt.timedelta(days=400))}, "dates"),
    ],
)
def test_what_cannot_be_saved_is_refused_on_its_field_and_nothing_changes(
    db: Database, policy: Policy, change: dict[str, object], field: str
) -> None:
    _, jane = setup(db)

    with pytest.raises(Invalid) as refused:
        profile.save(db, policy, jane, dataclasses.replace(KEEP, **change), now=NOW, today=TODAY)

    assert list(refused.value.errors) == [field]
    assert profile.profile(db, policy, jane, TODAY).activities == ("reference_call", "case_study", "webinar")


def test_the_cap_can_never_be_set_above_the_policy_s(db: Database, policy: Policy) -> None:
    _, jane = setup(db)
    most = policy.rules.advocate_max_asks_in_window

    profile.save(db, policy, jane, dataclasses.replace(KEEP, asks_per_quarter=most), now=NOW, today=TODAY)
    with pytest.raises(Invalid):
        profile.save(
            db, policy, jane, dataclasses.replace(KEEP, asks_per_quarter=most + 1), now=NOW, today=TODAY
        )
    assert profile.profile(db, policy, jane, TODAY).asks_per_quarter == most


def test_offers_of_what_they_value_come_first_for_their_account(db: Database, policy: Policy) -> None:
    acme, jane = setup(db)
    with db.transaction() as session:
        for title, value in (("Advisory board", "advisory_board"), ("API beta", "early_access")):
            session.add(
                Offer(
                    title=title,
                    value=value,
                    seats=5,
                    closes_on=TODAY + dt.timedelta(days=30),
                    created_by="U0ADMIN01",
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
    before = [s.offer.title for s in matching.suggestions(db, policy, [acme], TODAY)[acme]]
    profile.save(db, policy, jane, KEEP, now=NOW, today=TODAY)
    after = [s.offer.title for s in matching.suggestions(db, policy, [acme], TODAY)[acme]]

    assert before == ["Advisory board", "API beta"], "training was given: affiliation is the group it misses"
    assert after == ["API beta", "Advisory board"], "Jane values learning"


def test_a_lost_link_is_mailed_once_an_hour_and_an_unknown_address_owes_nothing(db: Database) -> None:
    _, jane = setup(db)

    first = lost_link.owe_fresh_links(db, " JANE@acme.example ", NOW)
    same_hour = lost_link.owe_fresh_links(db, "jane@acme.example", NOW + dt.timedelta(minutes=30))
    next_hour = lost_link.owe_fresh_links(db, "jane@acme.example", NOW + dt.timedelta(hours=1))
    unknown = lost_link.owe_fresh_links(db, "nobody@acme.example", NOW)
    malformed = lost_link.owe_fresh_links(db, "<script>", NOW)

    assert first == (f"advocate-link:{jane}:2026-11-23T15",)
    assert same_hour == () and unknown == () and malformed == ()
    assert next_hour == (f"advocate-link:{jane}:2026-11-23T16",)
    with db.transaction(readonly=True) as session:
        assert {d.recipient for d in session.scalars(select(Delivery))} == {f"advocate:{jane}"}


def test_a_lost_invitation_is_mailed_again_once_an_hour(db: Database, policy: Policy) -> None:
    """A contact invited to join lost the e-mail (or its link ran out): their address on the
    lost-link page mails the invitation again, once an hour."""
    acme, _ = setup(db)
    owner = Act("U0OWNER01", frozenset(), NOW, TODAY)
    draft = NominationDraft(acme, "Wendy Wu", "CFO", "wendy@acme.example", "She ran the rollout")
    invited = nominating.nominate(db, policy, draft, owner, key=None)
    assert invited.status == "invited"

    first = lost_link.owe_fresh_links(db, "Wendy@acme.example", NOW)
    same_hour = lost_link.owe_fresh_links(db, "wendy@acme.example", NOW + dt.timedelta(minutes=30))

    assert first == (f"nomination-invite:{invited.nomination_id}:again:2026-11-23T15",)
    assert same_hour == ()
    with db.transaction(readonly=True) as session:
        sent = session.scalars(select(Delivery).where(Delivery.key.startswith("nomination-invite:"))).all()
        assert {d.recipient for d in sent} == {f"nominee:{invited.nomination_id}"} and len(sent) == 2


def test_a_page_that_is_not_an_advocate_s_is_gone(db: Database, policy: Policy) -> None:
    with pytest.raises(Gone):
        profile.profile(db, policy, 999, TODAY)
    with pytest.raises(Gone):
        profile.save(db, policy, 999, KEEP, now=NOW, today=TODAY)
