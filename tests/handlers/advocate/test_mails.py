"""The outbox's e-mails sent by SMTP to a real server on loopback (aiosmtpd): sent once with a
Message-ID derived from the delivery key, from the owner's name at the program's address with
replies to the owner, retried when the server is unreachable (or Slack cannot say who the owner is
yet), and given up on (the owner asked instead) when the server refuses the address. The e-mail
and the page name the prospect company only when the requester ticked it, and never the
opportunity's name nor the internal context."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from slack_sdk import WebClient
from sqlalchemy import event, select

from handlers.advocate.pages import ANSWER, advocate_site
from handlers.kit.desk import Desk
from handlers.kit.links import Links
from handlers.kit.people import People
from handlers.outbox.pacing import Pacer
from handlers.outbox.sender import deliver
from handlers.outbox.smtp import Mailer, SmtpServer, message_id
from handlers.routes import ROUTES
from store.act import Act
from store.customer import ask_view, consent
from store.db import Database
from store.models import Account, Advocate, Delivery, DeliveryStatus
from store.outbox import queue
from store.requests import asking, deciding
from store.requests.asking import Draft
from store.rules.policy import Policy, load_policy
from tests.support import html_check, store_seed
from tests.support.database import open_database
from tests.support.mailbox import Mailbox, text_part
from tests.support.postgres import free_port
from tests.support.slack_recorder import SlackRecorder
from tests.support.wsgi import get

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
OWNER, SELLER = "U0OWNER01", "U0SELLER1"
SENDER = "refdesk@example.com"
OLIVIA = ("Olivia Owner", "Customer Success Manager", "olivia@x.example")
ALICE = ("Alice Seller", "Account Executive", "alice@x.example")


class _Refuse:
    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        return "550 5.1.1 no such mailbox"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{tmp_path / 'refdesk.db'}")
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def slack() -> Iterator[SlackRecorder]:
    """Slack's Web API on loopback: who the owner and the requester are (`users.info`)."""
    recorder = SlackRecorder()
    recorder.people = {OWNER: OLIVIA, SELLER: ALICE}
    yield recorder
    recorder.close()


def approved(db: Database, policy: Policy, **prospect: Any) -> int:
    with db.transaction() as session:
        acme = store_seed.account(
            session, "Acme Corp", "Banking", owner_slack_id=OWNER, owner_email="o@x.example"
        )
        jane = store_seed.advocate(session, acme, "Jane Doe", "reference_call")
        session.get_one(Advocate, jane).email = "jane@acme.example"
    submitted = asking.submit(
        db,
        policy,
        Draft(account_id=acme, activity="reference_call", advocate_id=jane, **prospect),
        Act(SELLER, frozenset(), NOW, NOW.date()),
        source_key="view:1",
    )
    deciding.decide(
        db,
        policy,
        submitted.request_id,
        Act(OWNER, frozenset(), NOW, NOW.date()),
        approve=True,
        consent_mode=consent.EMAIL,
    )
    return submitted.request_id


def desk_for(db: Database, policy: Policy, port: int, slack: SlackRecorder | None = None) -> Desk:
    """The desk of a program that mails; Slack is the recorder when given (who people are), else
    unreachable (what a fallback owes there stays owed)."""
    api = slack.api_url if slack is not None else "http://127.0.0.1:1/api/"
    client = WebClient(token="xoxb-test", base_url=api, retry_handlers=[])
    return Desk(
        db=db,
        policy=policy,
        clock=lambda: NOW,
        mailer=Mailer(SmtpServer("127.0.0.1", port, "smtp"), SENDER, timeout=5),
        links=Links("test-secret", "https://refdesk.example.com", dt.timedelta(days=30)),
        routes=ROUTES,
        client=client,
        people=People(client) if slack is not None else None,
        company="Northwind",
        privacy_url="https://northwind.example/privacy",
    )


def row(db: Database, key: str) -> Delivery:
    with db.transaction() as session:
        return session.scalars(select(Delivery).where(Delivery.key == key)).one()


def send(desk: Desk, key: str) -> bool:
    """Send one owed e-mail through the sender, as `refdesk serve` does; True when it went."""
    return deliver(desk, [key]) == 1


