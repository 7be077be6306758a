"""The customer's say end to end: the real `refdesk serve`, the Slack emulator, a real SMTP server
on loopback (aiosmtpd) and a real headless Chromium (Selenium, Debian's chromium + driver).

approve → the e-mail arrives → its link opens in Chromium → the answer is clicked → the
requester's DM and the ledger change; plus bad links, twice-sent and changed answers, owner-led
programs, the reminder after 5 days, and the rating e-mail and page.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import urllib.parse
from typing import Any

from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from selenium.webdriver.common.by import By
from sqlalchemy import func, select

from store.models import Rating, ReferenceRequest
from tests.e2e.conftest import LINK_SECRET
from tests.e2e.test_ask_and_decide import ask, buttons, decision_message
from tests.e2e.test_ask_and_decide import click as click_button
from tests.e2e.test_giveback_and_followups import click, dms_with, jobs_run, opened_view
from tests.support import html_check
from tests.support.blockkit import assert_valid_message_blocks
from tests.support.browser import wait_for_heading
from tests.support.emulator import Emulator
from tests.support.mailbox import Mailbox, html_part, text_part
from tests.support.payloads import block_actions, view_submission
from tests.support.program import Program
from tests.support.response_sink import ResponseSink
from tests.support.server import RefdeskServer, http, run_cli
from tests.support.slack_proxy import SlackProxy

ANSWER_LINK = re.compile(r"http://127\.0\.0\.1:\d+/answer/[A-Za-z0-9_\-]+/[A-Za-z0-9_.\-]+")
POINTS = re.compile(r"\bpoints?\b", re.IGNORECASE)
RATE_LINK = re.compile(r"http://127\.0\.0\.1:\d+/rate/[A-Za-z0-9_\-]+/[A-Za-z0-9_.\-]+")


def approve_jane(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program, sink: ResponseSink
) -> None:
    """The requester asks Acme Corp's Jane Doe for a reference call; the owner approves."""
    acme = program.accounts["Acme Corp"]
    ask(
        server,
        emulator,
        slack,
        acme,
        advocate=(f"advocate:{acme}:reference_call", program.advocates["Jane Doe"]),
    )
    owner = emulator.ids["owner"]
    message = decision_message(emulator, owner)
    click_button(server, emulator, owner, "approve", buttons(message)["Approve"], sink, message)
    assert program.wait_balance("Acme Corp", 0) == 0


class MonthOldSigner(TimestampSigner):
    """Signs as if 31 days ago: the link's 30-day life has run out."""

    def get_timestamp(self) -> int:
        return int(time.time()) - 31 * 86400


def latest_request(program: Program) -> int:
    db = program.database()
    try:
        with db.transaction() as session:
            return int(session.scalar(select(func.max(ReferenceRequest.id))) or 0)
    finally:
        db.dispose()


def request_status(program: Program) -> str:
    db = program.database()
    try:
        with db.transaction() as session:
            return session.get_one(ReferenceRequest, latest_request(program)).status
    finally:
        db.dispose()


def actions_block(message: dict[str, Any]) -> str:
    return next(b["block_id"] for b in message["blocks"] if b["type"] == "actions")


def page_ok(reply_body: str) -> None:
    assert html_check.problems(reply_body) == []


def post_form(url: str, fields: dict[str, str]) -> Any:
    body = urllib.parse.urlencode(fields).encode()
    return http("POST", url, body, {"Content-Type": "application/x-www-form-urlencoded"})


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the form carries a CSRF token"
    return found[1]


