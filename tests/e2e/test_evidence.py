"""Evidence end to end: the real `refdesk serve`, the Slack emulator, a real SMTP server on
loopback (aiosmtpd) and a real headless Chromium.

Done → the rating e-mail invites the advocate to share a few words → they write a quote and
approve it on the page → `/reference evidence <industry>` shows it with the attribution approved →
**Use this** records the use and gives the words to copy → the request modal for that account
offers it first → the advocate withdraws it on the page → it is gone from `/reference evidence`.
And hostile words, 10,000 characters of them, shown inert on every surface.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import time
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from sqlalchemy import func, select

from handlers.kit.links import Links
from store.evidence import view
from store.models import EvidenceUse, LedgerEntry
from tests.e2e.conftest import LINK_SECRET
from tests.e2e.test_ask_and_decide import open_modal
from tests.e2e.test_customer_say import ANSWER_LINK, approve_jane, csrf_of, latest_request, page_ok, post_form
from tests.e2e.test_giveback_and_followups import opened_view
from tests.support.blockkit import assert_valid_message_blocks, assert_valid_view
from tests.support.browser import wait_for_heading
from tests.support.emulator import Emulator
from tests.support.mailbox import Mailbox, html_part, text_part
from tests.support.payloads import block_actions, view_submission
from tests.support.program import Program
from tests.support.response_sink import ResponseSink
from tests.support.server import RefdeskServer, http
from tests.support.slack_proxy import SlackProxy

DOCS = Path(__file__).resolve().parents[2] / "docs"
CAPTURE_SCREENSHOT = DOCS / "evidence-capture.png"
APPROVAL_SCREENSHOT = DOCS / "evidence-approval.png"
WORDS_LINK = re.compile(r"http://127\.0\.0\.1:\d+/words/[A-Za-z0-9_\-]+/[A-Za-z0-9_.\-]+")
QUOTE = "Month-end close went from nine days to four. Our auditors noticed before we told them."
ATTRIBUTION = "Jane Doe, VP Engineering, Acme Corp"
HOSTILE = (
    "*bold* _it_ ~gone~ <!channel> <!here> <@U0ADMIN01> <#C0PROGRAM> <https://evil.example|click me> "
    '<script>alert("x")</script> <img src=x onerror=alert(1)> &amp; > quoted\n'
)


def library(server: RefdeskServer, user: str, words: str) -> dict[str, Any]:
    """`/reference evidence <words>`: the ack's answer, only the asker sees it."""
    reply = server.command(f"evidence {words}", user_id=user)
    assert reply.status == 200, reply
    answer = reply.json()
    assert answer["response_type"] == "ephemeral"
    assert_valid_message_blocks(answer["blocks"])
    return answer


def rows(program: Program, column: Any) -> int:
    """How many rows a table holds (counted on `column`, its id)."""
    db = program.database()
    try:
        with db.transaction() as session:
            return int(session.scalar(select(func.count(column))) or 0)
    finally:
        db.dispose()


def use_this(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, sink: ResponseSink, user: str, value: str
) -> dict[str, Any]:
    """Click **Use this**, fill the modal in, send it; the view that answers it."""
    before = len(slack.calls_to("views.open"))
    click = block_actions(
        user,
        "evidence_use",
        value,
        trigger_id=emulator.trigger_id(user),
        response_url=sink.new_url(),
        block_id=f"evidence:{value}",
    )
    assert server.interact(click).status == 200
    modal = opened_view(slack, before + 1)
    values = {
        "opportunity_name": {"value": {"type": "plain_text_input", "value": "Globex expansion"}},
        "crm_link": {"value": {"type": "plain_text_input", "value": "https://crm.example.com/deal/G-9"}},
        "place": {"value": {"type": "static_select", "selected_option": {"value": "sales"}}},
    }
    reply = server.interact(view_submission(user, modal, values))
    assert reply.status == 200, reply
    answer = reply.json()
    assert answer["response_action"] == "update"
    assert_valid_view(answer["view"])
    return answer["view"]


