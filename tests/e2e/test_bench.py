"""Growing the bench end to end: the real `refdesk serve`, the Slack emulator, a real SMTP server on
loopback (aiosmtpd) and a real headless Chromium.

A seller nominates → the owner invites → the e-mail arrives → its link opens in Chromium →
**Join the program** → the new advocate is offered in the request modal at once; an approved ask
e-mails them with their page linked; they set dates not to ask covering next week → a request for
them is ⛔ with the dates; **Remove me** → their name is nowhere in the database, a re-import of
the advocates CSV does not bring them back, the balance has not moved. And the refusals: a
tampered or expired link, a form without its CSRF field, an unknown address on the lost-link page.
Each page passes the HTML check and is saved as a screenshot in `docs/`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from pathlib import Path
from typing import Any

from itsdangerous import URLSafeTimedSerializer
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait
from sqlalchemy import String, Text, func, select

from store.models import Advocate, Base, LedgerEntry
from tests.e2e.conftest import LINK_SECRET
from tests.e2e.test_ask_and_decide import ask, buttons, click, open_modal
from tests.e2e.test_customer_say import MonthOldSigner, csrf_of, page_ok, post_form
from tests.e2e.test_giveback_and_followups import dms_with
from tests.support.blockkit import assert_valid_message_blocks, assert_valid_view
from tests.support.browser import wait_for_heading
from tests.support.emulator import Emulator
from tests.support.mailbox import Mailbox, html_part, text_part
from tests.support.payloads import block_actions, text, view_submission
from tests.support.payloads import select as chosen
from tests.support.program import ADVOCATES_CSV, Program
from tests.support.response_sink import ResponseSink
from tests.support.server import RefdeskServer, http, run_cli
from tests.support.slack_proxy import SlackProxy

DOCS = Path(__file__).resolve().parents[2] / "docs"
JOIN_LINK = re.compile(r"http://127\.0\.0\.1:\d+/join/[A-Za-z0-9_\-]{20,40}/[A-Za-z0-9_.\-]+")
PAGE_LINK = re.compile(r"http://127\.0\.0\.1:\d+/me/[A-Za-z0-9_\-]{20,40}/[A-Za-z0-9_.\-]+")
HANK = "hank@acme.example"


def screenshot(driver: Any, name: str) -> None:
    """The whole page at phone width, into docs/ (a person looks at it)."""
    driver.set_window_size(420, 600)
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(420, min(max(height + 40, 600), 4000))
    path = DOCS / name
    assert driver.save_screenshot(str(path)) and path.stat().st_size > 10_000
    driver.set_window_size(420, 1400)


def nominate(server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program) -> None:
    seller = emulator.ids["requester"]
    view = open_modal(server, emulator, slack, seller, "nominate acme")
    assert [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"] == [
        "Account",
        "Name",
        "Title",
        "E-mail",
        "Why them",
        "Activities they might do",
    ]
    activities = {
        "type": "multi_static_select",
        "selected_options": [{"value": "reference_call"}, {"value": "quote"}],
    }
    values = {
        "account": {"account": chosen(str(program.accounts["Acme Corp"]))},
        "name": {"value": text("Hank Hill")},
        "title": {"value": text("Head of Ops")},
        "email": {"value": text("Hank@Acme.example")},
        "why": {"value": text("Ran our rollout across 40 stores")},
        "activities": {"value": activities},
    }
    reply = server.interact(view_submission(seller, view, values))
    assert reply.status == 200 and reply.json()["response_action"] == "update", reply
    assert_valid_view(reply.json()["view"])


def request_modal_names(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program
) -> list[str]:
    """The advocates the request modal offers for a reference call at Acme Corp."""
    user = emulator.ids["requester"]
    view = open_modal(server, emulator, slack, user)
    acme = str(program.accounts["Acme Corp"])
    state = {
        **view,
        "state": {
            "values": {
                "account": {"account": chosen(acme)},
                "activity": {"activity": chosen("reference_call")},
            }
        },
    }
    before = len(slack.calls_to("views.update"))
    payload = block_actions(user, "account", view=state, selected_option={"value": acme}, block_id="account")
    assert server.interact(payload).status == 200
    updated = slack.wait_for("views.update", count=before + 1)
    assert_valid_view(updated[-1].args["view"])
    block = next(
        b for b in updated[-1].args["view"]["blocks"] if str(b.get("block_id", "")).startswith("advocate")
    )
    return [o["text"]["text"] for o in block["element"]["options"]]


def every_text(program: Program) -> str:
    """Every text value of every table of the database, one blob."""
    values: list[str] = []
    db = program.database()
    try:
        with db.transaction() as session:
            for table in Base.metadata.sorted_tables:
                columns = [c for c in table.columns if isinstance(c.type, String | Text) or c.name == "data"]
                for row in session.execute(select(*columns)) if columns else []:
                    values += [json.dumps(v) if isinstance(v, dict) else str(v) for v in row if v is not None]
    finally:
        db.dispose()
    return "\n".join(values)


def ledger_rows(program: Program) -> int:
    db = program.database()
    try:
        with db.transaction() as session:
            return int(session.scalar(select(func.count()).select_from(LedgerEntry)) or 0)
    finally:
        db.dispose()


def next_week() -> tuple[dt.date, dt.date]:
    monday = dt.date.today() + dt.timedelta(days=7 - dt.date.today().weekday())
    return monday, monday + dt.timedelta(days=6)


def test_a_nominated_contact_joins_is_asked_sets_dates_off_and_is_removed(
    mail_server: RefdeskServer,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
    sink: ResponseSink,
    mailbox: Mailbox,
    browser: Any,
    env: dict[str, str],
    mail_env: dict[str, str],
    tmp_path: Path,
) -> None:
    seller, owner = emulator.ids["requester"], emulator.ids["owner"]
    nominate(mail_server, emulator, slack, program)

    [decision] = dms_with(emulator, owner, "Nomination: Hank Hill")
    assert_valid_message_blocks(decision["blocks"])
    assert set(buttons(decision)) == {"Invite them", "Not now"}
    click(mail_server, emulator, owner, "nomination_invite", buttons(decision)["Invite them"], sink, decision)
    assert dms_with(emulator, seller, "is invited to join the program"), mail_server.log()

    [invitation] = mailbox.wait_for(1)
    assert invitation["To"].addresses[0].addr_spec == HANK
    sender, reply_to = invitation["From"].addresses[0], invitation["Reply-To"].addresses[0]
    assert sender.display_name == "Olivia Owner (Northwind)", "from the owner, at the company"
    assert (reply_to.display_name, reply_to.addr_spec) == ("Olivia Owner", "olivia@example.com")
    assert "Reference Desk" not in text_part(invitation) + html_part(invitation)
    url = JOIN_LINK.search(text_part(invitation))[0]  # type: ignore[index]
    assert url in html_part(invitation) and "No, thanks" in text_part(invitation)
    mail_file = tmp_path / "invitation.html"
    mail_file.write_text(html_part(invitation), encoding="utf-8")
    browser.get(mail_file.as_uri())
    screenshot(browser, "invitation-mail.png")

    browser.get(url)
    page_ok(browser.page_source)
    assert browser.find_element(By.ID, "do_quote").is_selected(), "what the nominator suggested comes ticked"
    screenshot(browser, "join-page.png")
    browser.find_element(By.CSS_SELECTOR, "label[for='do_logo']").click()
    browser.find_element(By.CSS_SELECTOR, "button[value='join']").click()
    wait_for_heading(browser, "Welcome, Hank Hill")
    page_ok(browser.page_source)
    assert dms_with(emulator, seller, "Hank Hill joined the program")
    assert dms_with(emulator, owner, "Hank Hill joined the program")
    assert "Hank Hill, Head of Ops" in request_modal_names(mail_server, emulator, slack, program)
    browser.find_element(By.LINK_TEXT, "Open your page").click()
    wait_for_heading(browser, "Hank Hill, your page")

    # an approved ask e-mails them, with their page and how to stop at the end
    hank = advocate_id(program, HANK)
    assert hank is not None
    ask(
        mail_server,
        emulator,
        slack,
        program.accounts["Acme Corp"],
        activity="quote",
        advocate=(f"advocate:{program.accounts['Acme Corp']}:quote", hank),
    )
    message = dms_with(emulator, owner, "Reference request")[-1]
    click(mail_server, emulator, owner, "approve", buttons(message)["Approve"], sink, message)
    assert program.wait_balance("Acme Corp", 1) == 1
    ask_mail = mailbox.wait_for(2)[1]
    assert PAGE_LINK.search(text_part(ask_mail)) and "Remove me" in text_part(ask_mail)
    assert "Remove me" in html_part(ask_mail)

    # their page, from the e-mail's footer: dates not to ask covering next week
    browser.get(PAGE_LINK.search(text_part(ask_mail))[0])  # type: ignore[index]
    page_ok(browser.page_source)
    starts, ends = next_week()
    for field, day in (("off_from", starts), ("off_to", ends)):
        browser.execute_script(f"document.getElementById('{field}').value = '{day.isoformat()}'")
    browser.find_element(By.ID, "off_why").send_keys("year-end close")
    browser.find_element(By.XPATH, "//button[text()='Save']").click()
    WebDriverWait(browser, 10).until(lambda d: "Saved. It applies from now on." in d.page_source)
    page_ok(browser.page_source)
    screenshot(browser, "advocate-page.png")

    ask(
        mail_server,
        emulator,
        slack,
        program.accounts["Acme Corp"],
        advocate=(f"advocate:{program.accounts['Acme Corp']}:reference_call", hank),
        needed_by=(starts + dt.timedelta(days=2)).isoformat(),
    )
    blocked = dms_with(emulator, owner, "Reference request", count=2)[-1]
    assert_valid_message_blocks(blocked["blocks"])
    shown = json.dumps(blocked["blocks"], ensure_ascii=False)
    # the checklist's dates reach Slack as date tokens, each reader's own format
    day = r"<!date\^\d+\^\{date_short_pretty\}\|%s>"
    assert re.search(
        "⛔ Hank Hill asked not to be asked "
        + day % re.escape(f"{starts.day} {starts:%b %Y}")
        + " to "
        + day % re.escape(f"{ends.day} {ends:%b %Y}")
        + re.escape(" (year-end close)."),
        shown,
    ), shown
    assert "Approve" not in buttons(blocked), "a ⛔ leaves the owner only Decline"

    # Remove me: the name is nowhere, the balance has not moved, a re-import does not bring them back
    balance, entries = program.balance("Acme Corp"), ledger_rows(program)
    browser.find_element(By.CSS_SELECTOR, "label[for='confirm']").click()
    browser.find_element(By.XPATH, "//button[text()='Remove me']").click()
    wait_for_heading(browser, "You have been removed")
    page_ok(browser.page_source)
    assert dms_with(emulator, owner, "At their request, we removed an advocate of Acme Corp")
    # every Slack message that named them is rewritten: the nomination's card and news, the asks
    assert naming(emulator, (seller, owner), "Hank Hill") == []
    everything = every_text(program)
    assert "Hank Hill" not in everything and HANK not in everything  # (Hank Moe of Hooli stays)
    assert (program.balance("Acme Corp"), ledger_rows(program)) == (balance, entries)
    advocates = tmp_path / "advocates-again.csv"
    advocates.write_text(ADVOCATES_CSV + "A-1,Hank Hill,Head of Ops,hank@acme.example,reference_call\n")
    again = run_cli({**env, **mail_env}, "import", "advocates", str(advocates))
    assert again.returncode == 0, again.stderr
    assert "line 6: skipped: this person asked to be removed from the program" in again.stderr
    assert advocate_id(program, HANK) is None and "Hank Hill" not in every_text(program)
    assert "Hank Hill" not in " ".join(request_modal_names(mail_server, emulator, slack, program))
    assert "Traceback" not in mail_server.log()


def naming(emulator: Emulator, users: tuple[str, ...], name: str, timeout: float = 20) -> list[str]:
    """The notification texts of the DMs with `users` that still show `name`, once the rewrites
    had `timeout` seconds to land."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m.get("text", "") for u in users for m in emulator.dms(u) if name in json.dumps(m)]
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def advocate_id(program: Program, address: str) -> int | None:
    db = program.database()
    try:
        with db.transaction() as session:
            return session.scalar(select(Advocate.id).where(Advocate.email == address))
    finally:
        db.dispose()


