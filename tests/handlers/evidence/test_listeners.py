"""Evidence's listeners called as plain functions, on both databases, with a Slack client that only
records: the library's answer, **Use this** (from a message and from the request modal), the words
to copy, one use per modal, refusals in words, the admins' drafts, and the words offered first in
the request modal and the requester's receipt."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from slack_bolt import Ack
from sqlalchemy import func, select

from handlers.evidence import drafting, library
from handlers.kit.desk import Desk
from handlers.kit.ids import Action, View
from handlers.kit.links import Links
from handlers.outbox.smtp import Mailer, SmtpServer
from handlers.requests.ask import modal_for
from handlers.requests.renderers import render_confirmation
from store.act import Act
from store.customer.consent import ADVOCATE
from store.db import Database
from store.evidence import approval, capture
from store.evidence.approval import Approval
from store.models import Advocate, EvidenceUse, ReferenceRequest
from store.outbox.kinds import DeliveryKind
from store.outbox.queue import DeliveryJob
from store.rules.policy import Policy
from tests.support import store_seed as seed
from tests.support.blockkit import assert_valid_message_blocks, assert_valid_view

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
ADMIN, SELLER = "U0ADMIN01", "U0SELLER1"


class RecordingClient:
    """The Slack calls these listeners make: a modal opened or pushed."""

    def __init__(self) -> None:
        self.opened: list[dict[str, Any]] = []
        self.pushed: list[dict[str, Any]] = []

    def views_open(self, *, trigger_id: str, view: dict[str, Any]) -> None:
        self.opened.append(view)

    def views_push(self, *, trigger_id: str, view: dict[str, Any]) -> None:
        self.pushed.append(view)


@pytest.fixture
def desk(db: Database, policy: Policy) -> Desk:
    return Desk(db=db, policy=policy, clock=lambda: NOW, admins=frozenset({ADMIN}))


@pytest.fixture
def mailing(desk: Desk) -> Desk:
    """The same program, with the mail settings (drafts can be sent to approve)."""
    desk.links = Links("test-secret", "https://refdesk.example.com", dt.timedelta(days=30))
    desk.mailer = Mailer(SmtpServer("127.0.0.1", 1, "smtp"), "Reference Desk <rd@example.com>", timeout=1)
    return desk


def acme_with_words(db: Database, policy: Policy) -> tuple[int, int, int]:
    """Acme Health, Jane Roe, and her approved quote (sales only)."""
    with db.transaction() as session:
        account = seed.account(session, "Acme Health", "Healthcare")
        jane = seed.advocate(session, account, "Jane Roe", "reference_call;quote")
        person = session.get_one(Advocate, jane)
        person.title, person.email = "CTO", "jane@acme.example"
    advocate = Act(ADVOCATE, frozenset(), NOW, NOW.date())
    item = capture.share(db, policy, jane, "quote", "It halved our close time.", advocate, source_key="k")
    approval.approve(db, policy, item, 1, Approval(("sales",), "name_title_company", 2), advocate)
    return account, jane, item


def acked(ack: Ack) -> dict[str, Any]:
    assert ack.response is not None
    return json.loads(ack.response.body or "{}")


def command(text: str, user: str = SELLER) -> dict[str, Any]:
    return {"text": f"evidence {text}", "user_id": user, "trigger_id": "T1"}


def receipt_of(request_id: int) -> DeliveryJob:
    """The requester's receipt as the sender hands it to its renderer."""
    return DeliveryJob(
        1, f"confirm:{request_id}", DeliveryKind.CONFIRMATION, SELLER, request_id, {}, 1, None, None, NOW
    )


def uses(db: Database) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count(EvidenceUse.id))) or 0)


def test_the_library_answers_in_the_ack_for_the_asker_only(desk: Desk, db: Database, policy: Policy) -> None:
    acme_with_words(db, policy)
    for user, edit in ((SELLER, False), (ADMIN, True)):
        ack = Ack()
        library.answer_evidence(desk, ack, command("healthcare", user), "healthcare", RecordingClient())  # type: ignore[arg-type]
        said = acked(ack)
        assert said["response_type"] == "ephemeral" and said["text"].startswith("1 piece(s)")
        assert_valid_message_blocks(said["blocks"])
        assert ("Edit" in json.dumps(said["blocks"])) is edit
    ack = Ack()
    library.answer_evidence(desk, ack, command("retail"), "retail", RecordingClient())  # type: ignore[arg-type]
    assert acked(ack)["text"] == "No approved words fit “retail”"


def test_only_an_admin_of_a_mailing_program_drafts(desk: Desk, db: Database, policy: Policy) -> None:
    client = RecordingClient()
    for user, refusal in ((SELLER, "Only a program admin can draft"), (ADMIN, "REFDESK_PUBLIC_URL")):
        ack = Ack()
        library.answer_evidence(desk, ack, command("new", user), "new", client)  # type: ignore[arg-type]
        assert refusal in acked(ack)["text"]
    assert client.opened == []


