"""Approve, Decline and Approve with override, clicked in Slack: signed payloads go through the real
stack (signature check, WSGI layer, Bolt, our listeners and error map) onto a SQLite database,
and Slack's side is a recording stub on loopback.

What is checked is what people and the ledger see: the request's state, the balance, the modal
that opens, the words shown in place, the messages sent. Fast: no Node emulator, no subprocess.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import build_app, build_desk
from bot.clock import fixed_clock
from bot.process.lifecycle import Lifecycle
from bot.process.probes import Probes
from bot.serve.wsgi import SlackWsgi
from bot.settings import load_settings
from handlers.kit.desk import Desk
from handlers.kit.ids import Action, View
from handlers.outbox.sender import deliver
from handlers.requests.approval_modal import approve_modal
from store import ledger
from store.act import Act
from store.models import Account, Advocate, EntryKind, LedgerEntry, ReferenceRequest, RequestStatus
from store.requests import asking, deciding
from store.requests.asking import Draft
from store.requests.cards import Pickable
from store.rules.checklist import Verdict
from tests.support import store_seed
from tests.support.blockkit import assert_valid_message_blocks, assert_valid_view
from tests.support.database import open_database
from tests.support.payloads import block_actions, text, view_submission
from tests.support.signing import interaction_body
from tests.support.slack_recorder import Call, SlackRecorder, wait_until
from tests.support.wsgi import signed_post

SECRET = "decisions-signing-secret"
OWNER, SELLER, ADMIN, BYSTANDER = "U0OWNER01", "U0SELLER1", "U0ADMIN01", "U0NOBODY1"
NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)


@dataclass
class World:
    """The app as `refdesk serve --http` wires it, its database, and the Slack it talks to."""

    wsgi: SlackWsgi
    desk: Desk
    slack: SlackRecorder

    # --- what people do --------------------------------------------------------------------------

    def post(self, payload: dict[str, Any], secret: str = SECRET) -> tuple[int, str]:
        return signed_post(self.wsgi, secret, interaction_body(payload))

    def click(self, user: str, action_id: str, value: object) -> str:
        """Click a button in a DM; returns the click's `response_url` (where refusals are said)."""
        url = self.slack.new_response_url()
        status, body = self.post(
            block_actions(
                user,
                action_id,
                str(value),
                trigger_id=f"trigger-{user}",
                response_url=url,
                channel=f"D{user}",
                message_ts="1700000000.000100",
            )
        )
        assert (status, body) == (200, ""), "a click is acknowledged at once, with nothing to show"
        return url

    def click_on_home(self, user: str, action_id: str, value: object) -> None:
        home = {"id": "V0HOME001", "type": "home", "blocks": [], "callback_id": "", "private_metadata": ""}
        payload = block_actions(user, action_id, str(value), trigger_id=f"trigger-{user}", view=home)
        assert self.post(payload) == (200, "")

    def open_reason_modal(self, user: str, action_id: str, request_id: int) -> Call:
        before = len(self.slack.calls_to("views.open", trigger_id=f"trigger-{user}"))
        self.click(user, action_id, request_id)
        opened = self.slack.wait_for("views.open", count=before + 1, trigger_id=f"trigger-{user}")
        assert len(opened) == before + 1, "the reason modal opened"
        return opened[-1]

    def submit(self, user: str, view: dict[str, Any], reason: str) -> dict[str, Any] | None:
        """Submit a reason modal; the ack's body (None when the modal just closes)."""
        status, body = self.post(view_submission(user, view, {"reason": {"value": text(reason)}}))
        assert status == 200
        return json.loads(body) if body else None

    # --- what the database says ------------------------------------------------------------------

    def request(self, request_id: int) -> ReferenceRequest:
        with self.desk.db.transaction() as session:
            return session.get_one(ReferenceRequest, request_id)

    def status_once_decided(self, request_id: int) -> str:
        return wait_until(lambda: self.request(request_id).status, lambda s: s != RequestStatus.PENDING)

    def balance(self, account_id: int) -> int:
        with self.desk.db.transaction() as session:
            return ledger.balance(session, self.desk.policy.opening_balance, account_id)

    def asks(self, request_id: int) -> list[LedgerEntry]:
        with self.desk.db.transaction() as session:
            query = select(LedgerEntry).where(
                LedgerEntry.request_id == request_id, LedgerEntry.kind == EntryKind.ASK
            )
            return list(session.scalars(query))

    # --- what Slack was told ---------------------------------------------------------------------

    def said(self, response_url: str) -> str:
        """The one thing said in place after a click: only the clicker sees it."""
        [answer] = self.slack.said_at(response_url)
        assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
        return str(answer["text"])

    def dms_to(self, user: str, containing: str, count: int = 1) -> list[Call]:
        def found() -> list[Call]:
            return [
                c
                for c in self.slack.calls_to("chat.postMessage", channel=user)
                if containing in c.args["text"]
            ]

        return wait_until(found, lambda calls: len(calls) >= count)

    def ask(
        self,
        *,
        blocked: bool = False,
        name: str = "Acme Corp",
        named: bool = True,
        others: tuple[str, ...] = (),
        send: bool = True,
    ) -> tuple[int, int]:
        """Acme Corp (owner OWNER) is asked for a reference call of Jane Doe (`named`, else of
        nobody in particular) by SELLER; the decider's DM and the requester's receipt are already
        in Slack (unless not `send`). With `blocked`, its balance (1) cannot pay (3); `others` are
        more advocates there."""
        db = self.desk.db
        with db.transaction() as session:
            acme = store_seed.account(session, name, "Banking", owner_slack_id=OWNER)
            jane = store_seed.advocate(session, acme, "Jane Doe", "reference_call")
            for other in others:
                store_seed.advocate(session, acme, other, "reference_call")
            if session.scalar(select(Account.id).where(Account.name == "Globex")) is None:
                store_seed.account(session, "Globex", "Banking")  # what a decline can suggest instead
            if blocked:
                store_seed.entry(session, acme, EntryKind.ADJUSTMENT, -2, NOW.date(), actor=ADMIN)
        submitted = asking.submit(
            db,
            self.desk.policy,
            Draft(
                account_id=acme,
                activity="reference_call",
                opportunity_name="Big Bank renewal",
                advocate_id=jane if named else None,
            ),
            Act(SELLER, self.desk.admins, NOW, NOW.date()),
            source_key=f"view:V0REQUEST:{name}",
        )
        if not send:
            return acme, submitted.request_id
        # the admins' override DMs reach Slack only when a ⛔ rule blocks the request
        reaching = len(submitted.delivery_keys) - (0 if blocked else len(submitted.overseers))
        assert deliver(self.desk, list(submitted.delivery_keys)) == reaching
        return acme, submitted.request_id


