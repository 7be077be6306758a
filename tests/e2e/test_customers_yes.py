"""Earning the customer's yes (issue 19), end to end: the real `refdesk serve`, the Slack emulator,
a real SMTP server on loopback (aiosmtpd) and a real headless Chromium.

The owner previews the e-mail and adds a line → the e-mail names the company and the owner,
carries the line and the topic written for the customer, never the opportunity's name nor the
internal context → the requester's DMs hold no address until the customer clicks **Yes** → then
they do, once. **Someone else would be better** reaches the owner; **Not for 3 months** shows its
date and blocks the next ask until then; **Withdraw** → the advocate's "no longer needed" e-mail,
once, and a yes after it a clear page; the digest thanks only the advocate who said yes and shows
the funnel. Screenshots of the e-mail and the pages go to docs/.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import urllib.parse
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from tests.e2e.test_ask_and_decide import buttons, decision_message, form, open_modal
from tests.e2e.test_customer_say import ANSWER_LINK, csrf_of, latest_request, page_ok, post_form
from tests.e2e.test_giveback_and_followups import click, dms_with, jobs_run, opened_view
from tests.support import html_check
from tests.support.blockkit import assert_valid_message_blocks
from tests.support.browser import headless_chromium, wait_for_heading
from tests.support.emulator import SIGNING_SECRET, Emulator
from tests.support.mailbox import Mailbox, html_part, text_part
from tests.support.payloads import text, view_submission
from tests.support.program import Program
from tests.support.response_sink import ResponseSink
from tests.support.server import RefdeskServer, http, run_cli
from tests.support.slack_proxy import SlackProxy
from tests.support.slack_recorder import wait_until

DOCS = Path(__file__).resolve().parents[2] / "docs"
TOPIC = "How the move off their old core banking system went, and what they would do differently"
CONTEXT = "Internal: they are also talking to Initech; amount may grow to 400k"
LINE = "Jane, you were brilliant with the Globex team last spring. Would you do this one for us?"
TIMES = "Tuesday or Thursday mornings, CET"
NOTE = "Happy to help a fellow bank."


@pytest.fixture
def mail_server(
    env: dict[str, str], mail_env: dict[str, str], page_port: int, tmp_path: Path
) -> Iterator[RefdeskServer]:
    process = RefdeskServer({**env, **mail_env}, tmp_path, SIGNING_SECRET, port=page_port).start()
    yield process
    process.stop()


@pytest.fixture
def browser() -> Iterator[Any]:
    driver = headless_chromium()
    yield driver
    driver.quit()


def ask_for(
    server: RefdeskServer,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
    account: str,
    advocate: str,
    *,
    requester: str = "requester",
) -> None:
    """The requester asks for a reference call, with the topic written for the customer, the
    prospect company they may see, and internal context that must never leave."""
    account_id = program.accounts[account]
    values = form(account_id, advocate=(f"advocate:{account_id}:reference_call", program.advocates[advocate]))
    values["topic"] = {"value": text(TOPIC)}
    values["context"] = {"value": text(CONTEXT)}
    values["prospect_company"] = {"value": text("Contoso Bank")}
    values["prospect_name_shared"] = {
        "value": {
            "type": "checkboxes",
            "selected_options": [{"value": "yes", "text": {"type": "plain_text", "text": "x"}}],
        }
    }
    who = emulator.ids[requester]
    view = open_modal(server, emulator, slack, who)
    reply = server.interact(view_submission(who, view, values))
    assert reply.status == 200 and not reply.body, reply


def approve_at_once(server: RefdeskServer, emulator: Emulator, owner: str, count: int = 1) -> None:
    message = decision_message(emulator, emulator.ids[owner], count)
    click(server, emulator, emulator.ids[owner], message, "Approve", block_id="decision")


def the_mail(mailbox: Mailbox, count: int, subject: str) -> EmailMessage:
    found = [m for m in mailbox.wait_for(count) if subject in str(m["Subject"])]
    assert found, [str(m["Subject"]) for m in mailbox.messages]
    return found[-1]


def screenshot(browser: Any, name: str) -> Path:
    path = DOCS / name
    assert browser.save_screenshot(str(path)) and path.stat().st_size > 10_000
    return path


def no_address(messages: list[dict[str, Any]], address: str) -> None:
    for message in messages:
        assert address not in str(message), f"the requester saw {address} before the customer's yes"


def test_the_owner_s_line_reaches_the_customer_and_the_contact_reaches_the_requester_only_on_yes(
    mail_server: RefdeskServer,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
    mailbox: Mailbox,
    browser: Any,
    tmp_path: Path,
) -> None:
    requester, owner = emulator.ids["requester"], emulator.ids["owner"]
    gave = program.give("Acme Corp", "early_access", "Early access to the new payments API", owner)
    ask_for(mail_server, emulator, slack, program, "Acme Corp", "Jane Doe")

    # the owner's DM says what Approve sends, and to whom, before any click
    message = decision_message(emulator, owner)
    assert_valid_message_blocks(message["blocks"])
    shown = str(message["blocks"])
    assert "*Approve* e-mails *Jane Doe, VP Engineering* (jane@acme.example) on your behalf" in shown
    assert "30 minutes with a banking peer?" in shown
    assert list(buttons(message)) == ["Approve", "Preview", "I'll ask them myself", "Decline"]

    # Preview: the e-mail as Jane will read it, with a line of the owner's own
    click(mail_server, emulator, owner, message, "Preview", block_id="decision")
    view = opened_view(slack, 2)
    inputs = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert inputs == ["Advocate", "A line from you"]
    preview = str(view["blocks"])
    assert "Olivia Owner (Northwind): 30 minutes with a banking peer?" in preview
    assert "Contoso Bank" in preview and "Big Bank renewal" not in preview and "Initech" not in preview
    jane = str(program.advocates["Jane Doe"])
    values = {
        "advocate": {"value": {"type": "static_select", "selected_option": {"value": jane}}},
        "line": {"value": text(LINE)},
    }
    assert mail_server.interact(view_submission(owner, view, values)).status == 200
    assert program.wait_balance("Acme Corp", 3) == 3, "3 given, 3 spent on the ask"

    mail = the_mail(mailbox, 1, "30 minutes with a banking peer?")
    sender, reply_to = mail["From"].addresses[0], mail["Reply-To"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("Olivia Owner (Northwind)", "refdesk@example.com")
    assert (reply_to.display_name, reply_to.addr_spec) == ("Olivia Owner", "olivia@example.com")
    assert str(mail["Subject"]) == "Olivia Owner (Northwind): 30 minutes with a banking peer?"
    body, html = text_part(mail).replace("\r\n", "\n"), html_part(mail)
    for part in (body, html):
        assert "Northwind" in part and "Olivia Owner" in part and "Contoso Bank" in part
        assert "Big Bank renewal" not in part, "the opportunity's name is the CRM's"
        assert "Initech" not in part and "400k" not in part, "the context is internal"
        assert "Reference Desk" not in part and not re.search(r"\bpoints?\b", part)
    assert LINE in body and TOPIC in body
    assert (
        f"What Northwind did for Acme Corp in the last 12 months:\n- {gave.day} {gave:%B %Y}: Early access"
        in body
    )
    assert "Olivia Owner\nCustomer Success Manager, Northwind" in body
    assert "Alice Seller (Account Executive) will get your contact details" in body
    print("\n--- the e-mail as the customer receives it ---\n" + body)

    page = tmp_path / "ask-email.html"
    page.write_text(html, encoding="utf-8")
    browser.get(page.as_uri())
    screenshot(browser, "ask-email.png")

    # nobody approaches the customer before their yes: no address in the requester's DMs
    before = emulator.wait_for_dms(requester, 2)
    no_address(before, "jane@acme.example")
    approved = next(m for m in before if "was approved" in m["text"])
    assert "was e-mailed" in str(approved["blocks"]) and "please don't contact them before" in str(
        approved["blocks"]
    )
    print(
        "\n--- the requester's DM before the yes ---\n"
        + "\n".join(b["text"]["text"] for b in approved["blocks"] if "text" in b)
    )

    link = ANSWER_LINK.search(body)
    assert link is not None
    browser.get(link[0])
    page_ok(browser.page_source)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Jane Doe, 30 minutes with a banking peer?"
    assert (
        LINE in browser.page_source and "Read by Olivia Owner and Alice Seller only." in browser.page_source
    )
    screenshot(browser, "answer-page.png")
    browser.find_element(By.CSS_SELECTOR, "label[for='answer-yes']").click()
    browser.find_element(By.ID, "note").send_keys(NOTE)
    browser.find_element(By.ID, "times").send_keys(TIMES)
    browser.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
    wait_for_heading(browser, "Thank you, Jane Doe")
    page_ok(browser.page_source)
    assert "Alice Seller (Account Executive) now has your contact details" in browser.page_source
    screenshot(browser, "answered-page.png")

    [told] = dms_with(emulator, requester, "Yes, happy to help")
    assert_valid_message_blocks(told["blocks"])
    said = "\n".join(b["text"]["text"] for b in told["blocks"] if "text" in b)
    assert "*Contact:* Jane Doe <mailto:jane@acme.example|jane@acme.example>" in said
    assert f"*Times that suit:* {TIMES}" in said and f"*Note:* {NOTE}" in said
    assert "*Next step:* Send an invitation for one of the times that suit, and brief them" in said
    print("\n--- the requester's DM after the yes ---\n" + said)
    time.sleep(1)
    with_address = [m for m in emulator.dms(requester) if "jane@acme.example" in str(m)]
    assert len(with_address) == 1, "the contact, once"
    # the approval DM is rewritten: the customer confirmed
    assert "🤝 Confirmed by Jane Doe" in str(emulator.dms(requester))


def test_someone_else_would_be_better_reaches_the_owner(
    mail_server: RefdeskServer,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
    mailbox: Mailbox,
    browser: Any,
) -> None:
    requester, owner = emulator.ids["requester"], emulator.ids["owner2"]
    ask_for(mail_server, emulator, slack, program, "Globex", "Gina Lopez")
    approve_at_once(mail_server, emulator, "owner2")
    mail = the_mail(mailbox, 1, "Oscar Owner (Northwind)")
    link = ANSWER_LINK.search(text_part(mail))
    assert link is not None

    browser.get(link[0])
    browser.find_element(By.CSS_SELECTOR, "label[for='answer-someone_else']").click()
    browser.find_element(By.ID, "colleague_name").send_keys("Wendy Wong")
    browser.find_element(By.ID, "colleague_title").send_keys("VP Finance")
    browser.find_element(By.ID, "colleague_email").send_keys("wendy@globex")
    browser.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
    WebDriverWait(browser, 10).until(lambda d: "Give their e-mail address" in d.page_source)
    page_ok(browser.page_source)
    assert browser.find_element(By.ID, "colleague_name").get_attribute("value") == "Wendy Wong", (
        "kept as typed"
    )
    email = browser.find_element(By.ID, "colleague_email")
    email.clear()
    email.send_keys("wendy@globex.example")
    browser.find_element(By.CSS_SELECTOR, "label[for='answer-someone_else']").click()
    browser.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
    wait_for_heading(browser, "Thank you, Gina Lopez")
    assert "we passed Wendy Wong's details to Oscar Owner" in browser.page_source

    [named] = dms_with(emulator, owner, "suggests Wendy Wong instead")
    assert_valid_message_blocks(named["blocks"])
    assert "*Wendy Wong*, VP Finance · <mailto:wendy@globex.example|wendy@globex.example>" in str(
        named["blocks"]
    )
    assert dms_with(emulator, requester, "Someone else would be better")
    no_address(emulator.dms(requester), "wendy@globex.example")
    assert program.wait_balance("Globex", 3) == 3, "the customer's no gives the points back"

    # the owner's Nominate: the nomination modal with what Gina said; the owner's own nomination
    # invites Wendy at once, in the owner's name
    click(mail_server, emulator, owner, named, "Nominate", block_id="nominate")
    view = opened_view(slack, 2)
    state = {
        block["block_id"]: {block["element"]["action_id"]: _as_typed(block["element"])}
        for block in view["blocks"]
        if block["type"] == "input"
    }
    assert state["name"]["value"]["value"] == "Wendy Wong" and "Gina Lopez named them" in str(state)
    assert mail_server.interact(view_submission(owner, view, state)).status == 200
    [invitation] = [m for m in mailbox.wait_for(2) if "wendy@globex.example" in str(m["To"])]
    assert "Oscar Owner" in str(invitation["From"]) and "Gina Lopez named them" in text_part(invitation)


def _as_typed(element: dict[str, Any]) -> dict[str, Any]:
    """A modal input's state as Slack sends it when nothing was changed: its initial value."""
    if "initial_option" in element:
        return {"type": element["type"], "selected_option": element["initial_option"]}
    return {"type": element["type"], "value": element.get("initial_value")}