def test_the_advocate_says_yes_in_a_real_browser_and_the_requester_hears_it(
    mail_server: RefdeskServer,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
    sink: ResponseSink,
    mailbox: Mailbox,
    browser: Any,
) -> None:
    requester, owner = emulator.ids["requester"], emulator.ids["owner"]
    approve_jane(mail_server, emulator, slack, program, sink)

    [mail] = mailbox.wait_for(1)
    assert mail["To"].addresses[0].addr_spec == "jane@acme.example"
    assert mail["Reply-To"].addresses[0].addr_spec == "olivia@example.com", "replies go to the owner"
    assert mail["Message-ID"].startswith("<") and mail["Message-ID"].endswith("@example.com>")
    text, html = text_part(mail), html_part(mail)
    assert "Reference call with a prospect" in text and "Banking" in text
    for part in (text, html):
        assert not POINTS.search(part) and "Big Bank" not in part and "migration" not in part
    link = ANSWER_LINK.search(text)
    assert link and link[0] in html
    url = link[0]

    raw = http("GET", url)
    assert raw.status == 200
    page_ok(raw.body)
    assert not POINTS.search(raw.body)
    for hidden in ("Big Bank", "migration", "Globex", "Hooli"):
        assert hidden not in raw.body, hidden
    for words in (
        "Yes, happy to help",
        "Not this time",
        "Not for 3 months",
        "Ask me less often",
        "Please don&#39;t ask me again",
        "Someone else would be better",
    ):
        assert words in raw.body, words

    browser.get(url)
    assert browser.title.endswith("· Northwind") and "Reference Desk" not in browser.page_source
    browser.find_element(By.CSS_SELECTOR, "label[for='answer-yes']").click()
    browser.find_element(By.ID, "note").send_keys("Happy to help a fellow bank.")
    browser.find_element(By.ID, "times").send_keys("Tuesday mornings, CET")
    clicked = time.monotonic()
    browser.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
    told = dms_with(emulator, requester, "Yes, happy to help")
    elapsed = time.monotonic() - clicked
    print(f"\nYes click → requester's DM: {elapsed * 1000:.0f} ms")
    assert told, mail_server.log()
    assert elapsed < 5
    wait_for_heading(browser, "Thank you, Jane Doe")
    page_ok(browser.page_source)
    dm = told[0]
    assert_valid_message_blocks(dm["blocks"])
    shown = str(dm["blocks"])
    assert (
        "jane@acme.example" in shown
        and "Happy to help a fellow bank." in shown
        and "Tuesday mornings" in shown
    )
    assert dms_with(emulator, owner, "Yes, happy to help")
    assert program.balance("Acme Corp") == 0

    # the same answer again (a second click, a reload that re-posts): nothing new happens
    form = {"csrf": csrf_of(raw.body), "answer": "yes", "note": "", "times": ""}
    again = post_form(url, form)
    assert again.status == 200
    page_ok(again.body)
    time.sleep(1)
    assert len([m for m in emulator.dms(requester) if "Yes, happy to help" in m["text"]]) == 1

    # a changed answer: declined by the customer, the debit reversed, both told
    changed = post_form(url, {**form, "answer": "not_this_time"})
    assert changed.status == 200 and "we will not go ahead" in changed.body
    assert dms_with(emulator, requester, "Not this time")
    assert program.wait_balance("Acme Corp", 3) == 3
    # and back to yes before the needed-by date: confirmed again, the debit again, both told once
    for _ in range(2):  # clicked twice
        back = post_form(url, {**form, "answer": "yes"})
        assert back.status == 200
        page_ok(back.body)
    assert program.wait_balance("Acme Corp", 0) == 0
    assert len(dms_with(emulator, requester, "Yes, happy to help", count=2)) == 2
    after_all = dms_with(emulator, requester, "changed their answer to", count=2)
    assert [m["text"].count("Yes, happy to help") for m in after_all] == [0, 1], "no → yes told once"
    assert "jane@acme.example" in str(after_all[1]["blocks"])
    for message in after_all:
        assert_valid_message_blocks(message["blocks"])
    assert len(dms_with(emulator, owner, "Yes, happy to help", count=2)) == 2
    assert request_status(program) == "approved"
    time.sleep(1)
    assert len([m for m in emulator.dms(requester) if "Yes, happy to help" in m["text"]]) == 2
    assert program.balance("Acme Corp") == 0


def test_bad_links_and_forms_get_a_clear_page_never_a_500(
    mail_server: RefdeskServer,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
    sink: ResponseSink,
    mailbox: Mailbox,
) -> None:
    approve_jane(mail_server, emulator, slack, program, sink)
    [mail] = mailbox.wait_for(1)
    url = ANSWER_LINK.search(text_part(mail))[0]  # type: ignore[index]
    base, public_id, token = url.rsplit("/", 2)
    assert not public_id.isdigit(), "the link carries an opaque id, not the request's number"

    tampered = http("GET", f"{base}/{public_id}/{token[:-2]}{'AB' if token[-2:] != 'AB' else 'CD'}")
    other_request = http("GET", f"{base}/{public_id[::-1]}/{token}")
    sequential = http("GET", f"{base}/{latest_request(program)}/{token}")
    wrong_purpose = http("GET", url.replace("/answer/", "/rate/"))
    old = URLSafeTimedSerializer(LINK_SECRET, salt="refdesk.link.answer", signer=MonthOldSigner)
    expired = http("GET", f"{base}/{public_id}/{old.dumps({'key': public_id})}")
    no_csrf = post_form(url, {"answer": "never"})
    forged_csrf = post_form(url, {"answer": "never", "csrf": "forged"})
    unknown = http("GET", mail_server.url + "/answer/1/x/y")

    assert (tampered.status, other_request.status, sequential.status, wrong_purpose.status) == (403,) * 4
    assert "This link does not work" in tampered.body
    assert expired.status == 410 and "This link has expired" in expired.body
    assert (no_csrf.status, forged_csrf.status) == (403, 403)
    assert unknown.status == 404
    for reply in (tampered, other_request, wrong_purpose, expired, no_csrf, unknown):
        page_ok(reply.body)
    assert program.balance("Acme Corp") == 0, "no refused form changed anything"
    bad_answer = post_form(url, {"answer": "maybe", "csrf": csrf_of(http("GET", url).body)})
    assert bad_answer.status == 400 and "Pick one of the answers." in bad_answer.body
    page_ok(bad_answer.body)
    assert "Traceback" not in mail_server.log()


