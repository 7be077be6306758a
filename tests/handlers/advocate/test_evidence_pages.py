"""The advocate's pages about their words, through the pages' WSGI app on both databases: **Share a
few words**, then the approval of the exact text; **Renew**, a change and **Withdraw** on the item's
page; refusals as pages with a 4xx; hostile words shown inert; every page passing the HTML check."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from handlers.advocate import mails, voice
from handlers.advocate.pages import ANSWER, EVIDENCE, WORDS, advocate_site
from handlers.advocate.web import AdvocatePages
from handlers.kit.desk import Desk
from handlers.kit.links import Links
from store.act import Act
from store.customer import ask_view
from store.customer.consent import ADVOCATE
from store.db import Database
from store.evidence import approval, capture, library, use, view
from store.evidence.approval import Approval
from store.evidence.use import UseDraft
from store.models import Advocate
from store.requests import asking, deciding
from store.requests.asking import Draft
from store.rules.policy import Policy
from tests.support import html_check
from tests.support import store_seed as seed
from tests.support.wsgi import get, post_fields

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
LINKS = Links("test-secret", "https://refdesk.example.com", dt.timedelta(days=30))
HOSTILE = '<script>alert("x")</script> <!channel> *bold* & “quotes”'


@pytest.fixture
def site(db: Database, policy: Policy) -> AdvocatePages:
    return advocate_site(Desk(db=db, policy=policy, clock=lambda: NOW, links=LINKS))


@pytest.fixture
def jane(db: Database) -> int:
    with db.transaction() as session:
        account = seed.account(session, "Acme Health", "Healthcare", owner_email="olivia@example.com")
        advocate = seed.advocate(session, account, "Jane Roe", "quote")
        person = session.get_one(Advocate, advocate)
        person.title, person.email = "CTO", "jane@acme.example"
    return advocate


def path_of(url: str) -> str:
    return url.removeprefix(LINKS.base_url)


def fields_of(page: str) -> dict[str, str]:
    """The hidden fields of the page's first form (the CSRF token, the nonce, the version)."""
    form = page[page.index("<form") : page.index("</form>")]
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))


def action_of(page: str, form_id: str | None = None) -> str:
    start = page.index(f'id="{form_id}"') if form_id else page.index("<form")
    found = re.search(r'action="([^"]+)"', page[page.rindex("<form", 0, start + len("<form")) :])
    assert found
    return found[1]


def ok(page: str) -> None:
    assert html_check.problems(page) == []


def words_path(site: AdvocatePages, advocate_id: int) -> str:
    """**Share a few words**' path, as the rating e-mail links it: by the advocate's opaque id."""
    return path_of(WORDS.url(LINKS, view.advocate_key(site.desk.db, advocate_id)))


def share(site: AdvocatePages, jane: int, text: str) -> tuple[int, str]:
    path = words_path(site, jane)
    status, page = get(site, path)
    assert status == 200
    ok(page)
    return post_fields(site, path, {**fields_of(page), "kind": "quote", "text": text})