def texts_of(blocks: Any) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_done_then_words_shared_approved_used_offered_first_and_withdrawn(
    mail_server: RefdeskServer,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
    sink: ResponseSink,
    mailbox: Mailbox,
    browser: Any,
) -> None:
    requester = emulator.ids["requester"]
    approve_jane(mail_server, emulator, slack, program, sink)
    [ask] = mailbox.wait_for(1)
    rid = latest_request(program)
    answer_link = ANSWER_LINK.search(text_part(ask))
    assert answer_link, "the ask was e-mailed"
    yes = {"csrf": csrf_of(http("GET", answer_link[0]).body), "answer": "yes"}
    assert post_form(answer_link[0], yes).status == 200, (
        "the advocate said yes: the rating e-mail follows Done"
    )

    # Done, rated by the requester: the advocate's rating e-mail invites them to share a few words
    done = block_actions(
        requester, "followup_done", str(rid), trigger_id=emulator.trigger_id(requester), block_id="followup"
    )
    mail_server.interact(done)
    view = opened_view(slack, 2)
    rated = {"rating": {"value": {"type": "static_select", "selected_option": {"value": "5"}}}}
    assert mail_server.interact(view_submission(requester, view, rated)).status == 200
    rating_mail = next(m for m in mailbox.wait_for(2) if "good use of your time" in str(m["Subject"]))
    link = WORDS_LINK.search(text_part(rating_mail))
    assert link and link[0] in html_part(rating_mail) and "Share a few words" in html_part(rating_mail)

    # the advocate writes a quote on the page, then approves the exact text
    browser.get(link[0])
    wait_for_heading(browser, "Share a few words")
    page_ok(browser.page_source)
    assert CAPTURE_SCREENSHOT.parent.is_dir()
    browser.find_element(By.ID, "text").send_keys(QUOTE)
    assert browser.save_screenshot(str(CAPTURE_SCREENSHOT)) and CAPTURE_SCREENSHOT.stat().st_size > 10_000
    browser.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
    wait_for_heading(browser, "Jane Doe, may we use your words?")
    page_ok(browser.page_source)
    assert QUOTE in browser.find_element(By.CSS_SELECTOR, "blockquote.words").text
    assert library(mail_server, requester, "fintech")["text"].startswith("No approved words"), (
        "not yet approved"
    )
    browser.find_element(By.CSS_SELECTOR, "label[for='place-sales']").click()
    browser.find_element(By.CSS_SELECTOR, "label[for='name-name_title_company']").click()
    assert browser.save_screenshot(str(APPROVAL_SCREENSHOT)) and APPROVAL_SCREENSHOT.stat().st_size > 10_000

    clicked = time.monotonic()
    browser.find_element(By.CSS_SELECTOR, "#approve button[type='submit']").click()
    while QUOTE not in texts_of(answer := library(mail_server, requester, "fintech")["blocks"]):
        assert time.monotonic() - clicked < 10, mail_server.log()
        time.sleep(0.02)
    elapsed = time.monotonic() - clicked
    print(f"\nApprove click → the quote in /reference evidence fintech: {elapsed * 1000:.0f} ms")
    wait_for_heading(browser, "Your words, as we may use them")
    page_ok(browser.page_source)

    # the library shows it with the attribution exactly as approved, and Use this
    item = next(b for b in answer if b.get("accessory", {}).get("action_id") == "evidence_use")
    assert (
        f"— {ATTRIBUTION}" in item["text"]["text"] and "*Quote* · Acme Corp · Fintech" in item["text"]["text"]
    )
    assert "Where we may use it: In sales conversations" in texts_of(answer)
    entries = rows(program, LedgerEntry.id)
    copy = use_this(mail_server, emulator, slack, sink, requester, item["accessory"]["value"])
    shown = texts_of(copy["blocks"])
    assert QUOTE in shown and f"— {ATTRIBUTION}" in shown and "Globex expansion" in shown
    assert rows(program, EvidenceUse.id) == 1, "the use is recorded"
    assert rows(program, LedgerEntry.id) == entries, "and nothing is posted on the ledger"

    # the request modal for that account offers the words first
    modal = open_modal(mail_server, emulator, slack, requester, "acme")
    first = modal["blocks"][0]["text"]["text"]
    assert first.startswith(f"💬 *A quote from {ATTRIBUTION}* fits this deal"), first
    assert modal["blocks"][1]["accessory"]["text"]["text"] == "Use this"

    # the advocate withdraws it on the page: it is gone from the library at once
    browser.find_element(By.CSS_SELECTOR, "#withdraw button[type='submit']").click()
    wait_for_heading(browser, "Your words are withdrawn")
    page_ok(browser.page_source)
    gone = library(mail_server, requester, "fintech")
    assert gone["text"].startswith("No approved words") and QUOTE not in texts_of(gone["blocks"])
    assert QUOTE not in texts_of(open_modal(mail_server, emulator, slack, requester, "acme")["blocks"])
    assert "Traceback" not in mail_server.log()


def hidden(page: str) -> dict[str, str]:
    form = page[page.index("<form") : page.index("</form>")]
    return {
        k: html.unescape(v) for k, v in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form)
    }


def test_hostile_words_are_inert_on_every_surface(
    mail_server: RefdeskServer,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
    sink: ResponseSink,
    page_port: int,
) -> None:
    requester = emulator.ids["requester"]
    words = (HOSTILE * 100)[:10_000]
    links = Links(LINK_SECRET, f"http://127.0.0.1:{page_port}", dt.timedelta(days=30))
    db = program.database()
    try:
        key = view.advocate_key(db, program.advocates["Jane Doe"])
    finally:
        db.dispose()
    capture = links.url("words", key)  # as the rating e-mail carries it
    form = http("GET", capture)
    approval = post_form(capture, {**hidden(form.body), "kind": "quote", "text": words})
    assert approval.status == 200, approval.body[:500]
    page_ok(approval.body)
    assert "<script>" not in approval.body and "<img" not in approval.body
    action = re.search(r'<form method="post" action="([^"]+)" id="approve">', approval.body)
    assert action
    answer = {**hidden(approval.body), "place_sales": "yes", "name_as": "name_title_company", "years": "2"}
    approved = post_form(mail_server.url + action[1], answer)
    assert approved.status == 200 and "<script>" not in approved.body
    page_ok(approved.body)

    def inert(payload: Any) -> None:
        shown = texts_of(payload)
        for raw in ("<!channel>", "<!here>", "<@U0ADMIN01>", "<#C0PROGRAM>", "<https://evil", "<script>"):
            assert raw not in shown, raw
        assert "&lt;!channel&gt;" in shown

    answer_blocks = library(mail_server, requester, "fintech")["blocks"]
    inert(answer_blocks)
    value = next(b["accessory"]["value"] for b in answer_blocks if "accessory" in b)
    copy = use_this(mail_server, emulator, slack, sink, requester, value)
    inert(copy["blocks"])
    escaped = "".join(b["text"]["text"] for b in copy["blocks"][2:-2])
    assert html.unescape(escaped) == words.strip(), "the words to copy are whole, in order"
    inert(open_modal(mail_server, emulator, slack, requester, "acme")["blocks"])
    inert(mail_server.command("find fintech", user_id=requester).json()["blocks"])
