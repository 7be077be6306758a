"""Offers on both databases: who they reach first, exact seats under concurrency, credits once."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from sqlalchemy import select

from store.act import Act
from store.db import Database
from store.errors import AlreadySettled, Invalid, NotAllowed
from store.giveback import social_capital
from store.models import (
    AccountStatus,
    Advocate,
    ConsentAnswer,
    Delivery,
    EntryKind,
    SeatStatus,
)
from store.offers import catalog, invitations, matching, reserve, seat_changes, seats
from store.offers.catalog import OfferDraft
from store.rules.policy import Policy
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


def make_offer(db: Database, policy: Policy, **fields: str) -> catalog.OfferView:
    return catalog.create_offer(db, policy, draft(**fields), Act(ADMIN, ADMINS, NOW, TODAY))


def ask(session, account_id: int, points: int, days_ago: int) -> None:  # type: ignore[no-untyped-def]
    seed.entry(session, account_id, EntryKind.ASK, -points, TODAY - dt.timedelta(days=days_ago), item="quote")


def give(session, account_id: int, value: str, credit: int, days_ago: int) -> None:  # type: ignore[no-untyped-def]
    seed.entry(session, account_id, EntryKind.GIVE, credit, TODAY - dt.timedelta(days=days_ago), item=value)


def test_only_admins_manage_offers_and_bad_input_is_named_per_field(db: Database, policy: Policy) -> None:
    with pytest.raises(NotAllowed):
        catalog.create_offer(db, policy, draft(), Act(OWNER, ADMINS, NOW, TODAY))
    bad = OfferDraft(" ", None, "zero", TODAY - dt.timedelta(days=1), "colour: blue", "")
    with pytest.raises(Invalid) as refused:
        catalog.create_offer(db, policy, bad, Act(ADMIN, ADMINS, NOW, TODAY))
    assert set(refused.value.errors) == {"title", "value", "seats", "closes_on", "fits"}
    assert "Line 1" in refused.value.errors["fits"]

    offer = make_offer(db, policy, fits="industries: Fintech, Retail\nproducts: Payments")
    assert offer.fits.industries == ("Fintech", "Retail") and offer.fits.products == ("Payments",)
    assert (offer.group, offer.credit, offer.seats_left) == ("learning", 3, 2)
    edited = catalog.edit_offer(
        db, policy, offer.id, draft(title="Summer beta", seats="5"), Act(ADMIN, ADMINS, NOW, TODAY)
    )
    assert (edited.title, edited.seats, edited.fits.industries) == ("Summer beta", 5, ())
    closed = catalog.close_offer(db, policy, offer.id, Act(ADMIN, ADMINS, NOW, NOW.date()))
    assert not closed.open_on(TODAY)
    assert catalog.list_offers(db, policy, TODAY) == []
    assert [o.id for o in catalog.list_offers(db, policy, TODAY, include_closed=True)] == [offer.id]


def test_the_new_offer_modal_sent_twice_even_at_once_creates_one_offer(db: Database, policy: Policy) -> None:
    admin = Act(ADMIN, ADMINS, NOW, TODAY)
    made: list[int] = []
    start = threading.Barrier(4)

    def save() -> None:
        start.wait()
        made.append(catalog.create_offer(db, policy, draft(), admin, source_key="view:V0OFFER1").id)

    threads = [threading.Thread(target=save) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    later = catalog.create_offer(db, policy, draft(), admin, source_key="view:V0OFFER1")
    other = catalog.create_offer(db, policy, draft(), admin, source_key="view:V0OFFER2")

    assert len(made) == 4 and len(set(made)) == 1 and later.id == made[0]
    assert other.id != made[0]
    assert len(catalog.list_offers(db, policy, TODAY)) == 2


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
    ranked = matching.ranked_accounts(db, policy, offer.id, TODAY)
    assert [m.name for m in ranked][:2] == ["Acme", "Globex"]
    names = [m.name for m in ranked]
    assert names.index("Hooli") < names.index("Initech")
    assert "Stark" not in names and "Retailco" not in names
    assert {m.account_id for m in ranked} == {acme, globex, initech, hooli, umbrella}
    # suggestions: one seat reaches the top three only; the most over-asked gets it first
    one_seat = make_offer(db, policy, title="Advisory board", value="advisory_board", seats="1")
    suggested = matching.suggestions(db, policy, [acme, globex, hooli, initech, umbrella], TODAY)
    assert suggested[acme][0].offer.id in {offer.id, one_seat.id}
    reached = {a for a, found in suggested.items() if any(s.offer.id == one_seat.id for s in found)}
    assert acme in reached and len(reached) == matching.reach(one_seat)


def test_the_last_seat_goes_once_under_concurrency(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        ids = [seed.account(s, f"Account {i:02}", owner_slack_id=OWNER) for i in range(22)]
        for account_id in ids:
            seed.advocate(s, account_id, "Pat Lee", "reference_call")
    offer = make_offer(db, policy, seats="3")
    for account_id in ids[:2]:
        reserve.offer_it(db, policy, offer.id, account_id, Act(OWNER, ADMINS, NOW, TODAY))
    answers: list[str] = []
    start = threading.Barrier(20)

    def click(account_id: int) -> None:
        start.wait()
        try:
            reserve.offer_it(db, policy, offer.id, account_id, Act(OWNER, ADMINS, NOW, TODAY))
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
    assert catalog.get_offer(db, policy, offer.id).seats_left == 0  # type: ignore[union-attr]


def test_one_account_holds_one_seat_of_an_offer_however_many_clicks(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        acme = seed.account(s, "Acme", owner_slack_id=OWNER)
        seed.advocate(s, acme, "Jane Doe", "reference_call")
    offer = make_offer(db, policy, seats="5")
    results: list[str] = []
    start = threading.Barrier(8)

    def click() -> None:
        start.wait()
        try:
            reserve.offer_it(db, policy, offer.id, acme, Act(OWNER, ADMINS, NOW, TODAY))
            results.append("reserved")
        except Invalid:
            results.append("refused")

    threads = [threading.Thread(target=click) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results.count("reserved") == 1
    assert catalog.get_offer(db, policy, offer.id).seats_taken == 1  # type: ignore[union-attr]


def test_delivered_credits_once_and_release_gives_the_seat_back(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        acme = seed.account(s, "Acme", owner_slack_id=OWNER)
        globex = seed.account(s, "Globex", owner_slack_id=OWNER)
        with_email(s, seed.advocate(s, acme, "Jane Doe", "reference_call"), "jane@acme.test")
        seed.advocate(s, globex, "Gil Doe", "reference_call")
    offer = make_offer(db, policy, seats="1")
    with pytest.raises(NotAllowed):
        reserve.offer_it(db, policy, offer.id, acme, Act("U0STRANGER", ADMINS, NOW, TODAY))
    seat = reserve.offer_it(db, policy, offer.id, acme, Act(OWNER, ADMINS, NOW, TODAY))
    assert (seat.status, seat.balance, seat.seats_left) == (SeatStatus.RESERVED, 3, 0)
    accepted = seat_changes.record_answer(db, policy, seat.id, True, Act(OWNER, ADMINS, NOW, NOW.date()))
    assert (accepted.status, accepted.answered_via) == (SeatStatus.ACCEPTED, "owner")

    outcomes: list[str] = []
    start = threading.Barrier(6)

    def deliver() -> None:
        start.wait()
        try:
            seat_changes.deliver_seat(db, policy, seat.id, Act(OWNER, ADMINS, NOW, TODAY))
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
        seat_changes.release_seat(db, policy, seat.id, Act(OWNER, ADMINS, NOW, NOW.date()))
    assert social_capital.breakdown(db, policy, acme, TODAY).has("learning")

    # a second offer: reserved, released, the seat goes to another account, released twice is settled
    other = make_offer(db, policy, title="Roadmap session", value="product_input", seats="1")
    held = reserve.offer_it(db, policy, other.id, acme, Act(OWNER, ADMINS, NOW, TODAY))
    released = seat_changes.release_seat(db, policy, held.id, Act(ADMIN, ADMINS, NOW, NOW.date()))
    assert (released.status, released.seats_left, released.balance) == (SeatStatus.RELEASED, 1, 6)
    with pytest.raises(AlreadySettled):
        seat_changes.release_seat(db, policy, held.id, Act(OWNER, ADMINS, NOW, NOW.date()))
    again = reserve.offer_it(db, policy, other.id, acme, Act(OWNER, ADMINS, NOW, TODAY), invite=True)
    declined = seat_changes.answer_from_advocate(
        db, policy, again.id, False, email="jane@acme.test", now=NOW, today=TODAY
    )
    assert (declined.status, declined.answered_via, declined.seats_left) == (SeatStatus.DECLINED, "email", 1)
    reserve.offer_it(db, policy, other.id, globex, Act(OWNER, ADMINS, NOW, TODAY))
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


def with_email(session, advocate_id: int, email: str) -> None:  # type: ignore[no-untyped-def]
    session.get_one(Advocate, advocate_id).email = email
    session.flush()


def test_offer_it_names_the_one_advocate_who_may_be_approached_or_asks_which_or_refuses(
    db: Database, policy: Policy
) -> None:
    with db.transaction() as s:
        acme = seed.account(s, "Acme", owner_slack_id=OWNER)
        jane = seed.advocate(s, acme, "Jane Doe", "reference_call")
        seed.advocate(s, acme, "Bob Unwilling", "")
        carol = seed.advocate(s, acme, "Carol Never", "reference_call")
        dan = seed.advocate(s, acme, "Dan Resting", "case_study")
        seed.said(s, carol, ConsentAnswer.NEVER)
        seed.said(s, dan, ConsentAnswer.NOT_FOR_3_MONTHS)
        globex = seed.account(s, "Globex", owner_slack_id=OWNER)
        ann = seed.advocate(s, globex, "Ann Two", "reference_call")
        seed.advocate(s, globex, "Ben Two", "webinar")
        initech = seed.account(s, "Initech", owner_slack_id=OWNER)
        ivy = seed.advocate(s, initech, "Ivy Resting", "reference_call")
        seed.said(s, ivy, ConsentAnswer.NOT_FOR_3_MONTHS)
    offer = make_offer(db, policy, seats="3")
    owner = Act(OWNER, ADMINS, NOW, TODAY)

    # Acme: Jane is the only one willing who has not said stop
    choices = reserve.advocate_choices(db, acme, Act(OWNER, ADMINS, NOW, TODAY))
    assert [c.id for c in choices] == [jane]
    with pytest.raises(NotAllowed):
        reserve.advocate_choices(db, acme, Act("U0STRANGER", ADMINS, NOW, TODAY))
    seat = reserve.offer_it(db, policy, offer.id, acme, owner)
    assert (seat.advocate_name, seat.invited_at) == ("Jane Doe", None)

    # Globex: two people → the owner must pick; a pick outside the choices is refused
    assert len(reserve.advocate_choices(db, globex, Act(OWNER, ADMINS, NOW, TODAY))) == 2
    with pytest.raises(Invalid) as several:
        reserve.offer_it(db, policy, offer.id, globex, owner)
    assert "Several advocates at Globex" in several.value.errors["advocate"]
    with pytest.raises(Invalid):
        reserve.offer_it(db, policy, offer.id, globex, owner, advocate_id=carol)
    picked = reserve.offer_it(db, policy, offer.id, globex, owner, advocate_id=ann)
    assert picked.advocate_name == "Ann Two"

    # Initech: its only willing advocate rests this quarter → refused, no seat taken
    with pytest.raises(Invalid) as nobody:
        reserve.offer_it(db, policy, offer.id, initech, owner)
    assert nobody.value.errors["advocate"].startswith("No one at Initech can be offered this")
    assert catalog.get_offer(db, policy, offer.id).seats_taken == 2  # type: ignore[union-attr]
    assert seats.reservation_count(db, offer.id) == 2


def deliveries_keyed(db: Database, key: str) -> list[Delivery]:
    with db.transaction(readonly=True) as s:
        return list(s.scalars(select(Delivery).where(Delivery.key == key)))


def test_the_invitation_is_queued_once_and_the_first_answer_wins(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        acme = seed.account(s, "Acme", owner_slack_id=OWNER)
        with_email(s, seed.advocate(s, acme, "Jane Doe", "reference_call"), "jane@acme.test")
        globex = seed.account(s, "Globex", owner_slack_id=OWNER)
        seed.advocate(s, globex, "No Address", "reference_call")
    offer = make_offer(db, policy, seats="3")
    owner = Act(OWNER, ADMINS, NOW, TODAY)
    seat = reserve.offer_it(db, policy, offer.id, acme, owner, invite=True)
    assert seat.invited_at == NOW and seats.invitation_key(seat.id) in seat.delivery_keys
    queued = deliveries_keyed(db, f"offer_invite:{seat.id}")
    assert [(d.kind, d.data) for d in queued] == [("offer_invite", {"seat_id": seat.id})]
    # a second click for the same account reserves nothing and queues nothing
    with pytest.raises(Invalid):
        reserve.offer_it(db, policy, offer.id, acme, owner, invite=True)
    assert len(deliveries_keyed(db, f"offer_invite:{seat.id}")) == 1
    # no address: the owner records the answer, nothing is mailed
    unmailed = reserve.offer_it(db, policy, offer.id, globex, owner, invite=True)
    assert unmailed.invited_at is None and deliveries_keyed(db, f"offer_invite:{unmailed.id}") == []
    with pytest.raises(NotAllowed):
        seat_changes.answer_from_advocate(
            db, policy, unmailed.id, True, email="x@globex.test", now=NOW, today=TODAY
        )

    page = invitations.invitation(db, policy, seat.id, TODAY)
    assert (page.title, page.advocate_email, page.open) == ("Spring beta", "jane@acme.test", True)

    # the advocate's Yes races the owner's No, thanks: one wins, the other finds it answered
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def advocate_yes() -> None:
        start.wait()
        try:
            seat_changes.answer_from_advocate(
                db, policy, seat.id, True, email="jane@acme.test", now=NOW, today=TODAY
            )
            outcomes.append("advocate")
        except AlreadySettled:
            outcomes.append("settled")

    def owner_no() -> None:
        start.wait()
        try:
            seat_changes.record_answer(db, policy, seat.id, False, Act(OWNER, ADMINS, NOW, NOW.date()))
            outcomes.append("owner")
        except AlreadySettled:
            outcomes.append("settled")

    threads = [threading.Thread(target=advocate_yes), threading.Thread(target=owner_no)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) in (["advocate", "settled"], ["owner", "settled"])
    after = seats.seat(db, policy, seat.id)
    assert after is not None
    if outcomes.count("advocate"):
        assert (after.status, after.answered_via) == (SeatStatus.ACCEPTED, "email")
    else:
        assert (after.status, after.answered_via) == (SeatStatus.DECLINED, "owner")
    with pytest.raises(AlreadySettled):
        seat_changes.answer_from_advocate(
            db, policy, seat.id, True, email="jane@acme.test", now=NOW, today=TODAY
        )
    assert invitations.invitation(db, policy, seat.id, TODAY).open is False


def test_the_advocate_says_yes_by_email_then_delivered_credits_once(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        acme = seed.account(s, "Acme", owner_slack_id=OWNER)
        with_email(s, seed.advocate(s, acme, "Jane Doe", "reference_call"), "jane@acme.test")
    offer = make_offer(db, policy, seats="1")
    owner = Act(OWNER, ADMINS, NOW, TODAY)
    seat = reserve.offer_it(db, policy, offer.id, acme, owner, invite=True)
    yes = seat_changes.answer_from_advocate(
        db, policy, seat.id, True, email="jane@acme.test", now=NOW, today=TODAY
    )
    assert (yes.status, yes.answered_via) == (SeatStatus.ACCEPTED, "email")
    assert any(k.startswith("offer_seat_refresh:") for k in yes.delivery_keys)  # the owner's card rewritten
    done = seat_changes.deliver_seat(db, policy, seat.id, owner)
    assert done.balance == 3 + 3
    with pytest.raises(AlreadySettled):
        seat_changes.deliver_seat(db, policy, seat.id, owner)
    assert seats.seat(db, policy, seat.id).balance == 6  # type: ignore[union-attr]


def test_an_invitation_that_can_never_arrive_goes_back_to_the_owner(db: Database, policy: Policy) -> None:
    with db.transaction() as s:
        acme = seed.account(s, "Acme", owner_slack_id=OWNER)
        with_email(s, seed.advocate(s, acme, "Jane Doe", "reference_call"), "jane@acme.test")
    offer = make_offer(db, policy)
    seat = reserve.offer_it(db, policy, offer.id, acme, Act(OWNER, ADMINS, NOW, TODAY), invite=True)
    keys = invitations.invitation_undeliverable(db, seat.id, NOW)
    assert len(keys) == 1 and seats.seat(db, policy, seat.id).invited_at is None  # type: ignore[union-attr]
    assert invitations.invitation_undeliverable(db, seat.id, NOW) == ()


def test_no_yes_is_recorded_on_a_closed_offer_from_either_side_but_a_no_still_frees_the_seat(
    db: Database, policy: Policy
) -> None:
    """The invitation's page refuses an answer once the offer has closed; the owner's **Yes, count
    me in** refuses the same, so a closed offer never gains a taker by the back door."""
    with db.transaction() as s:
        acme = seed.account(s, "Acme", owner_slack_id=OWNER)
        globex = seed.account(s, "Globex", owner_slack_id=OWNER)
        with_email(s, seed.advocate(s, acme, "Jane Doe", "reference_call"), "jane@acme.example")
        seed.advocate(s, globex, "Gil Doe", "reference_call")
    offer = make_offer(db, policy)
    owner = Act(OWNER, ADMINS, NOW, TODAY)
    taken = reserve.offer_it(db, policy, offer.id, acme, owner, invite=True)
    other = reserve.offer_it(db, policy, offer.id, globex, owner)
    catalog.close_offer(db, policy, offer.id, Act(ADMIN, ADMINS, NOW, TODAY))

    with pytest.raises(Invalid) as by_owner:
        seat_changes.record_answer(db, policy, other.id, True, owner)
    with pytest.raises(Invalid):
        seat_changes.answer_from_advocate(
            db, policy, taken.id, True, email="jane@acme.example", now=NOW, today=TODAY
        )
    past = NOW + dt.timedelta(days=40)  # a seat of an offer that closed by its date
    later = make_offer(db, policy, title="Summer beta")
    late = reserve.offer_it(db, policy, later.id, acme, owner)
    with pytest.raises(Invalid):
        seat_changes.record_answer(db, policy, late.id, True, Act(OWNER, ADMINS, past, past.date()))

    assert by_owner.value.errors == {"answer": "“Spring beta” has closed: a yes can no longer be recorded."}
    assert seats.seat(db, policy, other.id).status == SeatStatus.RESERVED  # type: ignore[union-attr]
    no = seat_changes.record_answer(db, policy, other.id, False, owner)
    assert no.status == SeatStatus.DECLINED