def test_bad_links_forms_and_addresses_get_a_clear_page_and_a_lost_link_is_mailed_again(
    mail_server: RefdeskServer,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
    sink: ResponseSink,
    mailbox: Mailbox,
    browser: Any,
) -> None:
    jane = program.advocates["Jane Doe"]
    base = mail_server.url
    lost = http("GET", f"{base}/link")
    assert lost.status == 200
    page_ok(lost.body)
    browser.get(f"{base}/link")
    screenshot(browser, "lost-link-page.png")

    known = post_form(f"{base}/link", {"csrf": csrf_of(lost.body), "email": "JANE@acme.example"})
    unknown = post_form(f"{base}/link", {"csrf": csrf_of(lost.body), "email": "nobody@acme.example"})
    forged = post_form(f"{base}/link", {"email": "jane@acme.example"})

    assert known.status == unknown.status == 200
    assert known.body.replace("JANE@acme.example", "X") == unknown.body.replace("nobody@acme.example", "X")
    page_ok(known.body)
    assert forged.status == 403 and "This form has expired" in forged.body
    [fresh] = mailbox.wait_for(1)
    assert fresh["To"].addresses[0].addr_spec == "jane@acme.example"
    url = PAGE_LINK.search(text_part(fresh))[0]  # type: ignore[index]
    time.sleep(1)
    assert len(mailbox.messages) == 1, "nothing is mailed to an unknown address"
    again = post_form(f"{base}/link", {"csrf": csrf_of(lost.body), "email": "jane@acme.example"})
    assert again.status == 200 and again.body == known.body.replace("JANE@acme.example", "jane@acme.example")
    time.sleep(1)
    assert len(mailbox.messages) == 1, "one e-mail an hour at most"

    mine = http("GET", url)
    assert mine.status == 200 and "Jane Doe, your page" in mine.body
    page_ok(mine.body)
    prefix, advocate, token = url.rsplit("/", 2)
    tampered = http("GET", f"{prefix}/{advocate}/{token[:-2]}{'AB' if token[-2:] != 'AB' else 'CD'}")
    someone_else = http("GET", f"{prefix}/{program.advocates['Sam Roe']}/{token}")
    old = URLSafeTimedSerializer(LINK_SECRET, salt="refdesk.link.me", signer=MonthOldSigner)
    expired = http("GET", f"{prefix}/{jane}/{old.dumps({'request': jane})}")
    no_csrf = post_form(url, {"do": "remove", "confirm": "yes"})
    assert (tampered.status, someone_else.status, no_csrf.status) == (403, 403, 403)
    assert expired.status == 410 and f'href="{base}/link"' in expired.body
    for reply in (tampered, someone_else, expired, no_csrf):
        page_ok(reply.body)
    assert advocate_id(program, "jane@acme.example") == jane, "no refused form changed anything"
    assert "Traceback" not in mail_server.log()