def test_an_owner_led_program_records_the_answer_with_the_owner_s_buttons(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program, sink: ResponseSink
) -> None:
    requester, owner = emulator.ids["requester"], emulator.ids["owner"]
    approve_jane(server, emulator, slack, program, sink)
    assert "mail settings missing (REFDESK_PUBLIC_URL, REFDESK_SMTP_URL, REFDESK_MAIL_FROM)" in server.log()
    [asked] = dms_with(emulator, owner, "Record Jane Doe's answer")
    assert_valid_message_blocks(asked["blocks"])
    assert list(buttons(asked)) == [
        "Yes, happy to help",
        "Not this time",
        "Not for 3 months",
        "Ask me less often",
        "Please don't ask me again",
        "Someone else would be better",
    ]

    click(
        server,
        emulator,
        owner,
        asked,
        "Not for 3 months",
        block_id=actions_block(asked),
        response_url=sink.new_url(),
    )
    assert dms_with(emulator, requester, "Not for 3 months")
    assert program.wait_balance("Acme Corp", 3) == 3
    assert http("GET", server.url + "/answer/1/x").status == 404, "no public URL: no page served"

    # Jane rests for 90 days: the next ask of her is a ⛔ for the owner
    acme = program.accounts["Acme Corp"]
    ask(
        server,
        emulator,
        slack,
        acme,
        advocate=(f"advocate:{acme}:reference_call", program.advocates["Jane Doe"]),
    )
    blocked = dms_with(emulator, owner, "", count=3)
    assert any("asked not to be asked for 3 months" in str(m.get("blocks")) for m in blocked)


def test_no_answer_in_5_days_asks_the_owner_and_done_brings_the_rating_e_mail_and_page(
    mail_server: RefdeskServer,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
    mailbox: Mailbox,
    env: dict[str, str],
    mail_env: dict[str, str],
    browser: Any,
    sink: ResponseSink,
) -> None:
    requester, owner = emulator.ids["requester"], emulator.ids["owner"]
    approve_jane(mail_server, emulator, slack, program, sink)
    assert mailbox.wait_for(1), "the ask was e-mailed"
    rid = latest_request(program)
    jobs_env = {**env, **mail_env}
    now = dt.datetime.now(dt.UTC)
    assert "0 claimed" in jobs_run(jobs_env, "consent-remind", now + dt.timedelta(days=4))
    # sent: the reminder, and anything else the outbox owed at that moment (the server may not have
    # sent the approval's messages yet)
    assert "1 claimed," in jobs_run(jobs_env, "consent-remind", now + dt.timedelta(days=5, minutes=1))
    assert "0 claimed" in jobs_run(jobs_env, "consent-remind", now + dt.timedelta(days=6))
    [reminder] = dms_with(emulator, owner, "Record Jane Doe's answer")
    assert "has not answered the e-mail yet" in str(reminder["blocks"])
    assert actions_block(reminder) == f"consent:{rid}"
    click(
        mail_server,
        emulator,
        owner,
        reminder,
        "Yes, happy to help",
        block_id=actions_block(reminder),
        response_url=sink.new_url(),
    )
    assert dms_with(emulator, requester, "Yes, happy to help")

    # Done, rated 2 by the requester: the advocate gets the rating e-mail
    mail_server.interact(
        block_actions(
            requester,
            "followup_done",
            str(rid),
            trigger_id=emulator.trigger_id(requester),
            block_id="followup",
        )
    )
    view = opened_view(slack, 2)
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels[:1] == ["How did it go? (1–5)"], view
    rated = {"rating": {"value": {"type": "static_select", "selected_option": {"value": "4"}}}}
    assert mail_server.interact(view_submission(requester, view, rated)).status == 200
    mails = mailbox.wait_for(2)
    rating_mail = next(m for m in mails if "good use of your time" in str(m["Subject"]))
    url = RATE_LINK.search(text_part(rating_mail))[0]  # type: ignore[index]

    browser.get(url)
    page_ok(browser.page_source)
    assert "Was this a good use of your time?" in browser.find_element(By.TAG_NAME, "h1").text
    browser.find_element(By.CSS_SELECTOR, "label[for='score-2']").click()
    browser.find_element(By.ID, "comment").send_keys("The call ran long.")
    browser.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
    wait_for_heading(browser, "Thank you, Jane Doe")
    page_ok(browser.page_source)
    again = http("GET", url)
    assert again.status == 200 and "You already rated it." in again.body
    db = program.database()
    try:
        with db.transaction() as session:
            scores = {r.rater: (r.score, r.comment) for r in session.scalars(select(Rating))}
    finally:
        db.dispose()
    assert scores == {"requester": (4, ""), "advocate": (2, "The call ran long.")}
    assert run_cli(jobs_env, "deliveries", "--failed").stdout.count("rating") == 0