def test_not_for_3_months_shows_its_date_and_blocks_the_next_ask_until_then(
    mail_server: RefdeskServer,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
    mailbox: Mailbox,
) -> None:
    owner = emulator.ids["owner"]
    ask_for(mail_server, emulator, slack, program, "Acme Corp", "Jane Doe")
    approve_at_once(mail_server, emulator, "owner")
    url = ANSWER_LINK.search(text_part(the_mail(mailbox, 1, "banking peer")))[0]  # type: ignore[index]
    answered = post_form(url, {"csrf": csrf_of(http("GET", url).body), "answer": "not_for_3_months"})
    rest = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=90)
    assert answered.status == 200 and html_check.problems(answered.body) == []
    assert f"we will not ask you again before {rest.day} {rest:%B %Y}" in answered.body
    assert program.wait_balance("Acme Corp", 3) == 3

    program.adjust("Acme Corp", 20, emulator.ids["admin"])
    ask_for(mail_server, emulator, slack, program, "Acme Corp", "Jane Doe")
    # the new decision DM: the balance the admin's adjustment left (the first DM is rewritten with
    # its outcome, maybe not yet: the sender owes it beside the new one)
    new = "23 points now"
    [blocked] = wait_until(lambda: [m for m in emulator.dms(owner) if new in str(m["blocks"])], bool, 30)
    shown = str(blocked["blocks"])
    assert "⛔ Jane Doe asked not to be asked for 3 months (until <!date^" in shown
    assert "Approve" not in buttons(blocked)


