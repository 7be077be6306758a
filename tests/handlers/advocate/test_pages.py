"""The advocate's pages through their WSGI app on both databases: what a browser (or someone
editing the request by hand) may send them — a NUL byte, bytes that are not UTF-8, an id no
column can hold — gets an answer in words, never a 500, and nothing unstorable is stored."""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse

import pytest
from sqlalchemy import select

from handlers.advocate.pages import ANSWER, OFFER, RATE, advocate_site
from handlers.advocate.web import Page
from handlers.kit.desk import Desk
from handlers.kit.links import Links
from handlers.routes import ROUTES
from store.act import Act
from store.customer import consent
from store.db import Database
from store.models import Consent, Rating, ReferenceRequest
from store.requests import followups
from store.rules.policy import Policy
from tests.handlers.advocate.test_mails import approved
from tests.support import html_check
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
