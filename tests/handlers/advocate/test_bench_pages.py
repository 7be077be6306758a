"""The pages of growing the bench, through the pages' WSGI app: a contact's invitation (**Join the
program** / **No, thanks**), the advocate's own page (**Save**, **Download my data**, **Remove
me**) and the lost-link page. Every page passes the HTML check; every refusal is a page in words
with a 4xx; the forms need their CSRF token; the lost-link page answers alike for any address."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from handlers.advocate import mails
from handlers.advocate import profile as profile_page
from handlers.advocate.pages import JOIN, LOST_LINK, PROFILE, advocate_site
from handlers.advocate.web import AdvocatePages, PageRequest
from handlers.kit.desk import Desk
from handlers.kit.links import Links
from handlers.routes import ROUTES
from store.act import Act
from store.addresses import AddressKey
from store.bench import nominating, profile
from store.bench.nominating import NominationDraft
from store.models import Advocate, Blackout, Delivery, DeliveryStatus, Nomination
from store.outbox.queue import claim_due
from store.rules.policy import load_policy
from tests.support import html_check, store_seed
from tests.support.database import open_database
from tests.support.wsgi import page

NOW = store_seed.NOW
OWNER = "U0OWNER01"
SECRET = "pages-test-secret"
POINTS = re.compile(r"\bpoints?\b", re.IGNORECASE)


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    db = open_database(f"sqlite:///{tmp_path / 'refdesk.db'}")
    db.upgrade()
    yield Desk(
        db=db,
        policy=load_policy(),
        clock=lambda: NOW,
        links=Links(SECRET, "https://refdesk.example.com", dt.timedelta(days=30)),
        routes=ROUTES,
        address_key=AddressKey(b"pages-test-key"),
    )
    db.dispose()


def path_of(url: str) -> str:
    return urllib.parse.urlsplit(url).path


def csrf_of(body: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', body)
    assert found, "the form carries a CSRF token"
    return found[1]


def ok(body: str) -> None:
    assert html_check.problems(body) == []
    assert not POINTS.search(body), "no points on a customer's page"


def invited(desk: Desk) -> int:
    with desk.db.transaction() as session:
        acme = store_seed.account(
            session, "Acme Corp", "Retail", owner_slack_id=OWNER, owner_email="olivia@example.com"
        )
    draft = NominationDraft(
        acme, "Hank Hill", "Head of Ops", "hank@acme.example", "ran <our> rollout", ("quote",)
    )
    act = Act(OWNER, frozenset(), NOW, NOW.date())
    return nominating.nominate(desk.db, desk.policy, draft, act, key=desk.address_key).nomination_id


def key_of(desk: Desk, model: type[Advocate] | type[Nomination], row_id: int) -> str:
    """The opaque id a page's link carries for this advocate or nomination."""
    with desk.db.transaction(readonly=True) as session:
        return session.get_one(model, row_id).public_id


def advocate(desk: Desk) -> int:
    with desk.db.transaction() as session:
        acme = store_seed.account(session, "Jane's Corp", "Retail", owner_slack_id=OWNER)
        jane = store_seed.advocate(session, acme, "Jane Doe", "reference_call;quote")
        session.get_one(Advocate, jane).email = "jane@acme.example"
    return jane


def test_join_makes_them_an_advocate_with_what_they_ticked_and_links_their_page(desk: Desk) -> None:
    site = advocate_site(desk)
    url = path_of(JOIN.url(desk.links, key_of(desk, Nomination, invited(desk))))  # type: ignore[arg-type]

    status, _, body = page(site, "GET", url)
    assert status == 200
    ok(body)
    assert "Hank Hill, would you join" in body and "ran &lt;our&gt; rollout" in body
    assert 'id="do_quote" name="do_quote" value="yes" checked' in body
    assert "Join the program" in body and "No, thanks" in body

    refused = page(site, "POST", url, {"answer": "join", "do_quote": "yes"})
    none_ticked = page(site, "POST", url, {"csrf": csrf_of(body), "answer": "join"})
    status, _, joined = page(
        site, "POST", url, {"csrf": csrf_of(body), "answer": "join", "do_logo": "yes", "do_quote": "yes"}
    )

    assert refused[0] == 403 and "This form has expired" in refused[2]
    assert none_ticked[0] == 400 and "Tick at least one thing you are happy to do." in none_ticked[2]
    assert status == 200
    ok(joined)
    with desk.db.transaction() as session:
        hank = session.scalars(select(Advocate)).one()
    assert hank.activities == "logo;quote"
    assert f"https://refdesk.example.com/me/{hank.public_id}/" in joined
    assert page(site, "GET", url)[2] == joined, "the link shows the welcome again"