def test_withdraw_tells_the_advocate_once_and_a_yes_after_it_gets_a_clear_page(
    mail_server: RefdeskServer,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
    mailbox: Mailbox,
    sink: ResponseSink,
) -> None:
    requester, owner = emulator.ids["requester"], emulator.ids["owner"]
    ask_for(mail_server, emulator, slack, program, "Acme Corp", "Jane Doe")
    approve_at_once(mail_server, emulator, "owner")
    url = ANSWER_LINK.search(text_part(the_mail(mailbox, 1, "banking peer")))[0]  # type: ignore[index]
    csrf = csrf_of(http("GET", url).body)
    assert program.wait_balance("Acme Corp", 0) == 0

    [approved] = dms_with(emulator, requester, "was approved")
    for _ in range(2):  # clicked twice
        click(
            mail_server,
            emulator,
            requester,
            approved,
            "Withdraw",
            block_id="withdraw",
            response_url=sink.new_url(),
        )

    gone = the_mail(mailbox, 2, "no longer needed")
    assert "no longer needed" in text_part(gone) and "Thank you for being willing" in text_part(gone)
    time.sleep(1.5)
    assert sum("no longer needed" in str(m["Subject"]) for m in mailbox.messages) == 1, "once"
    assert program.wait_balance("Acme Corp", 3) == 3, "the debit reversed, once"
    assert dms_with(emulator, owner, "the ask was withdrawn")
    deadline = time.monotonic() + 10
    while (
        "Withdraw" in buttons(dms_with(emulator, requester, "was approved")[0])
        and time.monotonic() < deadline
    ):
        time.sleep(0.2)
    rewritten = dms_with(emulator, requester, "was approved")[0]
    assert "Withdraw" not in buttons(rewritten), "the approval DM is rewritten without it"
    assert "Withdrawn by the requester" in str(rewritten["blocks"])

    late = post_form(url, {"csrf": csrf, "answer": "yes"})
    assert late.status == 409 and "This ask is no longer needed" in late.body
    assert html_check.problems(late.body) == []
    assert program.balance("Acme Corp") == 3
    assert run_cli(mail_server.env, "deliveries", "--failed").stdout.count("withdrawn") == 0