def test_the_ask_is_mailed_once_from_the_owner_with_its_message_id(
    db: Database, slack: SlackRecorder
) -> None:
    policy = load_policy()
    rid = approved(db, policy, prospect_industry="Retail")
    box = Mailbox().start()
    try:
        desk = desk_for(db, policy, box.port, slack)
        assert send(desk, f"consent-mail:{rid}")
        assert queue.claim_due(db, NOW, keys=[f"consent-mail:{rid}"]) == []
        [mail] = box.wait_for(1)
    finally:
        box.stop()
    assert mail["Message-ID"] == message_id(f"consent-mail:{rid}", SENDER)
    assert mail.is_multipart()
    [sender], [reply_to] = mail["From"].addresses, mail["Reply-To"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Olivia Owner (Northwind)", "refdesk@example.com")
    assert (reply_to.display_name, reply_to.addr_spec) == ("Olivia Owner", "olivia@x.example")
    assert mail["Subject"] == "Olivia Owner (Northwind): 30 minutes with a retail peer?"
    text = text_part(mail).replace("\r\n", "\n")
    public_id = ask_view.view(db, policy, rid, NOW.date()).public_id
    assert f"https://refdesk.example.com/answer/{public_id}/" in text
    assert f"/answer/{rid}/" not in text, "no sequential id in a link"
    assert "Olivia Owner\nCustomer Success Manager, Northwind" in text
    assert "Alice Seller (Account Executive) will get your contact details" in text
    assert "How we handle your details: https://northwind.example/privacy" in text
    assert "Reference Desk" not in text and "o@x.example" not in text
    assert row(db, f"consent-mail:{rid}").status == DeliveryStatus.SENT


def test_the_ask_waits_while_slack_cannot_say_who_the_owner_is(db: Database) -> None:
    policy = load_policy()
    rid = approved(db, policy)
    down = Desk(
        **{
            **desk_for(db, policy, free_port()).__dict__,
            "people": People(
                WebClient(token="xoxb-test", base_url="http://127.0.0.1:1/api/", retry_handlers=[])
            ),
        }
    )
    assert not send(down, f"consent-mail:{rid}")
    owed = row(db, f"consent-mail:{rid}")
    assert owed.status == DeliveryStatus.PENDING and "Slack cannot say who" in (owed.last_error or "")


@pytest.mark.parametrize("shared", [True, False])
def test_the_prospect_company_is_in_the_e_mail_only_when_the_requester_ticked_it(
    db: Database, slack: SlackRecorder, shared: bool
) -> None:
    policy = load_policy()
    rid = approved(
        db,
        policy,
        opportunity_name="Globex core banking expansion",
        prospect_company="Globex",
        prospect_industry="Retail",
        prospect_name_shared=shared,
        topic="How the rollout went across 40 stores",
        context="Competing with Initech; amount 1.2M",
    )
    box = Mailbox().start()
    desk = desk_for(db, policy, box.port, slack)
    try:
        assert send(desk, f"consent-mail:{rid}")
        [mail] = box.wait_for(1)
    finally:
        box.stop()
    html = next(part for part in mail.walk() if part.get_content_type() == "text/html").get_content()
    text = " ".join(text_part(mail).split())
    public_id = ask_view.view(db, policy, rid, NOW.date()).public_id
    path = urllib.parse.urlsplit(ANSWER.url(desk.links, public_id)).path  # type: ignore[arg-type]
    status, page = get(advocate_site(desk), path)
    assert status == 200 and html_check.problems(page) == []
    for shown in (text, html, page):
        assert "How the rollout went across 40 stores" in shown, "the topic is written for the customer"
        assert "core banking expansion" not in shown, "the opportunity's name is the CRM's"
        assert "Initech" not in shown and "1.2M" not in shown, "the context is internal"
    if shared:
        assert "Who is asking: Globex, in Retail" in text
        assert "Globex, in Retail" in html and "Globex, in Retail" in page
    else:
        assert "Who is asking: a company in Retail" in text
        assert all("Globex" not in shown for shown in (text, html, page))


def test_an_unreachable_mail_server_is_retried_later(db: Database) -> None:
    policy = load_policy()
    rid = approved(db, policy)
    assert not send(desk_for(db, policy, free_port()), f"consent-mail:{rid}")
    owed = row(db, f"consent-mail:{rid}")
    assert owed.status == DeliveryStatus.PENDING and "unreachable" in (owed.last_error or "")


def test_a_refused_address_is_given_up_on_and_the_owner_asked_instead(db: Database) -> None:
    policy = load_policy()
    rid = approved(db, policy)
    port = free_port()
    controller = Controller(_Refuse(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert not send(desk_for(db, policy, port), f"consent-mail:{rid}")
    finally:
        controller.stop()
    assert row(db, f"consent-mail:{rid}").status == DeliveryStatus.FAILED
    assert row(db, f"consent-remind:{rid}").recipient == OWNER


class _Greylist:
    """Refuses each recipient the first time with 450, as a greylisting server treats a new sender."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.box: list[Any] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address not in self.seen:
            self.seen.add(address)
            return "450 4.2.0 greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.box.append(envelope)
        return "250 OK"


def test_a_temporary_refusal_at_rcpt_is_retried_and_goes_through(db: Database) -> None:
    policy = load_policy()
    rid = approved(db, policy)
    port = free_port()
    greylist = _Greylist()
    controller = Controller(greylist, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        desk = desk_for(db, policy, port)
        assert not send(desk, f"consent-mail:{rid}")
        owed = row(db, f"consent-mail:{rid}")
        assert (owed.status, owed.last_error) == (DeliveryStatus.PENDING, "mail server answered 450")
        later = desk_for(db, policy, port)
        later.clock = lambda: NOW + dt.timedelta(minutes=1)
        assert send(later, f"consent-mail:{rid}")
    finally:
        controller.stop()
    assert row(db, f"consent-mail:{rid}").status == DeliveryStatus.SENT
    assert len(greylist.box) == 1
    with db.transaction() as session:
        assert (
            session.scalars(select(Delivery).where(Delivery.key == f"consent-remind:{rid}")).first() is None
        )


@pytest.mark.parametrize("address", ["a,b@odd.example", "jane@angle.example>", "jöe@acme.example"])
def test_an_address_no_e_mail_can_carry_fails_at_once_and_the_owner_is_asked(
    db: Database, address: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Kept before the import checked it: the first attempt gives up, like a 5xx, without a traceback."""
    policy = load_policy()
    rid = approved(db, policy)
    with db.transaction() as session:
        session.scalars(select(Advocate)).one().email = address
    box = Mailbox().start()
    try:
        assert not send(desk_for(db, policy, box.port), f"consent-mail:{rid}")
    finally:
        box.stop()
    failed = row(db, f"consent-mail:{rid}")
    assert failed.status == DeliveryStatus.FAILED and failed.attempts == 1
    assert (failed.last_error or "").startswith("no e-mail can carry the address: ")
    assert row(db, f"consent-remind:{rid}").recipient == OWNER
    assert box.messages == [] and not [r for r in caplog.records if r.exc_info]


def test_the_owner_is_still_asked_when_the_database_was_locked_as_the_fallback_wrote(db: Database) -> None:
    """An e-mail that can never arrive owes its fallback (the owner asked instead). SQLite locked
    at that moment (a busy answer to the fallback's insert) must not leave the e-mail failed with
    nobody asked: the delivery stays claimed, and once its lease runs out the next pass gives up
    on it again and asks the owner."""
    policy = load_policy()
    rid = approved(db, policy)
    with db.transaction() as session:
        session.scalars(select(Advocate)).one().email = "a,b@odd.example"
    busy = {"left": 1}

    @event.listens_for(db.engine, "before_cursor_execute")
    def locked_once(conn: Any, cursor: Any, statement: str, parameters: Any, *rest: Any) -> None:
        if (
            busy["left"]
            and statement.startswith("INSERT INTO deliveries")
            and "consent-remind" in str(parameters)
        ):
            busy["left"] -= 1
            error = sqlite3.OperationalError("database is locked")
            error.sqlite_errorcode = sqlite3.SQLITE_BUSY  # as SQLite answers a writer it cannot let in
            raise error

    desk = desk_for(db, policy, free_port())
    assert not send(desk, f"consent-mail:{rid}")
    assert busy["left"] == 0
    later = desk_for(db, policy, free_port())
    later.clock = lambda: NOW + desk.lease + dt.timedelta(seconds=1)
    send(later, f"consent-mail:{rid}")

    assert row(db, f"consent-mail:{rid}").status == DeliveryStatus.FAILED
    assert row(db, f"consent-remind:{rid}").recipient == OWNER


def test_an_owner_address_with_a_comma_never_becomes_two_reply_to_addresses(db: Database) -> None:
    policy = load_policy()
    rid = approved(db, policy)
    with db.transaction() as session:
        session.scalars(select(Account)).one().owner_email = "o@x.example,evil@attacker.example"
    box = Mailbox().start()
    try:
        assert send(desk_for(db, policy, box.port), f"consent-mail:{rid}")
        [mail] = box.wait_for(1)
    finally:
        box.stop()
    assert "evil@attacker.example" not in str(mail["Reply-To"] or "")
    assert len(mail.get_all("Reply-To") or []) <= 1


def test_an_e_mail_is_not_held_up_behind_a_post_waiting_for_slack_s_pacing(db: Database) -> None:
    """The requester's channel is booked for the next seconds (a burst of DMs to them): the
    approval's e-mail to the advocate goes out at once, the requester's DM when its slot comes."""
    policy = load_policy()
    rid = approved(db, policy)
    with db.transaction() as session:
        keys = sorted(session.scalars(select(Delivery.key).where(Delivery.request_id == rid)))
    slack = SlackRecorder()
    box = Mailbox().start()
    desk = desk_for(db, policy, box.port)
    desk.client = WebClient(token="xoxb-test", base_url=slack.api_url, retry_handlers=[])
    desk.pacer = Pacer(per_second=10, per_channel_seconds=4, max_wait=10)
    desk.pacer.wait(db, SELLER)  # the slot before this batch's DM to the requester
    sending = threading.Thread(target=deliver, args=(desk, keys))
    try:
        sending.start()
        [mail] = box.wait_for(1, timeout=3)
        posted_before_the_mail = slack.calls_to("chat.postMessage", channel=SELLER)
        sending.join(15)
    finally:
        box.stop()
        slack.close()
    assert mail["To"].addresses[0].addr_spec == "jane@acme.example"
    assert posted_before_the_mail == []
    assert slack.calls_to("chat.postMessage", channel=SELLER), "the DM went out in its slot"