def test_no_thanks_is_thanked_and_can_still_be_changed_to_join(desk: Desk) -> None:
    site = advocate_site(desk)
    url = path_of(JOIN.url(desk.links, key_of(desk, Nomination, invited(desk))))  # type: ignore[arg-type]
    form = {"csrf": csrf_of(page(site, "GET", url)[2]), "answer": "no"}

    status, _, said_no = page(site, "POST", url, form)

    assert status == 200
    ok(said_no)
    assert "we will not ask again" in said_no
    assert page(site, "POST", url, {**form, "answer": "maybe"})[0] == 400


def test_their_page_saves_at_once_and_refuses_in_words(desk: Desk) -> None:
    site = advocate_site(desk)
    jane = advocate(desk)
    url = path_of(PROFILE.url(desk.links, key_of(desk, Advocate, jane)))  # type: ignore[arg-type]
    status, _, body = page(site, "GET", url)
    assert status == 200
    ok(body)
    for words in (
        "What you're happy to do",
        "How often",
        "Not on these dates",
        "What would be valuable to you",
        "Save",
        "Download my data",
        "Remove me",
        "Share a few words",
    ):
        assert words in body, words
    share = re.search(r'<a href="(/words/[^"]+)">Share a few words</a>', body)
    assert share, "their page links their own capture page"
    assert page(site, "GET", share[1])[0] == 200

    form = {
        "csrf": csrf_of(body),
        "do": "save",
        "do_quote": "yes",
        "how_often": "1",
        "off_from": "2026-12-20",
        "off_to": "2026-12-31",
        "off_why": "year-end <close>",
        "time_zone": "Europe/Paris",
        "times": "mornings",
        "value_1": "yes",
        "value_note": "betas",
    }
    status, _, saved = page(site, "POST", url, form)
    assert status == 200 and "Saved. It applies from now on." in saved
    ok(saved)
    assert "year-end &lt;close&gt;" in saved and "<option selected>Europe/Paris</option>" in saved
    with desk.db.transaction() as session:
        row = session.get_one(Advocate, jane)
        assert (row.activities, row.asks_per_quarter, row.valued) == ("quote", 1, "learning")
        [off] = session.scalars(select(Blackout)).all()
    bad = page(site, "POST", url, {**form, "how_often": "9", "off_from": "", "off_to": ""})
    assert bad[0] == 400 and "Pick a number from 1 to 3." in bad[2]
    ok(bad[2])
    dates = page(site, "POST", url, {**form, "off_from": "soon"})
    assert dates[0] == 400 and "Enter both days as dates" in dates[2]
    removed = page(site, "POST", url, {**form, f"remove_{off.id}": "yes", "off_from": "", "off_to": ""})
    assert removed[0] == 200 and "year-end &lt;close&gt;" not in removed[2]
    made_up = {**form, "remove_²": "yes", "remove_99999999999": "yes", "off_from": "", "off_to": ""}
    assert page(site, "POST", url, made_up)[0] == 200, "a range no form offered is ignored, not a 500"


def test_download_my_data_as_json_and_as_csv(desk: Desk) -> None:
    site = advocate_site(desk)
    jane = advocate(desk)
    url = path_of(PROFILE.url(desk.links, key_of(desk, Advocate, jane)))  # type: ignore[arg-type]
    csrf = csrf_of(page(site, "GET", url)[2])

    status, headers, body = page(site, "POST", url, {"csrf": csrf, "do": "download", "format": "json"})
    csv_status, csv_headers, csv_body = page(
        site, "POST", url, {"csrf": csrf, "do": "download", "format": "csv"}
    )

    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert headers["Content-Disposition"] == 'attachment; filename="my-data.json"'
    assert json.loads(body)["profile"][0]["name"] == "Jane Doe"
    assert csv_status == 200 and csv_headers["Content-Type"].startswith("text/csv")
    assert ["profile", "1", "email", "jane@acme.example"] in list(csv.reader(io.StringIO(csv_body)))
    assert page(site, "POST", url, {"do": "download"})[0] == 403, "no CSRF token, no data"


def test_remove_me_needs_the_box_ticked_then_erases_them_and_the_link_leads_nowhere(desk: Desk) -> None:
    site = advocate_site(desk)
    jane = advocate(desk)
    url = path_of(PROFILE.url(desk.links, key_of(desk, Advocate, jane)))  # type: ignore[arg-type]
    csrf = csrf_of(page(site, "GET", url)[2])

    unticked = page(site, "POST", url, {"csrf": csrf, "do": "remove"})
    status, _, body = page(site, "POST", url, {"csrf": csrf, "do": "remove", "confirm": "yes"})

    assert unticked[0] == 400 and "Tick the box" in unticked[2]
    assert status == 200 and "You have been removed" in body
    ok(body)
    with desk.db.transaction() as session:
        assert session.get_one(Advocate, jane).email is None
    gone = page(site, "GET", url)
    assert gone[0] == 404
    ok(gone[2])