def test_the_digest_thanks_only_the_advocate_who_said_yes_and_shows_the_funnel(
    mail_server: RefdeskServer,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
    mailbox: Mailbox,
    env: dict[str, str],
    mail_env: dict[str, str],
) -> None:
    ask_for(mail_server, emulator, slack, program, "Acme Corp", "Jane Doe")
    approve_at_once(mail_server, emulator, "owner")
    ask_for(mail_server, emulator, slack, program, "Globex", "Gina Lopez")
    approve_at_once(mail_server, emulator, "owner2")
    mails = mailbox.wait_for(2)
    links = {m["To"].addresses[0].display_name: ANSWER_LINK.search(text_part(m))[0] for m in mails}  # type: ignore[index]
    jane = links["Jane Doe"]
    assert post_form(jane, {"csrf": csrf_of(http("GET", jane).body), "answer": "yes"}).status == 200
    assert latest_request(program) == 2

    next_week = dt.datetime.now(dt.UTC) + dt.timedelta(days=7)
    jobs_env = {**env, **mail_env}
    assert "claimed" in jobs_run(jobs_env, "digest", next_week)
    [digest] = [m for m in emulator.history(emulator.ids["channel"]) if "Reference program" in m["text"]]
    assert_valid_message_blocks(digest["blocks"])
    sections = [b["text"]["text"] for b in digest["blocks"] if b["type"] == "section" and "text" in b]
    [thanks] = [t for t in sections if "Customers who said yes or helped this week" in t]
    assert thanks.splitlines()[1:] == ["• Jane Doe (Acme Corp) — Reference call with a prospect"]
    [funnel] = [t for t in sections if "The customer's side this week" in t]
    assert "• Asked 2 · answered 1 · yes 1 · done 0" in funnel
    assert "• Answers: Yes, happy to help 1" in funnel
    assert "• Unanswered after 5 days: 1 ask" in funnel, "Gina's, a week old"
    print("\n--- the digest's funnel lines ---\n" + funnel)
    assert urllib.parse.urlsplit(jane).path.split("/")[2] not in ("1", "2"), "an opaque id in the link"
