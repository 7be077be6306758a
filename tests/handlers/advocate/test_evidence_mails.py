"""The advocate's e-mails about their words, sent through the real sender to an SMTP server on
loopback (aiosmtpd): the words an admin drafted, to approve; words about to expire, to renew,
change or withdraw; and the invitation to share a few words in the e-mail after an activity."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from handlers.kit.desk import Desk
from handlers.kit.links import Links
from handlers.outbox.sender import deliver
from handlers.outbox.smtp import Mailer, SmtpServer
from handlers.routes import ROUTES
from store.act import Act
from store.customer import consent
from store.customer.consent import ADVOCATE
from store.db import Database
from store.evidence import approval, capture, expiry, use, view
from store.evidence.approval import Approval
from store.evidence.capture import EvidenceDraft
from store.evidence.use import UseDraft
from store.models import Advocate, Delivery, DeliveryStatus
from store.requests import asking, deciding, followups
from store.requests.asking import Draft
from store.rules.policy import Policy
from tests.support import store_seed as seed
from tests.support.mailbox import Mailbox, html_part, text_part

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
ADMIN = "U0ADMIN01"
HOSTILE = "<b>bold</b> <!channel> & “it” <script>x()</script>"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture
def desk(db: Database, policy: Policy, mailbox: Mailbox) -> Desk:
    return Desk(
        db=db,
        policy=policy,
        clock=lambda: NOW,
        admins=frozenset({ADMIN}),
        mailer=Mailer(
            SmtpServer("127.0.0.1", mailbox.port, "smtp"), "Reference Desk <rd@example.com>", timeout=5
        ),
        links=Links("test-secret", "https://refdesk.example.com", dt.timedelta(days=30)),
        routes=ROUTES,
        # the sender needs a Slack client, though nothing here goes to Slack
        client=WebClient(token="xoxb-test", base_url="http://127.0.0.1:1/api/", retry_handlers=[]),
    )


def acme(db: Database) -> tuple[int, int]:
    with db.transaction() as session:
        account = seed.account(session, "Acme Health", "Healthcare", owner_email="olivia@example.com")
        jane = seed.advocate(session, account, "Jane Roe", "quote")
        person = session.get_one(Advocate, jane)
        person.title, person.email = "CTO", "jane@acme.example"
    return account, jane


def test_words_an_admin_drafted_are_mailed_to_approve_once_and_never_after_they_were(
    desk: Desk, db: Database, policy: Policy, mailbox: Mailbox
) -> None:
    account, jane = acme(db)
    admin = Act(ADMIN, desk.admins, NOW, NOW.date())
    typed = EvidenceDraft(account, jane, "quote", HOSTILE, source="our call on 3 March")
    drafted = capture.draft(db, policy, typed, admin, source_key="view:1")
    assert deliver(desk, list(drafted.delivery_keys)) == 1
    [mail] = mailbox.wait_for(1)
    assert (str(mail["Subject"]), mail["Reply-To"]) == ("May we use your words?", "olivia@example.com")
    assert mail["To"].addresses[0].addr_spec == "jane@acme.example"
    text, html = text_part(mail), html_part(mail)
    public_id = view.item(db, policy, drafted.evidence_id, NOW.date()).public_id
    assert f"https://refdesk.example.com/evidence/{public_id}/" in text
    assert f"/evidence/{drafted.evidence_id}/" not in text, "the link carries an opaque id, not the number"
    assert f'"{HOSTILE}"' in text and "from our call on 3 March" in text
    assert "<script>" not in html and "&lt;script&gt;x()&lt;/script&gt;" in html

    # changed by the admin again, then approved before the e-mail went: nothing left to ask
    changed = capture.edit(db, policy, drafted.evidence_id, EvidenceDraft(None, None, None, "New."), admin)
    approval.approve(
        db,
        policy,
        drafted.evidence_id,
        2,
        Approval(("sales",), "company", 2),
        Act(ADVOCATE, frozenset(), NOW, NOW.date()),
    )
    assert deliver(desk, list(changed.delivery_keys)) == 0
    assert len(mailbox.wait_for(2, timeout=1)) == 1
    with db.transaction() as session:
        owed = session.scalars(select(Delivery).where(Delivery.key == changed.delivery_keys[0])).one()
        assert owed.status == DeliveryStatus.SENT, "settled: nothing is left to ask"


def test_words_about_to_expire_are_mailed_with_renew_change_and_withdraw(
    desk: Desk, db: Database, policy: Policy, mailbox: Mailbox
) -> None:
    _, jane = acme(db)
    advocate = Act(ADVOCATE, frozenset(), NOW, NOW.date())
    item = capture.share(db, policy, jane, "quote", "It halved our close time.", advocate, source_key="k")
    approval.approve(db, policy, item, 1, Approval(("sales",), "name_title_company", 1), advocate)
    use.record(
        db,
        policy,
        UseDraft(item, "Globex", "sales"),
        Act("U0SELLER1", frozenset(), NOW, NOW.date()),
        source_key="v",
    )
    keys = expiry.owe_renewal_notices(db, policy, NOW, dt.date(2027, 10, 24))
    assert keys == [f"evidence-renew:{item}:2027-11-23"]
    assert deliver(desk, keys) == 1
    [mail] = mailbox.wait_for(1)
    assert str(mail["Subject"]) == "Your words expire on 23 November 2027"
    text = text_part(mail)
    link = f"https://refdesk.example.com/evidence/{view.item(db, policy, item, NOW.date()).public_id}/"
    for anchor in ("#renew", "#edit", "#withdraw"):
        assert any(
            line.strip().startswith(link) and line.strip().endswith(anchor) for line in text.splitlines()
        )
    assert "— Jane Roe, CTO, Acme Health" in text and "until 23 November 2028" in text
    assert 'id="renew"' not in text, "the e-mail links to the page, whose buttons act"


def test_the_rating_e_mail_invites_the_advocate_to_share_a_few_words(
    desk: Desk, db: Database, policy: Policy, mailbox: Mailbox
) -> None:
    account, jane = acme(db)
    with db.transaction() as session:
        session.get_one(Advocate, jane).activities = "reference_call"
    seller, admin = (Act(who, desk.admins, NOW, NOW.date()) for who in ("U0SELLER1", ADMIN))
    submitted = asking.submit(
        db,
        policy,
        Draft(account_id=account, activity="reference_call", advocate_id=jane),
        seller,
        source_key="v",
    )
    deciding.decide(db, policy, submitted.request_id, admin, approve=True, consent_mode=consent.EMAIL)
    consent.answer(db, policy, submitted.request_id, "yes", Act(ADVOCATE, desk.admins, NOW, NOW.date()))
    closed = followups.mark_done(db, submitted.request_id, seller, rating=4)
    rating = [key for key in closed.delivery_keys if key.startswith("rating-mail:")]
    assert deliver(desk, rating) == 1
    [mail] = mailbox.wait_for(1)
    assert f"https://refdesk.example.com/words/{view.advocate_key(db, jane)}/" in text_part(mail)
    assert "Share a few words</a>" in html_part(mail)