def test_remove_me_sent_twice_at_once_says_removed_both_times(desk: Desk) -> None:
    jane = advocate(desk)
    key = key_of(desk, Advocate, jane)
    # both posts read their page before either is recorded (a double click, two tabs)
    mine = profile.profile(desk.db, desk.policy, key, desk.today())
    request = PageRequest(key, "token", {"do": "remove", "confirm": "yes"}, "/me/")
    form = request.form or {}

    first = profile_page._remove(desk, mine, request, form, share="")
    second = profile_page._remove(desk, mine, request, form, share="")

    for status, body in (first, second):
        assert status == "200 OK" and "You have been removed" in body
    with desk.db.transaction() as session:
        assert session.get_one(Advocate, jane).email is None


class MonthOldSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 31 * 86400


def test_an_expired_link_to_their_page_points_to_the_lost_link_page(desk: Desk) -> None:
    site = advocate_site(desk)
    jane = advocate(desk)
    old = URLSafeTimedSerializer(SECRET, salt="refdesk.link.me", signer=MonthOldSigner).dumps(
        {"key": key_of(desk, Advocate, jane)}
    )

    status, _, body = page(site, "GET", f"/me/{key_of(desk, Advocate, jane)}/{old}")

    assert status == 410 and "This link has expired" in body
    assert 'href="https://refdesk.example.com/link"' in body and "Get a fresh link" in body
    ok(body)


def lost_link(site: AdvocatePages, address: str, csrf: str | None = None) -> tuple[int, str]:
    if csrf is None:
        csrf = csrf_of(page(site, "GET", "/link")[2])
    status, _, body = page(site, "POST", "/link", {"csrf": csrf, "email": address})
    return status, body


def owed(desk: Desk) -> list[str]:
    with desk.db.transaction() as session:
        return [
            d.recipient
            for d in session.scalars(select(Delivery).where(Delivery.status == DeliveryStatus.PENDING))
        ]


def test_the_lost_link_page_answers_alike_for_any_address_and_mails_only_the_known_one(desk: Desk) -> None:
    site = advocate_site(desk)
    jane = advocate(desk)
    status, _, form = page(site, "GET", LOST_LINK.prefix)
    assert status == 200
    ok(form)

    known = lost_link(site, "jane@acme.example")
    unknown = lost_link(site, "nobody@acme.example")
    again = lost_link(site, "jane@acme.example")

    assert known[0] == unknown[0] == again[0] == 200
    assert known[1].replace("jane@acme.example", "X") == unknown[1].replace("nobody@acme.example", "X")
    ok(known[1])
    assert owed(desk) == [f"advocate:{jane}"], "one e-mail an hour, none to an unknown address"
    assert lost_link(site, "jane@acme.example", csrf="forged")[0] == 403
    assert lost_link(site, "")[0] == 400


def test_a_contact_invited_to_join_gets_the_invitation_again_from_the_lost_link_page(desk: Desk) -> None:
    hank = invited(desk)
    site = advocate_site(desk)
    before = owed(desk).count(f"nominee:{hank}")

    status, body = lost_link(site, "hank@acme.example")
    unknown = lost_link(site, "nobody@acme.example")

    assert status == unknown[0] == 200, "the same answer as for any address"
    assert body.replace("hank@acme.example", "X") == unknown[1].replace("nobody@acme.example", "X")
    ok(body)
    assert owed(desk).count(f"nominee:{hank}") == before + 1


def test_every_e_mail_to_an_advocate_links_their_page_and_says_how_to_stop(desk: Desk) -> None:
    jane = advocate(desk)
    nomination = invited(desk)
    site = advocate_site(desk)
    lost_link(site, "jane@acme.example")
    [link_job] = claim_due(desk.db, NOW, keys=[f"advocate-link:{jane}:2026-11-23T15"])
    [invite_job] = claim_due(desk.db, NOW, keys=[f"nomination-invite:{nomination}"])

    fresh = mails.compose_fresh_link(desk, link_job)
    invitation = mails.compose_join_invitation(desk, invite_job)

    assert fresh is not None and invitation is not None
    assert fresh.to_address == "jane@acme.example"
    for part in (fresh.text, fresh.html):
        assert (
            f"https://refdesk.example.com/me/{key_of(desk, Advocate, jane)}/" in part and "Remove me" in part
        )
    assert invitation.to_address == "hank@acme.example" and invitation.reply_to == "olivia@example.com"
    assert f"https://refdesk.example.com/join/{key_of(desk, Nomination, nomination)}/" in invitation.text
    assert "No, thanks" in invitation.text and "ran &lt;our&gt; rollout" in invitation.html
    assert not POINTS.search(invitation.text + invitation.html)
    for mail in (fresh, invitation):  # from the owner at the company, never the program's own name
        assert mail.from_name and "Reference Desk" not in mail.text + mail.html + mail.subject
        assert "To stop these e-mails" in mail.text and "To stop these e-mails" in mail.html