def test_share_a_few_words_then_approve_the_exact_text(
    site: AdvocatePages, jane: int, db: Database, policy: Policy
) -> None:
    status, page = get(site, words_path(site, jane))
    assert status == 200 and "<h1>Share a few words</h1>" in page
    assert 'name="kind" value="quote"' in page and 'name="kind" value="figure"' in page
    assert 'name="kind" value="link"' not in page, "a link is the team's to add"

    status, approval = share(site, jane, "It halved our close time.")
    assert status == 200
    ok(approval)
    assert "<h1>Jane Roe, may we use your words?</h1>" in approval
    assert '<blockquote class="words">It halved our close time.</blockquote>' in approval
    for words in (
        "Where we may use it",
        "Name me as",
        "In sales conversations",
        "On our website",
        "In press and analyst material",
        "“Jane Roe, CTO, Acme Health”",
        "“CTO, Acme Health”",
        "“Acme Health”",
        "“A customer in Healthcare”",
        "2 years, until 23 November 2028",
    ):
        assert words in approval, words
    assert '<option value="2" selected>' in approval and '<option value="5">' in approval
    assert library.search(db, policy, "", NOW.date()).items == [], "nothing before the approval"

    action = action_of(approval, "approve")
    [mine] = view.words(db, policy, jane, NOW.date()).items
    assert action.startswith(f"/evidence/{mine.public_id}/"), "the item's opaque id, not its number"
    answer = {**fields_of(approval), "place_sales": "yes", "name_as": "title_company", "years": "3"}
    # digits str.isdigit() takes and int() does not: the form's answer in words, not a 500
    assert post_fields(site, action, {**answer, "version": "²"})[0] == 400
    assert post_fields(site, action, {**answer, "years": "²"})[0] == 400
    status, done = post_fields(site, action, answer)
    assert status == 200
    ok(done)
    assert "Thank you: we may use your words as you said" in done
    assert "<dd>“CTO, Acme Health”</dd>" in done and "<dd>23 November 2029</dd>" in done
    [item] = library.search(db, policy, "", NOW.date()).items
    assert (item.attributed_as, item.places) == ("CTO, Acme Health", ("sales",))

    # the same approval sent again: nothing changes; the words page lists them
    assert post_fields(site, action, answer)[0] == 200
    status, listed = get(site, words_path(site, jane))
    assert "approved, until 23 November 2029" in listed and action_of(listed).startswith("/words/")


def test_a_reloaded_answer_keeps_one_item_and_bad_words_keep_what_was_typed(
    site: AdvocatePages, jane: int, db: Database, policy: Policy
) -> None:
    path = words_path(site, jane)
    _, page = get(site, path)
    form = {**fields_of(page), "kind": "quote", "text": "Once."}
    assert post_fields(site, path, form)[0] == 200
    assert post_fields(site, path, form)[0] == 200
    assert len(get(site, path)[1].split("Quote: “Once.”")) == 2, "one item, however often it is sent"

    status, refused = post_fields(site, path, {**fields_of(page), "kind": "quote", "text": "   "})
    assert status == 400 and "Write the words" in refused
    ok(refused)
    status, refused = post_fields(site, path, {**fields_of(page), "kind": "link", "text": "Keep me"})
    assert status == 400 and ">Keep me</textarea>" in refused
    status, refused = post_fields(site, path, {"csrf": fields_of(page)["csrf"], "kind": "quote", "text": "x"})
    assert status == 400 and "out of date" in refused
    too_long = {**fields_of(page), "kind": "quote", "text": "ü" * 40_000}
    status, refused = post_fields(site, path, too_long)
    assert status == 413 and "This is too long" in refused
    ok(refused)


def test_hostile_words_are_shown_inert_on_every_page(site: AdvocatePages, jane: int) -> None:
    long = (HOSTILE * 200)[:10_000]
    status, approval = share(site, jane, long)
    assert status == 200
    ok(approval)
    assert "<script>" not in approval and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in approval
    answer = {**fields_of(approval), "place_press": "yes", "name_as": "anonymous", "years": "1"}
    status, done = post_fields(site, action_of(approval, "approve"), answer)
    assert status == 200 and "<script>" not in done
    ok(done)
    assert done.count("&lt;script&gt;") >= long.count("<script>")


