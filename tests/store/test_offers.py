"""Offers on both databases: who they reach first, exact seats under concurrency, credits once."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest

from store import offer_matching, offers, seats, social_capital
from store.db import Database
from store.errors import AlreadySettled, Invalid, NotAllowed
from store.models import AccountStatus, EntryKind, SeatStatus
from store.offers import OfferDraft
from store.policy import Policy
from tests.support import store_seed as seed

NOW = seed.NOW
TODAY = NOW.date()
ADMIN = "U0ADMIN01"
OWNER = "U0OWNER01"
ADMINS = frozenset({ADMIN})


def draft(
    title: str = "Spring beta", value: str = "early_access", seats: str = "2", fits: str = ""
) -> OfferDraft:
    return OfferDraft(title, value, seats, TODAY + dt.timedelta(days=30), fits, "Early access to the new API")


def make_offer(db: Database, policy: Policy, **fields: str) -> offers.OfferView:
    return offers.create_offer(
        db, policy, draft(**fields), actor_id=ADMIN, admins=ADMINS, now=NOW, today=TODAY
    )


def ask(session, account_id: int, points: int, days_ago: int) -> None:  # type: ignore[no-untyped-def]
    seed.entry(session, account_id, EntryKind.ASK, -points, TODAY - dt.timedelta(days=days_ago), item="quote")


def give(session, account_id: int, value: str, credit: int, days_ago: int) -> None:  # type: ignore[no-untyped-def]
    seed.entry(session, account_id, EntryKind.GIVE, credit, TODAY - dt.timedelta(days=days_ago), item=value)


def test_only_admins_manage_offers_and_bad_input_is_named_per_field(db: Database, policy: Policy) -> None:
    with pytest.raises(NotAllowed):
        offers.create_offer(db, policy, draft(), actor_id=OWNER, admins=ADMINS, now=NOW, today=TODAY)
    bad = OfferDraft(" ", None, "zero", TODAY - dt.timedelta(days=1), "colour: blue", "")
    with pytest.raises(Invalid) as refused:
        offers.create_offer(db, policy, bad, actor_id=ADMIN, admins=ADMINS, now=NOW, today=TODAY)
    assert set(refused.value.errors) == {"title", "value", "seats", "closes_on", "fits"}
    assert "Line 1" in refused.value.errors["fits"]

    offer = make_offer(db, policy, fits="industries: Fintech, Retail\nproducts: Payments")
    assert offer.fits.industries == ("Fintech", "Retail") and offer.fits.products == ("Payments",)
    assert (offer.group, offer.credit, offer.seats_left) == ("learning", 3, 2)
    edited = offers.edit_offer(
        db,
        policy,
        offer.id,
        draft(title="Summer beta", seats="5"),
        actor_id=ADMIN,
        admins=ADMINS,
        now=NOW,
        today=TODAY,
    )
    assert (edited.title, edited.seats, edited.fits.industries) == ("Summer beta", 5, ())
    closed = offers.close_offer(db, policy, offer.id, actor_id=ADMIN, admins=ADMINS, now=NOW)
    assert not closed.open_on(TODAY)
    assert offers.list_offers(db, policy, TODAY) == []
    assert [o.id for o in offers.list_offers(db, policy, TODAY, include_closed=True)] == [offer.id]


def test_matching_puts_the_most_over_asked_first_then_the_group_missing_never_do_not_contact(
    db: Database, policy: Policy
) -> None:
    with db.transaction() as s:
        # balance per point asked: Acme 3-9=-6 over 9 → -0.67; Globex 3-4=-1 over 4 → -0.25
        acme = seed.account(s, "Acme", "Fintech", owner_slack_id=OWNER)
        ask(s, acme, 9, 40)
        globex = seed.account(s, "Globex", "Fintech", owner_slack_id=OWNER)
        ask(s, globex, 4, 20)
        # equal cover (never asked): Initech got a beta this year, Hooli never anything of learning
        initech = seed.account(s, "Initech", "Fintech")
        give(s, initech, "training", 2, 100)
        hooli = seed.account(s, "Hooli", "Fintech")
        # an ask older than 12 months does not count as asked
        umbrella = seed.account(s, "Umbrella", "Fintech")
        ask(s, umbrella, 8, 400)
        seed.account(s, "Stark", "Fintech", status=AccountStatus.DO_NOT_CONTACT)
        seed.account(s, "Retailco", "Retail")
    offer = make_offer(db, policy, fits="industries: fintech")
    ranked = offer_matching.ranked_accounts(db, policy, offer.id, TODAY)
    assert [m.name for m in ranked][:2] == ["Acme", "Globex"]
    names = [m.name for m in ranked]
    assert names.index("Hooli") < names.index("Initech")
    assert "Stark" not in names and "Retailco" not in names
    assert {m.account_id for m in ranked} == {acme, globex, initech, hooli, umbrella}
    # suggestions: one seat reaches the top three only; the most over-asked gets it first
    one_seat = make_offer(db, policy, title="Advisory board", value="advisory_board", seats="1")
    suggested = offer_matching.suggestions(db, policy, [acme, globex, hooli, initech, umbrella], TODAY)
    assert suggested[acme][0].offer.id in {offer.id, one_seat.id}
    reached = {a for a, found in suggested.items() if any(s.offer.id == one_seat.id for s in found)}
    assert acme in reached and len(reached) == offer_matching.reach(one_seat)


def test_the_last_seat_goes_once_under_concurrency(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        ids = [seed.account(s, f"Account {i:02}", owner_slack_id=OWNER) for i in range(22)]
    offer = make_offer(db, policy, seats="3")
    for account_id in ids[:2]:
        seats.offer_it(db, policy, offer.id, account_id, actor_id=OWNER, admins=ADMINS, now=NOW, today=TODAY)
    answers: list[str] = []
    start = threading.Barrier(20)

    def click(account_id: int) -> None:
        start.wait()
        try:
            seats.offer_it(
                db, policy, offer.id, account_id, actor_id=OWNER, admins=ADMINS, now=NOW, today=TODAY
            )
            answers.append("reserved")
        except Invalid as refused:
            answers.append(refused.errors["offer"])

    # twenty clicks on the last seat, each for another account
    threads = [threading.Thread(target=click, args=(a,)) for a in ids[2:]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    counts = Counter(
        "reserved" if a == "reserved" else "no seats left" if a.startswith("No seats left") else a
        for a in answers
    )
    assert counts == {"reserved": 1, "no seats left": 19}
    assert seats.reservation_count(db, offer.id) == 3
    assert offers.get_offer(db, policy, offer.id).seats_left == 0  # type: ignore[union-attr]


def test_one_account_holds_one_seat_of_an_offer_however_many_clicks(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        acme = seed.account(s, "Acme", owner_slack_id=OWNER)
    offer = make_offer(db, policy, seats="5")
    results: list[str] = []
    start = threading.Barrier(8)

    def click() -> None:
        start.wait()
        try:
            seats.offer_it(db, policy, offer.id, acme, actor_id=OWNER, admins=ADMINS, now=NOW, today=TODAY)
            results.append("reserved")
        except Invalid:
            results.append("refused")

    threads = [threading.Thread(target=click) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results.count("reserved") == 1
    assert offers.get_offer(db, policy, offer.id).seats_taken == 1  # type: ignore[union-attr]


def test_delivered_credits_once_and_release_gives_the_seat_back(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        acme = seed.account(s, "Acme", owner_slack_id=OWNER)
        globex = seed.account(s, "Globex", owner_slack_id=OWNER)
    offer = make_offer(db, policy, seats="1")
    with pytest.raises(NotAllowed):
        seats.offer_it(db, policy, offer.id, acme, actor_id="U0STRANGER", admins=ADMINS, now=NOW, today=TODAY)
    seat = seats.offer_it(db, policy, offer.id, acme, actor_id=OWNER, admins=ADMINS, now=NOW, today=TODAY)
    assert (seat.status, seat.balance, seat.seats_left) == (SeatStatus.RESERVED, 3, 0)
    accepted = seats.record_answer(db, policy, seat.id, True, actor_id=OWNER, admins=ADMINS, now=NOW)
    assert (accepted.status, accepted.answered_via) == (SeatStatus.ACCEPTED, "owner")

    outcomes: list[str] = []
    start = threading.Barrier(6)

    def deliver() -> None:
        start.wait()
        try:
            seats.deliver_seat(db, policy, seat.id, actor_id=OWNER, admins=ADMINS, now=NOW, today=TODAY)
            outcomes.append("delivered")
        except AlreadySettled as settled:
            outcomes.append(settled.status)

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["delivered"] + [SeatStatus.DELIVERED] * 5
    after = seats.seat(db, policy, seat.id)
    assert after is not None and after.balance == 3 + 3 and after.entry_id is not None
    with pytest.raises(AlreadySettled):
        seats.release_seat(db, policy, seat.id, actor_id=OWNER, admins=ADMINS, now=NOW)
    assert social_capital.breakdown(db, policy, acme, TODAY).has("learning")

    # a second offer: reserved, released, the seat goes to another account, released twice is settled
    other = make_offer(db, policy, title="Roadmap session", value="product_input", seats="1")
    held = seats.offer_it(db, policy, other.id, acme, actor_id=OWNER, admins=ADMINS, now=NOW, today=TODAY)
    released = seats.release_seat(db, policy, held.id, actor_id=ADMIN, admins=ADMINS, now=NOW)
    assert (released.status, released.seats_left, released.balance) == (SeatStatus.RELEASED, 1, 6)
    with pytest.raises(AlreadySettled):
        seats.release_seat(db, policy, held.id, actor_id=OWNER, admins=ADMINS, now=NOW)
    again = seats.offer_it(db, policy, other.id, acme, actor_id=OWNER, admins=ADMINS, now=NOW, today=TODAY)
    declined = seats.answer_from_advocate(db, policy, again.id, False, email="jane@acme.test", now=NOW)
    assert (declined.status, declined.answered_via, declined.seats_left) == (SeatStatus.DECLINED, "email", 1)
    seats.offer_it(db, policy, other.id, globex, actor_id=OWNER, admins=ADMINS, now=NOW, today=TODAY)
    assert seats.reservation_count(db, other.id) == 1


def test_social_capital_breakdown_by_group_and_missing_groups(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        acme = seed.account(s, "Acme")
        for days_ago in (10, 50, 90):
            give(s, acme, "early_access", 3, days_ago)
        give(s, acme, "advisory_board", 4, 200)
        give(s, acme, "award", 4, 400)  # more than 12 months ago: not counted
        ask(s, acme, 3, 5)
    capital = social_capital.breakdown(db, policy, acme, TODAY)
    assert [(g.group, g.gives, g.credit) for g in capital.received] == [
        ("affiliation", 1, 4),
        ("learning", 3, 9),
    ]
    assert capital.received[1].last_on == TODAY - dt.timedelta(days=10)
    assert capital.missing == ("reputation", "status", "say in product", "business")