def test_an_admin_s_draft_is_sent_to_the_advocate_or_refused_inline(
    mailing: Desk, db: Database, policy: Policy
) -> None:
    account, jane, _ = acme_with_words(db, policy)
    client = RecordingClient()
    library.answer_evidence(mailing, Ack(), command("new", ADMIN), "new", client)  # type: ignore[arg-type]
    [view] = client.opened
    assert_valid_view(view)

    def submit(values: dict[str, Any], view_id: str) -> dict[str, Any]:
        ack = Ack()
        drafting.submitted(
            ack=ack,
            body={"type": "view_submission", "user": {"id": ADMIN}, "view": {**view, "id": view_id}},
            view={**view, "id": view_id, "state": {"values": values}},
            respond=lambda **_: None,  # type: ignore[arg-type]
            client=client,  # type: ignore[arg-type]
            desk=mailing,
            act=mailing.act(ADMIN),
        )
        return acked(ack)

    refused = submit({"text": {"value": {"value": "x"}}}, "V1")
    assert refused["response_action"] == "errors"
    assert set(refused["errors"]) == {"account", "advocate", "kind"}
    values = {
        "account": {Action.ACCOUNT: {"selected_option": {"value": str(account)}}},
        "advocate": {Action.LOG_ADVOCATE: {"selected_option": {"value": str(jane)}}},
        "kind": {"value": {"selected_option": {"value": "quote"}}},
        "text": {"value": {"value": "We closed in half the time."}},
        "source": {"value": {"value": "our call on 3 March"}},
    }
    done = submit(values, "V2")
    assert done["response_action"] == "update"
    assert "Sent to Jane Roe to approve" in json.dumps(done["view"])


def test_use_this_records_once_per_modal_and_answers_with_the_words_to_copy(
    desk: Desk, db: Database, policy: Policy
) -> None:
    _, _, item = acme_with_words(db, policy)
    client, told = RecordingClient(), []
    body = {
        "type": "block_actions",
        "trigger_id": "T1",
        "response_url": "https://hooks.example/1",
        "user": {"id": SELLER},
    }

    def click(value: str) -> None:
        library.use_clicked(
            ack=Ack(),
            body=body,
            action={"action_id": Action.EVIDENCE_USE, "value": value},
            respond=lambda **said: told.append(said["text"]),  # type: ignore[arg-type]
            client=client,  # type: ignore[arg-type]
            desk=desk,
            act=desk.act(SELLER),
        )

    click(str(item))
    [modal] = client.opened
    assert_valid_view(modal)
    values = {
        "opportunity_name": {"value": {"value": "Globex renewal"}},
        "place": {"value": {"selected_option": {"value": "sales"}}},
    }
    answers = []
    for _ in range(2):  # the same modal sent twice
        ack = Ack()
        library.use_submitted(
            ack=ack,
            body={"type": "view_submission"},
            view={**modal, "id": "V1", "state": {"values": values}},
            respond=lambda **_: None,  # type: ignore[arg-type]
            client=client,  # type: ignore[arg-type]
            desk=desk,
            act=desk.act(SELLER),
        )
        answers.append(acked(ack))
    assert uses(db) == 1
    copy = answers[0]["view"]
    assert_valid_view(copy)
    assert copy["callback_id"] == View.EVIDENCE_USED and answers[0] == answers[1]
    shown = json.dumps(copy, ensure_ascii=False)
    assert "It halved our close time." in shown and "— Jane Roe, CTO, Acme Health" in shown

    approval.withdraw(db, item, Act(ADVOCATE, frozenset(), NOW, NOW.date()))
    click(str(item))
    assert told == [
        "These words were withdrawn or have expired: they can no longer be used. Nothing changed."
    ]
    assert len(client.opened) == 1


def test_the_request_modal_offers_the_account_s_words_first_and_use_this_is_pushed_over_it(
    desk: Desk, db: Database, policy: Policy
) -> None:
    account, _, item = acme_with_words(db, policy)
    view = modal_for(desk, account_id=account, activity="reference_call")
    assert_valid_view(view)
    assert view["blocks"][0]["text"]["text"].startswith("💬 *A quote from Jane Roe, CTO, Acme Health* fits")
    assert view["blocks"][1]["accessory"]["value"] == str(item)
    assert modal_for(desk, account_id=account, activity="webinar")["blocks"][0]["type"] == "input"

    client = RecordingClient()
    state = {"activity": {Action.ACTIVITY: {"selected_option": {"value": "reference_call"}}}}
    library.use_clicked(
        ack=Ack(),
        body={
            "type": "block_actions",
            "trigger_id": "T2",
            "user": {"id": SELLER},
            "view": {**view, "id": "VREQ", "state": {"values": state}},
        },
        action={"action_id": Action.EVIDENCE_USE, "value": str(item)},
        respond=lambda **_: None,  # type: ignore[arg-type]
        client=client,  # type: ignore[arg-type]
        desk=desk,
        act=desk.act(SELLER),
    )
    [pushed] = client.pushed
    assert client.opened == [] and pushed["private_metadata"] == f"{item}::reference_call"


def test_the_receipt_of_a_pending_request_offers_words_that_would_withdraw_it(
    desk: Desk, db: Database, policy: Policy
) -> None:
    account, _, item = acme_with_words(db, policy)
    with db.transaction() as session:
        rid = seed.request(session, account, requester=SELLER)
    [receipt] = render_confirmation(desk, receipt_of(rid))
    assert_valid_message_blocks(receipt.blocks)
    assert f"{item}:{rid}" in [b["accessory"]["value"] for b in receipt.blocks if "accessory" in b]
    with db.transaction() as session:
        session.get_one(ReferenceRequest, rid).status = "approved"
    [decided] = render_confirmation(desk, receipt_of(rid))
    assert "Use this" not in json.dumps(decided.blocks), "only while nobody decided"