def test_renew_change_and_withdraw_on_the_item_s_page(
    site: AdvocatePages, jane: int, db: Database, policy: Policy
) -> None:
    _, approval = share(site, jane, "First words.")
    item_path = action_of(approval, "approve")
    answer = {**fields_of(approval), "place_sales": "yes", "name_as": "company", "years": "1"}
    post_fields(site, item_path, answer)
    status, page = get(site, item_path)
    ok(page)
    assert "<h1>Your words, as we may use them</h1>" in page and "until 23 November 2028" in page

    csrf = fields_of(page)["csrf"]
    renew = {"csrf": csrf, "do": "renew", "expires_on": "2027-11-23"}
    status, renewed = post_fields(site, item_path, renew)
    assert status == 200 and "Renewed" in renewed and "<dd>23 November 2028</dd>" in renewed
    assert post_fields(site, item_path, renew)[0] == 200, "the same click twice renews once"
    assert "<dd>23 November 2028</dd>" in get(site, item_path)[1]

    status, changed = post_fields(site, item_path, {"csrf": csrf, "do": "edit", "text": "Better words."})
    assert status == 200 and "We will not use them until you approve them below" in changed
    assert library.search(db, policy, "", NOW.date()).items == [], "a change needs a new approval"
    stale = {**answer, "do": "approve"}  # the version of the first approval
    status, conflict = post_fields(site, item_path, stale)
    assert status == 409 and "Better words." in conflict
    ok(conflict)

    status, withdrawn = post_fields(site, item_path, {"csrf": csrf, "do": "withdraw"})
    assert status == 200 and "<h1>Your words are withdrawn</h1>" in withdrawn and "<form" not in withdrawn
    ok(withdrawn)
    status, again = post_fields(site, item_path, {"csrf": csrf, "do": "renew", "expires_on": "2028-11-23"})
    assert status == 409 and "<form" not in again
    status, nothing = post_fields(site, item_path, {"csrf": csrf, "do": "explode"})
    assert status == 400 and "Pick one of the buttons" in nothing


def test_bad_links_get_pages_in_words(site: AdvocatePages, jane: int) -> None:
    words = words_path(site, jane)
    token = words.rpartition("/")[2]
    assert get(site, words.replace("/words/", "/evidence/"))[0] == 403, "a link opens only its own page"
    assert get(site, f"/words/{jane}/{token}")[0] == 403, "the link carries the opaque id, not the number"
    assert get(site, path_of(EVIDENCE.url(LINKS, 999)))[0] == 404
    status, page = get(site, path_of(WORDS.url(LINKS, 999)))
    assert status == 404 and "We could not find you in the program." in page
    ok(page)
    assert post_fields(site, words, {"kind": "quote", "text": "no csrf"})[0] == 403


def test_the_ask_s_page_and_e_mail_say_how_the_advocate_s_words_helped(
    site: AdvocatePages, jane: int, db: Database, policy: Policy
) -> None:
    with db.transaction() as session:
        account = session.get_one(Advocate, jane).account_id
        session.get_one(Advocate, jane).activities = "reference_call;quote"
    seller, advocate = (
        Act("U0SELLER1", frozenset(), NOW, NOW.date()),
        Act(ADVOCATE, frozenset(), NOW, NOW.date()),
    )
    item = capture.share(db, policy, jane, "quote", "It halved our close time.", advocate, source_key="k")
    approval.approve(db, policy, item, 1, Approval(("sales",), "company", 2), advocate)
    use.record(db, policy, UseDraft(item, "Globex", "sales"), seller, source_key="v")
    draft = Draft(account_id=account, activity="reference_call", advocate_id=jane)
    rid = asking.submit(db, policy, draft, seller, source_key="r").request_id
    deciding.decide(
        db, policy, rid, Act("U0ADMIN01", frozenset({"U0ADMIN01"}), NOW, NOW.date()), approve=True
    )
    ask = ask_view.view(db, policy, rid, NOW.date())
    status, page = get(site, path_of(ANSWER.url(LINKS, ask.public_id)))
    assert status == 200 and "Your quote helped 1 deal this quarter. Thank you." in page
    ok(page)
    desk = Desk(db=db, policy=policy, clock=lambda: NOW, links=LINKS)
    said = voice.of_ask(desk, ask, wait=True)
    mail = mails.ask_mail(desk, ask, said, "https://refdesk.example.com/a", "https://refdesk.example.com/me")
    assert "How your words helped: Your quote helped 1 deal this quarter. Thank you." in mail.text
    assert (
        "<h2>How your words helped</h2>\n<p>Your quote helped 1 deal this quarter. Thank you.</p>"
        in mail.html
    )
