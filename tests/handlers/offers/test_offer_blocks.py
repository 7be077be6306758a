"""Every screen of giving first is valid Block Kit, in every state a seat can be in, with hostile
text in offers and account names: the seat's card, the offer list, the modal (new and edit),
App Home's give-first part, and the social-capital line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from handlers.home.tab import home_view
from handlers.kit.desk import Desk
from handlers.offers.blocks import capital_line, offer_blocks, seat_blocks
from handlers.offers.commands import offer_modal, offers_blocks
from handlers.offers.seats import advocate_modal
from store.act import Act
from store.giveback import social_capital
from store.models import Advocate, EntryKind
from store.offers import catalog, reserve, seat_changes, seats
from store.offers.catalog import OfferDraft
from store.requests import status
from store.rules.policy import Policy
from tests.support import store_seed as seed
from tests.support.blockkit import assert_valid_message_blocks, assert_valid_view
from tests.support.database import open_database

NOW = seed.NOW
TODAY = NOW.date()
ADMIN, OWNER = "U0ADMIN01", "U0OWNER01"
HOSTILE = "<!channel> *Acme* & <https://evil.example|click>"


@pytest.fixture
def desk(tmp_path: Path, policy: Policy) -> Iterator[Desk]:
    db = open_database(f"sqlite:///{tmp_path / 'refdesk.db'}")
    db.upgrade()
    yield Desk(db=db, policy=policy, clock=lambda: NOW, admins=frozenset({ADMIN}))
    db.dispose()


def posted(desk: Desk, title: str = HOSTILE, seats: int = 5) -> catalog.OfferView:
    draft = OfferDraft(
        title, "early_access", str(seats), TODAY + dt.timedelta(days=9), "segments: Enterprise", HOSTILE
    )
    return catalog.create_offer(desk.db, desk.policy, draft, Act(ADMIN, desk.admins, NOW, TODAY))


def test_a_seat_card_is_valid_in_every_state_and_never_renders_peoples_markup(desk: Desk) -> None:
    with desk.db.transaction() as s:
        ids = [
            seed.account(s, f"{HOSTILE} {i}", owner_slack_id=OWNER, segment="Enterprise") for i in range(4)
        ]
        for account_id in ids:
            seed.advocate(s, account_id, HOSTILE, "reference_call")
    offer = posted(desk)

    def reserved(account_id: int) -> seats.SeatView:
        return reserve.offer_it(
            desk.db, desk.policy, offer.id, account_id, Act(OWNER, desk.admins, NOW, TODAY)
        )

    cards = [reserved(ids[0])]
    owner = Act(OWNER, desk.admins, NOW, TODAY)
    cards.append(seat_changes.record_answer(desk.db, desk.policy, reserved(ids[1]).id, True, owner))
    cards.append(seat_changes.record_answer(desk.db, desk.policy, reserved(ids[2]).id, False, owner))
    cards.append(seat_changes.release_seat(desk.db, desk.policy, reserved(ids[3]).id, owner))
    cards.append(seat_changes.deliver_seat(desk.db, desk.policy, cards[1].id, owner))
    assert [c.status for c in cards] == ["reserved", "accepted", "declined", "released", "delivered"]
    for card in cards:
        blocks = seat_blocks(card)
        assert_valid_message_blocks(blocks)
        assert "<!channel>" not in str(blocks) and "<https://evil" not in str(blocks)
    assert "Delivered" in str(seat_blocks(cards[0])) and "Yes, count me in" in str(seat_blocks(cards[0]))
    assert "actions" not in {b["type"] for b in seat_blocks(cards[4])}


def test_the_offer_modal_list_and_home_are_valid(desk: Desk) -> None:
    with desk.db.transaction() as s:
        acme = seed.account(s, HOSTILE, owner_slack_id=ADMIN, segment="Enterprise")
        seed.advocate(s, acme, "Jane Doe", "reference_call")
        seed.entry(s, acme, EntryKind.ASK, -5, TODAY, item="quote")
        seed.entry(s, acme, EntryKind.GIVE, 3, TODAY, item="early_access")
    offer = posted(desk)
    assert_valid_view(offer_modal(desk.policy))
    edit = offer_modal(desk.policy, offer)
    assert_valid_view(edit)
    assert edit["blocks"][1]["element"]["initial_option"]["value"] == "early_access"
    assert edit["blocks"][4]["element"]["initial_value"] == "segments: Enterprise"
    listed = offers_blocks(desk, catalog.list_offers(desk.db, desk.policy, TODAY), admin=True)
    assert_valid_message_blocks(listed)
    assert_valid_message_blocks(offer_blocks(offer, admin=False))
    reserve.offer_it(desk.db, desk.policy, offer.id, acme, Act(ADMIN, desk.admins, NOW, TODAY))
    posted(desk, title="Another beta")

    home = home_view(desk, ADMIN, status.home_overview(desk.db, desk.policy, ADMIN, TODAY))
    assert_valid_view(home)
    texts = str(home["blocks"])
    for words in ("Give first", "Offer it", "Delivered", "Release seat", "New offer", "learning ×1"):
        assert words in texts, words


def test_the_social_capital_line_names_what_was_received_and_what_never_was(desk: Desk) -> None:
    with desk.db.transaction() as s:
        acme = seed.account(s, "Acme")
        for _ in range(3):
            seed.entry(s, acme, EntryKind.GIVE, 3, TODAY, item="early_access")
        bare = seed.account(s, "Bare")
    line = capital_line(social_capital.breakdown(desk.db, desk.policy, acme, TODAY))
    assert (
        line == "Received in 12 months: learning ×3 · never: affiliation, reputation, status, "
        "say in product, business"
    )
    assert (
        capital_line(social_capital.breakdown(desk.db, desk.policy, bare, TODAY))
        == "Nothing given back in 12 months"
    )


def test_the_advocate_modal_and_an_invited_card_are_valid(desk: Desk) -> None:
    choices = [reserve.AdvocateChoice(1, HOSTILE, "CTO"), reserve.AdvocateChoice(2, "Sam Roe", "")]
    view = advocate_modal("7:9", choices, home=True)
    assert_valid_view(view)
    assert [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"] == ["Advocate"]
    assert view["private_metadata"] == "7:9:home"
    with desk.db.transaction() as s:
        acme = seed.account(s, HOSTILE, owner_slack_id=OWNER, segment="Enterprise")
        jane = seed.advocate(s, acme, HOSTILE, "reference_call")
        s.get_one(Advocate, jane).email = "jane@acme.test"
    offer = posted(desk)
    owner = Act(OWNER, desk.admins, NOW, TODAY)
    card = reserve.offer_it(desk.db, desk.policy, offer.id, acme, owner, invite=True)
    blocks = seat_blocks(card)
    assert_valid_message_blocks(blocks)
    assert "<!channel>" not in str(blocks)
    # the moment in each reader's own time zone, not the server's date
    assert f"was invited by e-mail on <!date^{int(NOW.timestamp())}^" in str(blocks)


def test_a_seat_let_go_because_its_advocate_was_removed_says_so(desk: Desk) -> None:
    with desk.db.transaction() as s:
        acme = seed.account(s, "Acme", owner_slack_id=OWNER, segment="Enterprise")
        jane = seed.advocate(s, acme, "Jane Doe", "reference_call")
    seat = reserve.offer_it(desk.db, desk.policy, posted(desk).id, acme, Act(OWNER, desk.admins, NOW, TODAY))
    with desk.db.transaction() as s:
        seat_changes.let_go_of_removed(s, jane, NOW)

    card = seats.seat(desk.db, desk.policy, seat.id)

    assert card is not None and card.status == "released"
    blocks = seat_blocks(card)
    assert_valid_message_blocks(blocks)
    assert "the advocate was removed from the program at their request" in str(blocks)
    assert "<@removed>" not in str(blocks)
