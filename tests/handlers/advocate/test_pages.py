"""The advocate's pages through their WSGI app on both databases: what a browser (or someone
editing the request by hand) may send them — a NUL byte, bytes that are not UTF-8, an id no
column can hold — gets an answer in words, never a 500, and nothing unstorable is stored."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import urllib.parse
import zoneinfo

import pytest
from sqlalchemy import select

from handlers.advocate.pages import ANSWER, OFFER, RATE, advocate_site
from handlers.advocate.web import Page
from handlers.kit.desk import Desk
from handlers.kit.links import Links
from handlers.requests.customer_say import told_text
from handlers.routes import ROUTES
from store.act import Act
from store.addresses import AddressKey
from store.customer import ask_view, consent
from store.db import Database
from store.models import (
    Advocate,
    Consent,
    ForgottenAddress,
    OfferSeat,
    Rating,
    ReferenceRequest,
    Referral,
    SeatStatus,
)
from store.offers import catalog, reserve, seats
from store.offers.catalog import OfferDraft
from store.outbox.payloads import AnsweredPayload
from store.requests import followups
from store.rules.policy import Policy
from tests.handlers.advocate.test_mails import approved
from tests.support import html_check, store_seed
from tests.support.wsgi import get, post_form

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
OWNER, SELLER = "U0OWNER01", "U0SELLER1"


def desk_for(db: Database, policy: Policy) -> Desk:
    """No Slack and no mail: what the answers owe stays in the outbox."""
    links = Links("test-secret", "https://refdesk.example.com", dt.timedelta(days=30))
    return Desk(db=db, policy=policy, clock=lambda: NOW, links=links, routes=ROUTES)


def path_of(desk: Desk, page: Page, key: str | int) -> str:
    assert desk.links is not None
    return urllib.parse.urlsplit(page.url(desk.links, key)).path


def ask_path(desk: Desk, page: Page, request_id: int) -> str:
    """The path of an ask's page, as its e-mail links it: by the request's opaque public id."""
    with desk.db.transaction(readonly=True) as session:
        return path_of(desk, page, session.get_one(ReferenceRequest, request_id).public_id)


def csrf_of(desk: Desk, path: str) -> str:
    status, body = get(advocate_site(desk), path)
    assert status == 200, body
    found = re.search(r'name="csrf" value="([^"]+)"', body)
    assert found is not None
    return found[1]


def test_a_nul_byte_in_the_answer_s_note_and_times_is_dropped_not_a_500(db: Database, policy: Policy) -> None:
    desk = desk_for(db, policy)
    rid = approved(db, policy)
    path = ask_path(desk, ANSWER, rid)
    form = f"csrf={csrf_of(desk, path)}&answer=yes&note=a%00b&times=Tuesdays%00+at+10"

    status, body = post_form(advocate_site(desk), path, form.encode())

    assert status == 200 and "Thank you" in body and html_check.problems(body) == []
    with db.transaction() as session:
        said = session.get_one(Consent, rid)
        assert (said.answer, said.note, said.times) == ("yes", "ab", "Tuesdays at 10")


def test_bytes_that_are_not_utf_8_in_a_form_are_replaced_not_refused_as_an_expired_form(
    db: Database, policy: Policy
) -> None:
    desk = desk_for(db, policy)
    rid = approved(db, policy)
    path = ask_path(desk, ANSWER, rid)
    form = f"csrf={csrf_of(desk, path)}&answer=yes&note=".encode() + b"caf\xe9 \xed\xa0\x80"

    status, body = post_form(advocate_site(desk), path, form)

    assert status == 200 and "Thank you" in body
    with db.transaction() as session:
        assert session.get_one(Consent, rid).note == "caf\ufffd \ufffd\ufffd\ufffd"


def test_a_nul_byte_in_the_rating_s_comment_is_dropped_not_a_500(db: Database, policy: Policy) -> None:
    desk = desk_for(db, policy)
    rid = approved(db, policy)
    consent.answer(db, policy, rid, "yes", Act(consent.ADVOCATE, frozenset(), NOW, NOW.date()))
    followups.mark_done(db, rid, Act(SELLER, frozenset(), NOW, NOW.date()))
    path = ask_path(desk, RATE, rid)
    form = f"csrf={csrf_of(desk, path)}&score=4&comment=well%00+spent"

    status, body = post_form(advocate_site(desk), path, form.encode())

    assert status == 200 and "Thank you" in body
    with db.transaction() as session:
        comment = session.scalars(select(Rating.comment).where(Rating.rater == "advocate")).one()
    assert comment == "well spent"


@pytest.mark.parametrize("page", [ANSWER, RATE, OFFER], ids=lambda page: page.purpose)
@pytest.mark.parametrize("thing_id", [2**31, 9_999_999_999])
def test_a_signed_link_for_an_id_no_column_holds_is_a_404(
    db: Database, policy: Policy, page: Page, thing_id: int
) -> None:
    """The token is genuine (signed with the program's key): only the id is out of range."""
    desk = desk_for(db, policy)
    assert desk.links is not None
    path = path_of(desk, page, thing_id)
    csrf = desk.links.csrf(path.rsplit("/", 1)[1])

    status, body = get(advocate_site(desk), path)
    posted, _ = post_form(advocate_site(desk), path, f"csrf={csrf}&answer=yes".encode())

    # the form's CSRF token is genuine too (derived from the link's): the page finds no row
    assert (status, posted) == (404, 404)
    assert "Page not found" in body and html_check.problems(body) == []


def test_an_answer_changed_again_too_soon_gets_a_page_that_says_when_it_can_change(
    db: Database, policy: Policy
) -> None:
    desk = desk_for(db, policy)
    rid = approved(db, policy)
    path = ask_path(desk, ANSWER, rid)
    csrf = csrf_of(desk, path)
    site = advocate_site(desk)
    assert post_form(site, path, f"csrf={csrf}&answer=yes".encode())[0] == 200

    status, body = post_form(site, path, f"csrf={csrf}&answer=never".encode())

    assert status == 429 and html_check.problems(body) == []
    assert "You changed your answer a moment ago. You can change it again in 10 min." in body
    with db.transaction() as session:
        assert session.get_one(Consent, rid).answer == "yes"


def test_a_colleague_removed_from_the_program_named_on_the_page_is_not_kept_nor_passed_on(
    db: Database, policy: Policy
) -> None:
    key = AddressKey(b"test-erasure-key")
    desk = dataclasses.replace(desk_for(db, policy), address_key=key)
    with db.transaction() as session:
        session.add(ForgottenAddress(fingerprint=key.fingerprint("wendy@acme.example"), forgotten_at=NOW))
    rid = approved(db, policy)
    path = ask_path(desk, ANSWER, rid)
    form = (
        f"csrf={csrf_of(desk, path)}&answer=someone_else&colleague_name=Wendy+Wu"
        "&colleague_title=&colleague_email=Wendy%40acme.example"
    )

    status, body = post_form(advocate_site(desk), path, form.encode())

    assert status == 200 and html_check.problems(body) == []
    assert "that someone else would be better" in body and "Wendy" not in body
    with db.transaction() as session:
        assert session.get_one(Consent, rid).answer == "someone_else"
        assert session.scalars(select(Referral)).all() == []
    # the requester is told the customer's no, and not that the owner has a colleague's details
    said = AnsweredPayload("someone_else", consent.ADVOCATE)
    told = told_text(ask_view.view(db, policy, rid, NOW.date()), said, for_requester=True)
    assert "Someone else would be better" in told and "colleague" not in told


def test_an_invitation_answered_on_the_offer_s_last_evening_west_of_utc_is_taken(
    db: Database, policy: Policy
) -> None:
    """The program's day, not UTC's: at 20:00 in New York on the day the offer closes, the page
    shows it open, and its yes is recorded (the UTC date is already the day after)."""
    admin, new_york = "U0ADMIN01", zoneinfo.ZoneInfo("America/New_York")
    with db.transaction() as session:
        acme = store_seed.account(session, "Acme", owner_slack_id=OWNER)
        jane = store_seed.advocate(session, acme, "Jane Doe", "reference_call")
        session.get_one(Advocate, jane).email = "jane@acme.example"
    closes = NOW.date() + dt.timedelta(days=3)
    offer = catalog.create_offer(
        db,
        policy,
        OfferDraft("Spring beta", "early_access", "2", closes, "", "Early access to the new API"),
        Act(admin, frozenset({admin}), NOW, NOW.date()),
    )
    seat = reserve.offer_it(db, policy, offer.id, acme, Act(OWNER, frozenset(), NOW, NOW.date()), invite=True)
    evening = dt.datetime.combine(closes, dt.time(20), tzinfo=new_york).astimezone(dt.UTC)
    desk = dataclasses.replace(desk_for(db, policy), clock=lambda: evening, tz=new_york)
    with db.transaction(readonly=True) as session:
        path = path_of(desk, OFFER, session.get_one(OfferSeat, seat.id).public_id)

    status, body = post_form(advocate_site(desk), path, f"csrf={csrf_of(desk, path)}&answer=yes".encode())

    assert status == 200 and "your account team will be in touch" in body
    assert seats.seat(db, policy, seat.id).status == SeatStatus.ACCEPTED  # type: ignore[union-attr]