@pytest.fixture(scope="module")
def empty_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating takes longer than a test)."""
    path = tmp_path_factory.mktemp("template") / "refdesk.db"
    db = open_database(f"sqlite:///{path}")
    db.upgrade()
    db.dispose()
    return path


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, empty_database: Path) -> Iterator[World]:
    monkeypatch.chdir(tmp_path)  # no developer's .env
    database = tmp_path / "refdesk.db"
    shutil.copyfile(empty_database, database)
    slack = SlackRecorder()
    settings = load_settings(
        slack_bot_token="xoxb-decisions-test",
        slack_signing_secret=SECRET,
        slack_api_url=slack.api_url,
        database_url=f"sqlite:///{database}",
        admins=ADMIN,
        scheduler_enabled=False,
        post_rate=0,
    )
    desk = build_desk(settings, open_database(settings.database_url), clock=fixed_clock(NOW))
    desk.db.check_schema()
    app = build_app(settings, desk)
    yield World(SlackWsgi(app, desk.db, SECRET, Probes(Lifecycle())), desk, slack)
    app.listener_runner.listener_executor.shutdown(wait=True)
    assert desk.decisions is not None and desk.executor is not None
    desk.decisions.shutdown(wait=True)  # the clicks' decisions, then the sends they started
    desk.executor.shutdown(wait=True)
    desk.db.dispose()
    slack.close()


def shown(blocks: list[dict[str, Any]]) -> str:
    parts = []
    for block in blocks:
        if isinstance(block.get("text"), dict):
            parts.append(block["text"]["text"])
        parts.extend(f["text"] for f in block.get("fields", []))
        parts.extend(e["text"] for e in block.get("elements", []) if isinstance(e.get("text"), str))
    return "\n".join(parts)


def has_buttons(blocks: list[dict[str, Any]]) -> bool:
    return any(b["type"] == "actions" or "accessory" in b for b in blocks)


# --- Approve -------------------------------------------------------------------------------------


def test_the_owner_s_approve_records_it_debits_once_and_tells_the_requester(world: World) -> None:
    acme, rid = world.ask()

    world.click(OWNER, Action.APPROVE, rid)

    assert world.status_once_decided(rid) == RequestStatus.APPROVED
    assert world.request(rid).decided_by == OWNER
    assert world.balance(acme) == 0 and len(world.asks(rid)) == 1
    [outcome] = world.dms_to(SELLER, "was approved")
    assert outcome.args["text"] == "Your request for Acme Corp was approved"
    assert_valid_message_blocks(outcome.args["blocks"])
    assert f"✅ <@{OWNER}> approved your *Reference call with a prospect* with *Acme Corp*" in shown(
        outcome.args["blocks"]
    )


def test_approve_clicks_are_acked_before_their_decisions_which_wait_their_turn(world: World) -> None:
    """Decided on the listener threads, clicks faster than decisions pile up there and take the
    interpreter from the next ack: a click is acked, then waits its turn (`handlers.kit.later`)."""
    asked = [world.ask(name=name)[1] for name in ("Acme Corp", "Initech", "Umbrella")]
    assert world.desk.decisions is not None
    turn = threading.Event()
    world.desk.decisions.submit(turn.wait, 10)  # a decision in progress: the clicks wait for it

    for request_id in asked:
        world.click(OWNER, Action.APPROVE, request_id)  # each acked with nothing to show

    assert [world.request(rid).status for rid in asked] == [RequestStatus.PENDING] * 3
    turn.set()
    assert [world.status_once_decided(rid) for rid in asked] == [RequestStatus.APPROVED] * 3
    assert [len(world.asks(rid)) for rid in asked] == [1, 1, 1]


def test_after_approval_the_decider_s_dm_and_the_receipt_lose_their_buttons(world: World) -> None:
    _, rid = world.ask()

    world.click(OWNER, Action.APPROVE, rid)

    updates = world.slack.wait_for("chat.update", count=3)
    assert len(updates) == 3, "the owner's DM, the requester's receipt and their approval are rewritten"
    for update in updates:
        assert_valid_message_blocks(update.args["blocks"])
    decided, receipt, approval = updates
    for update in (decided, receipt):
        assert update.args["text"].startswith(f"✅ Approved by <@{OWNER}>")
    assert approval.args["text"] == "Your request for Acme Corp was approved", "its own words, kept"
    assert not has_buttons(decided.args["blocks"]) and not has_buttons(receipt.args["blocks"])
    assert "Withdraw" in str(approval.args["blocks"]), "the approved ask can still be withdrawn"


def test_a_second_click_is_told_already_decided_and_changes_nothing(world: World) -> None:
    acme, rid = world.ask()
    world.click(OWNER, Action.APPROVE, rid)
    assert world.status_once_decided(rid) == RequestStatus.APPROVED
    world.dms_to(SELLER, "was approved")

    again = world.click(OWNER, Action.APPROVE, rid)

    assert world.said(again) == f"Already decided: ✅ approved by <@{OWNER}>. Nothing changed."
    assert world.balance(acme) == 0 and len(world.asks(rid)) == 1
    assert len(world.dms_to(SELLER, "was approved")) == 1, "the requester is told once"


def test_someone_else_s_approve_is_refused_in_place_and_changes_nothing(world: World) -> None:
    acme, rid = world.ask()

    refused = world.click(BYSTANDER, Action.APPROVE, rid)

    assert world.said(refused) == f"Only <@{OWNER}> or a program admin can decide this."
    assert world.request(rid).status == RequestStatus.PENDING
    assert world.balance(acme) == 3 and world.asks(rid) == []


def test_a_button_from_a_broken_message_is_told_to_click_again(world: World) -> None:
    _, rid = world.ask()

    stale = world.click(OWNER, Action.APPROVE, "not-a-request")

    assert world.said(stale) == "This form is out of date: close it and click again."
    assert world.request(rid).status == RequestStatus.PENDING


def test_a_click_that_slack_did_not_sign_is_refused_before_anything_runs(world: World) -> None:
    acme, rid = world.ask()
    payload = block_actions(OWNER, Action.APPROVE, str(rid), response_url=world.slack.new_response_url())

    status, _ = world.post(payload, secret="not-the-signing-secret")

    assert status == 401, "refused by the WSGI layer: Bolt never sees it"
    assert world.request(rid).status == RequestStatus.PENDING and world.balance(acme) == 3


# --- Decline -------------------------------------------------------------------------------------


def test_decline_opens_the_reason_modal_for_this_request(world: World) -> None:
    _, rid = world.ask()

    opened = world.open_reason_modal(OWNER, Action.DECLINE, rid)

    view = opened.args["view"]
    assert_valid_view(view)
    assert view["callback_id"] == View.DECLINE and view["private_metadata"] == str(rid)
    assert view["title"]["text"] == "Decline request" and view["submit"]["text"] == "Decline"
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == ["reason"]
    assert world.request(rid).status == RequestStatus.PENDING, "opening the modal decides nothing"


def test_submitting_the_decline_modal_records_the_reason_and_offers_alternatives(world: World) -> None:
    acme, rid = world.ask()
    view = world.open_reason_modal(OWNER, Action.DECLINE, rid).response["view"]

    answer = world.submit(OWNER, view, "  Renewal talks this month ")

    assert answer is None, "the modal closes"
    row = world.request(rid)
    assert (row.status, row.decided_by, row.decision_reason) == (
        RequestStatus.DECLINED,
        OWNER,
        "Renewal talks this month",
    )
    assert world.balance(acme) == 3 and world.asks(rid) == []
    [outcome] = world.dms_to(SELLER, "was declined")
    blocks = outcome.args["blocks"]
    assert_valid_message_blocks(blocks)
    assert "*Reason:*\n> Renewal talks this month" in shown(blocks)
    assert "*Globex* · Banking" in shown(blocks)


def test_an_empty_decline_reason_is_shown_on_the_reason_input(world: World) -> None:
    _, rid = world.ask()
    view = world.open_reason_modal(OWNER, Action.DECLINE, rid).response["view"]

    answer = world.submit(OWNER, view, "   ")

    assert answer == {
        "response_action": "errors",
        "errors": {"reason": "Write a reason: the requester will read it."},
    }
    assert world.request(rid).status == RequestStatus.PENDING


def test_someone_else_cannot_even_open_the_decline_modal(world: World) -> None:
    _, rid = world.ask()

    refused = world.click(BYSTANDER, Action.DECLINE, rid)

    assert world.said(refused) == f"Only <@{OWNER}> or a program admin can decide this."
    assert world.slack.calls_to("views.open") == []


def test_a_decline_submitted_after_someone_else_approved_gets_a_notice(world: World) -> None:
    acme, rid = world.ask()
    view = world.open_reason_modal(OWNER, Action.DECLINE, rid).response["view"]
    world.click(ADMIN, Action.APPROVE, rid)
    assert world.status_once_decided(rid) == RequestStatus.APPROVED

    answer = world.submit(OWNER, view, "Renewal talks this month")

    assert answer is not None and answer["response_action"] == "update"
    assert_valid_view(answer["view"])
    assert answer["view"]["title"]["text"] == "Already decided"
    assert shown(answer["view"]["blocks"]) == f"Already decided: ✅ approved by <@{ADMIN}>. Nothing changed."
    row = world.request(rid)
    assert (row.status, row.decided_by, row.decision_reason) == (RequestStatus.APPROVED, ADMIN, None)
    assert world.balance(acme) == 0


def test_decline_on_a_decided_request_opens_no_modal(world: World) -> None:
    _, rid = world.ask()
    world.click(OWNER, Action.APPROVE, rid)
    assert world.status_once_decided(rid) == RequestStatus.APPROVED

    late = world.click(OWNER, Action.DECLINE, rid)

    assert world.said(late) == f"Already decided: ✅ approved by <@{OWNER}>. Nothing changed."
    assert world.slack.calls_to("views.open") == []


# --- a ⛔ rule: Approve with override ------------------------------------------------------------


def test_a_blocked_request_cannot_be_approved_plainly_by_anyone(world: World) -> None:
    acme, rid = world.ask(blocked=True)

    by_owner = world.click(OWNER, Action.APPROVE, rid)
    by_admin = world.click(ADMIN, Action.APPROVE, rid)

    assert world.said(by_owner) == (
        "Only a program admin can approve this: a ⛔ rule blocks it. "
        "The program admins have it in their DMs to decide."
    )
    assert (
        world.said(by_admin)
        == "A blocking rule applies now: only a program admin can approve, with override."
    )
    assert world.request(rid).status == RequestStatus.PENDING and world.balance(acme) == 1


def test_an_owner_s_approve_a_rule_now_blocks_sends_the_admins_their_dm_to_decide_it(world: World) -> None:
    acme, rid = world.ask()  # nothing blocked it then: the admin's override DM came to nothing
    assert world.slack.calls_to("chat.postMessage", channel=ADMIN) == []
    with world.desk.db.transaction() as session:  # since then the balance no longer pays for it
        store_seed.entry(session, acme, EntryKind.ADJUSTMENT, -2, NOW.date(), actor=ADMIN)

    refused = world.click(OWNER, Action.APPROVE, rid)

    assert world.said(refused) == (
        "Only a program admin can approve this: a ⛔ rule blocks it. "
        "The program admins have it in their DMs to decide."
    )
    [dm] = world.dms_to(ADMIN, "Reference request")
    assert_valid_message_blocks(dm.args["blocks"])
    assert "Approve with override" in json.dumps(dm.args["blocks"])
    assert world.request(rid).status == RequestStatus.PENDING and world.balance(acme) == 1
    world.said(world.click(OWNER, Action.APPROVE, rid))  # clicked again: the DM is not posted twice
    assert deliver(world.desk, [f"override:{rid}:{ADMIN}"]) == 0
    assert len(world.slack.calls_to("chat.postMessage", channel=ADMIN)) == 1


def test_an_owner_s_approve_with_nobody_who_can_be_asked_says_the_admins_have_it(world: World) -> None:
    _, rid = world.ask(named=False)  # Jane could be asked then: the admin's override DM came to nothing
    with world.desk.db.transaction() as session:  # since then she does case studies only
        session.scalars(select(Advocate).where(Advocate.name == "Jane Doe")).one().activities = "case_study"

    refused = world.click(OWNER, Action.APPROVE, rid)

    assert world.said(refused) == (
        "A blocking rule applies now: only a program admin can approve, with override. "
        "The program admins have it in their DMs to decide."
    )
    [dm] = world.dms_to(ADMIN, "Reference request")
    assert "Approve with override" in json.dumps(dm.args["blocks"])
    assert world.slack.calls_to("views.open") == [], "no picker: nobody there can be asked"


def test_the_admin_s_override_dm_comes_to_nothing_when_no_rule_blocks(world: World) -> None:
    world.ask()
    assert world.slack.calls_to("chat.postMessage", channel=ADMIN) == []


def test_the_admin_s_override_dm_goes_out_when_a_rule_blocks(world: World) -> None:
    _, blocked = world.ask(blocked=True, send=False)
    assert deliver(world.desk, [f"override:{blocked}:{ADMIN}"]) == 1
    (dm,) = world.slack.calls_to("chat.postMessage", channel=ADMIN)
    assert_valid_message_blocks(dm.args["blocks"])
    shown = json.dumps(dm.args["blocks"])
    assert "Approve with override" in shown and "Decline" in shown


def test_an_override_dm_says_nothing_once_decided_or_to_someone_no_longer_an_admin(world: World) -> None:
    _, rid = world.ask(blocked=True, send=False)
    former = "U0FORMER1"
    with world.desk.db.transaction() as session:
        request = session.get_one(ReferenceRequest, rid)
        asking.owe_override(session, request, former, NOW)
    assert deliver(world.desk, [f"override:{rid}:{former}"]) == 0

    opened = world.open_reason_modal(OWNER, Action.DECLINE, rid)
    world.submit(OWNER, opened.response["view"], "Not this quarter")
    assert world.request(rid).status == RequestStatus.DECLINED
    assert deliver(world.desk, [f"override:{rid}:{ADMIN}"]) == 0
    assert world.slack.calls_to("chat.postMessage", channel=ADMIN) == []


def test_only_an_admin_may_open_the_override_modal(world: World) -> None:
    _, rid = world.ask(blocked=True)

    refused = world.click(OWNER, Action.APPROVE_OVERRIDE, rid)

    assert world.said(refused) == "Only a program admin can approve with override."
    assert world.slack.calls_to("views.open") == []


def test_an_empty_override_reason_is_shown_on_the_reason_input(world: World) -> None:
    acme, rid = world.ask(blocked=True)
    opened = world.open_reason_modal(ADMIN, Action.APPROVE_OVERRIDE, rid)
    assert_valid_view(opened.args["view"])
    assert opened.args["view"]["callback_id"] == View.OVERRIDE

    answer = world.submit(ADMIN, opened.response["view"], "")

    assert answer == {
        "response_action": "errors",
        "errors": {"reason": "Write why this ask should go ahead anyway."},
    }
    assert world.request(rid).status == RequestStatus.PENDING and world.balance(acme) == 1


def test_an_admin_s_override_approves_and_keeps_the_reason_on_the_ledger(world: World) -> None:
    acme, rid = world.ask(blocked=True)
    view = world.open_reason_modal(ADMIN, Action.APPROVE_OVERRIDE, rid).response["view"]

    answer = world.submit(ADMIN, view, "Strategic deal, CEO asked")

    assert answer is None
    row = world.request(rid)
    assert (row.status, row.decided_by, row.override_reason) == (
        RequestStatus.APPROVED,
        ADMIN,
        "Strategic deal, CEO asked",
    )
    [entry] = world.asks(rid)
    assert (entry.amount, entry.reason, entry.actor_id) == (-3, "Strategic deal, CEO asked", ADMIN)
    assert world.balance(acme) == -2
    assert world.dms_to(SELLER, "was approved")


# --- App Home ------------------------------------------------------------------------------------


def test_a_refused_click_on_app_home_is_answered_in_a_small_modal(world: World) -> None:
    _, rid = world.ask()
    deciding.decide(
        world.desk.db,
        world.desk.policy,
        rid,
        Act(OWNER, world.desk.admins, NOW, NOW.date()),
        approve=False,
        reason="No",
    )

    world.click_on_home(OWNER, Action.APPROVE, rid)

    [notice] = world.slack.wait_for("views.open", trigger_id=f"trigger-{OWNER}")
    view = notice.args["view"]
    assert_valid_view(view)
    assert view["title"]["text"] == "Already decided"
    assert shown(view["blocks"]) == f"Already decided: ❌ declined by <@{OWNER}>. Nothing changed."
    assert world.request(rid).status == RequestStatus.DECLINED


def test_approve_on_app_home_decides_like_the_dm(world: World) -> None:
    acme, rid = world.ask()

    world.click_on_home(OWNER, Action.APPROVE, rid)

    assert world.status_once_decided(rid) == RequestStatus.APPROVED
    assert world.balance(acme) == 0
    published = world.slack.wait_for("views.publish", user_id=OWNER)
    assert published, "the owner's Home is republished after the decision"
    assert_valid_view(published[-1].args["view"])


def test_an_imported_account_name_reaches_no_notification_text_as_markup(world: World) -> None:
    _, rid = world.ask(name="<!channel> <@U0EVIL01> <http://evil.example|Acme>")

    world.click(OWNER, Action.APPROVE, rid)

    texts = [c.args["text"] for c in world.slack.calls_to("chat.postMessage")]
    texts += [c.args["text"] for c in world.dms_to(SELLER, "was approved")]
    assert len(texts) >= 3
    for said in texts:
        assert "<!channel>" not in said and "<@U0EVIL01>" not in said and "<http://evil" not in said
        assert "&lt;!channel&gt;" in said


def test_an_approve_on_app_home_while_the_database_refuses_writes_says_so_in_a_modal(world: World) -> None:
    _, rid = world.ask()
    with world.desk.db.engine.begin() as connection:  # the database now refuses to change a request
        connection.exec_driver_sql(
            "CREATE TRIGGER refuse BEFORE UPDATE ON reference_requests "
            "BEGIN SELECT RAISE(ABORT, 'the database refuses writes'); END"
        )

    world.click_on_home(OWNER, Action.APPROVE, rid)

    [notice] = world.slack.wait_for("views.open", trigger_id=f"trigger-{OWNER}")
    assert_valid_view(notice.args["view"])
    assert "nothing was changed" in shown(notice.args["view"]["blocks"])
    assert world.request(rid).status == RequestStatus.PENDING


def test_approving_a_request_that_names_nobody_asks_the_owner_whom_to_ask(world: World) -> None:
    acme, request_id = world.ask(named=False, others=("Ken Other",))
    world.click(OWNER, Action.APPROVE, request_id)
    [opened] = wait_until(lambda: world.slack.calls_to("views.open"), bool)
    view = opened.args["view"]
    assert_valid_view(view)
    assert view["callback_id"] == View.PICK_ADVOCATE
    [picker] = [b for b in view["blocks"] if b["type"] == "input"]
    assert picker["label"]["text"] == "Advocate"
    assert [o["text"]["text"] for o in picker["element"]["options"]] == ["Jane Doe", "Ken Other"]
    assert world.request(request_id).status == RequestStatus.PENDING

    nobody = {"advocate": {"value": {"type": "static_select", "selected_option": None}}}
    refused = world.post(view_submission(OWNER, {**view, "id": "V0PICK"}, nobody))
    assert refused[0] == 200 and "Pick the advocate to ask" in refused[1]
    jane = picker["element"]["options"][0]["value"]
    picked = {"advocate": {"value": {"type": "static_select", "selected_option": {"value": jane}}}}
    assert world.post(view_submission(OWNER, {**view, "id": "V0PICK"}, picked)) == (200, "")
    assert world.status_once_decided(request_id) == RequestStatus.APPROVED
    assert world.request(request_id).advocate_id == int(jane)
    assert world.balance(acme) == 0


def test_picking_someone_a_rule_protects_says_why_on_the_picker_and_asks_no_admin(world: World) -> None:
    """Ken was asked a week ago and rests; Jane and Lea can be asked: the owner picks again."""
    acme, request_id = world.ask(named=False, others=("Ken Rested", "Lea Free"))
    with world.desk.db.transaction() as session:
        ken = session.scalars(select(Advocate.id).where(Advocate.name == "Ken Rested")).one()
        store_seed.entry(session, acme, EntryKind.GIVE, 3, NOW.date())
        store_seed.asked(session, acme, ken, NOW.date() - dt.timedelta(days=7))
    world.click(OWNER, Action.APPROVE, request_id)
    [opened] = wait_until(lambda: world.slack.calls_to("views.open"), bool)
    view = {**opened.args["view"], "id": "V0PICK"}
    picked = {"advocate": {"value": {"type": "static_select", "selected_option": {"value": str(ken)}}}}

    status, answer = world.post(view_submission(OWNER, view, picked))

    assert status == 200
    refused = json.loads(answer)
    assert refused["response_action"] == "errors"
    [(block, error)] = refused["errors"].items()
    assert block == "advocate"
    assert error.startswith("The advocate you picked cannot be asked now (resting: asked on")
    assert error.endswith("Pick someone else.")
    assert world.request(request_id).status == RequestStatus.PENDING
    assert world.request(request_id).advocate_id is None
    assert world.slack.calls_to("chat.postMessage", channel=ADMIN) == []
    assert deliver(world.desk, [f"override:{request_id}:{ADMIN}"]) == 0, "the admins' DM still says nothing"


def test_the_advocate_picker_marks_whom_a_rule_protects_and_why() -> None:
    picks = [
        Pickable(2, "Bob Free, CFO", Verdict.OK),
        Pickable(1, "Amy Asked", Verdict.BLOCKING, "resting: asked on 25 November"),
    ]
    view = approve_modal(7, picks, named=2, in_person=False, preview=[])
    assert_valid_view(view)
    [picker] = [b for b in view["blocks"] if b["type"] == "input"]
    assert [(o["text"]["text"], o["value"]) for o in picker["element"]["options"]] == [
        ("Bob Free, CFO", "2"),
        ("⛔ Amy Asked: resting: asked on 25 November", "1"),
    ]
    assert picker["element"]["initial_option"]["value"] == "2", "the first offered is one we may ask"
    assert view["private_metadata"] == "7"


def test_with_one_advocate_who_can_be_asked_approve_names_them_without_a_modal(world: World) -> None:
    """Jane is the only one at Acme who can be asked (Ken was asked a week ago): nothing to choose."""
    acme, request_id = world.ask(named=False, others=("Ken Rested",))
    with world.desk.db.transaction() as session:
        ken = session.scalars(select(Advocate.id).where(Advocate.name == "Ken Rested")).one()
        store_seed.entry(session, acme, EntryKind.GIVE, 3, NOW.date())
        store_seed.asked(session, acme, ken, NOW.date() - dt.timedelta(days=7))

    world.click(OWNER, Action.APPROVE, request_id)

    assert world.status_once_decided(request_id) == RequestStatus.APPROVED
    with world.desk.db.transaction() as session:
        jane = session.scalars(select(Advocate.id).where(Advocate.name == "Jane Doe")).one()
    assert world.request(request_id).advocate_id == jane
    assert world.slack.calls_to("views.open") == []


def test_an_admin_s_override_of_a_request_naming_nobody_names_who_is_asked(world: World) -> None:
    _, request_id = world.ask(blocked=True, named=False)
    opened = world.open_reason_modal(ADMIN, Action.APPROVE_OVERRIDE, request_id)
    assert_valid_view(opened.args["view"])
    view = opened.response["view"]
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == ["advocate", "reason"]
    [jane] = [o["value"] for o in view["blocks"][1]["element"]["options"]]
    values = {
        "advocate": {"value": {"type": "static_select", "selected_option": {"value": jane}}},
        "reason": {"value": {"type": "plain_text_input", "value": "Strategic deal"}},
    }

    assert world.post(view_submission(ADMIN, {**view, "id": "V0OVERRIDE"}, values)) == (200, "")
    assert world.status_once_decided(request_id) == RequestStatus.APPROVED
    assert world.request(request_id).advocate_id == int(jane)


def test_an_approve_whose_picker_opens_after_its_trigger_expired_says_to_click_again(world: World) -> None:
    """Behind a flood of decisions, an Approve that must open the picker can find its trigger
    three seconds old: the owner is told to click again, and nothing was written."""
    acme, request_id = world.ask(named=False, others=("Ken Other",))
    world.slack.refuse["views.open"] = "expired_trigger_id"
    url = world.slack.new_response_url()
    click = block_actions(OWNER, Action.APPROVE, str(request_id), trigger_id="T0OLD", response_url=url)
    click["actions"][0]["text"]["text"] = "Approve"

    assert world.post(click)[0] == 200

    [said] = world.slack.said_at(url)
    assert said["text"] == "That took too long — click Approve again."
    assert world.request(request_id).status == RequestStatus.PENDING and world.asks(request_id) == []
    assert world.balance(acme) == 3


def test_a_modal_slack_will_not_open_for_an_expired_trigger_says_to_click_again(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """The click's trigger is three seconds old, or used already: nothing of ours failed."""
    _, request_id = world.ask()
    world.slack.refuse["views.open"] = "expired_trigger_id"
    url = world.slack.new_response_url()
    click = block_actions(OWNER, Action.DECLINE, str(request_id), trigger_id="T0OLD", response_url=url)
    click["actions"][0]["text"]["text"] = "Decline"

    with caplog.at_level(logging.INFO):
        assert world.post(click)[0] == 200
        [said] = world.slack.said_at(url)

    assert said["text"] == "That took too long — click Decline again."
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert world.request(request_id).status == RequestStatus.PENDING
