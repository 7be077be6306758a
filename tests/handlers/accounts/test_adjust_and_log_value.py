"""Who may move a balance from Slack: `/reference adjust` (program admins) and the **Log value**
modal (the account's owner and the admins). Signed payloads go through the real stack (signature
check, WSGI layer, Bolt, our listeners and error map) onto a SQLite database; Slack's side is a
recording stub on loopback.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select as sql_select

from bot.app import build_app, build_desk
from bot.clock import fixed_clock
from bot.process.lifecycle import Lifecycle
from bot.process.probes import Probes
from bot.serve.wsgi import SlackWsgi
from bot.settings import load_settings
from handlers.kit.desk import Desk
from handlers.kit.ids import View
from store import ledger
from store.models import EntryKind, LedgerEntry
from tests.support import store_seed
from tests.support.blockkit import assert_valid_message_blocks, assert_valid_view
from tests.support.database import open_database
from tests.support.payloads import date, select, text, view_submission
from tests.support.signing import interaction_body, slash_command_body
from tests.support.slack_recorder import Call, SlackRecorder, wait_until
from tests.support.wsgi import signed_post

SECRET = "adjust-signing-secret"
OWNER, SELLER, ADMIN = "U0OWNER01", "U0SELLER1", "U0ADMIN01"
NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)


@dataclass
class World:
    wsgi: SlackWsgi
    desk: Desk
    slack: SlackRecorder
    acme: int

    def command(self, user: str, words: str) -> tuple[int, str]:
        body = slash_command_body(words, user_id=user, trigger_id=f"trigger-{user}")
        return signed_post(self.wsgi, SECRET, body)

    def open_modal(self, user: str, words: str) -> dict[str, Any]:
        """The modal `/reference <words>` opened, as Slack returned it (with its id)."""
        assert self.command(user, words) == (200, "")
        [opened] = self.slack.wait_for("views.open", trigger_id=f"trigger-{user}")
        assert_valid_view(opened.args["view"])
        return opened.response["view"]

    def submit(self, user: str, view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
        status, body = signed_post(self.wsgi, SECRET, interaction_body(view_submission(user, view, values)))
        assert status == 200
        return json.loads(body)

    def entries(self) -> list[LedgerEntry]:
        with self.desk.db.transaction() as session:
            return list(session.scalars(sql_select(LedgerEntry).order_by(LedgerEntry.id)))

    def balance(self) -> int:
        with self.desk.db.transaction() as session:
            return ledger.balance(session, self.desk.policy.opening_balance, self.acme)

    def dms_to(self, user: str, count: int = 1) -> list[Call]:
        return wait_until(
            lambda: self.slack.calls_to("chat.postMessage", channel=user), lambda calls: len(calls) >= count
        )


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
        slack_bot_token="xoxb-adjust-test",
        slack_signing_secret=SECRET,
        slack_api_url=slack.api_url,
        database_url=f"sqlite:///{database}",
        admins=ADMIN,
        scheduler_enabled=False,
        post_rate=0,
    )
    desk = build_desk(settings, open_database(settings.database_url), clock=fixed_clock(NOW))
    with desk.db.transaction() as session:
        acme = store_seed.account(session, "Acme Corp", "Banking", owner_slack_id=OWNER, crm_id="A-1")
    app = build_app(settings, desk)
    yield World(SlackWsgi(app, desk.db, SECRET, Probes(Lifecycle())), desk, slack, acme)
    app.listener_runner.listener_executor.shutdown(wait=True)
    assert desk.executor is not None
    desk.executor.shutdown(wait=True)
    desk.db.dispose()
    slack.close()


def adjust_form(account: int | None, amount: str, reason: str) -> dict[str, Any]:
    return {
        "account": {"account": select(str(account)) if account else {"type": "external_select"}},
        "amount": {"value": {"type": "number_input", "value": amount}},
        "reason": {"value": text(reason)},
    }


def shown(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(
        [b["text"]["text"] for b in blocks if "text" in b]
        + [e["text"] for b in blocks for e in b.get("elements", [])]
    )


# --- /reference adjust ---------------------------------------------------------------------------


def test_an_admin_s_adjust_opens_the_modal_with_the_named_account(world: World) -> None:
    view = world.open_modal(ADMIN, "adjust acme")

    assert view["callback_id"] == View.ADJUST
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["label"]["text"] for b in inputs] == ["Account", "Amount", "Reason"]
    assert inputs[0]["element"]["initial_option"]["value"] == str(world.acme)
    assert inputs[1]["element"]["type"] == "number_input"


def test_anyone_else_is_told_in_place_that_only_admins_adjust(world: World) -> None:
    status, body = world.command(OWNER, "adjust acme")

    assert status == 200
    assert json.loads(body) == {
        "response_type": "ephemeral",
        "text": "Only a program admin can adjust an account's balance.",
    }
    assert world.slack.calls_to("views.open") == []


def test_submitting_posts_the_adjustment_once_and_tells_the_admin_and_the_owner(world: World) -> None:
    view = world.open_modal(ADMIN, "adjust")
    form = adjust_form(world.acme, "-2", "Counted the Q3 webinar twice")

    answer = world.submit(ADMIN, view, form)
    again = world.submit(ADMIN, view, form)

    assert answer["response_action"] == again["response_action"] == "update"
    assert_valid_view(answer["view"])
    assert "Adjusted *Acme Corp* by *−2 points*. Balance now *1 point*." in shown(answer["view"]["blocks"])
    [entry] = world.entries()
    assert (entry.kind, entry.amount, entry.reason, entry.actor_id) == (
        EntryKind.ADJUSTMENT,
        -2,
        "Counted the Q3 webinar twice",
        ADMIN,
    )
    [receipt] = world.dms_to(ADMIN)
    [notice] = world.dms_to(OWNER)
    assert receipt.args["text"] == "Adjusted Acme Corp by −2 points: balance now 1 point"
    assert notice.args["text"] == (
        "A program admin adjusted the balance of Acme Corp by −2 points: Counted the Q3 webinar twice"
    )
    for message in (receipt, notice):
        assert_valid_message_blocks(message.args["blocks"])
    assert f"<@{ADMIN}> adjusted the balance of your account *Acme Corp* by *−2 points*" in shown(
        notice.args["blocks"]
    )
    assert "Reason: Counted the Q3 webinar twice" in shown(notice.args["blocks"])


def test_a_zero_amount_and_no_reason_are_shown_on_their_inputs(world: World) -> None:
    view = world.open_modal(ADMIN, "adjust acme")

    answer = world.submit(ADMIN, view, adjust_form(world.acme, "0", " "))

    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"amount", "reason"}
    assert world.entries() == []


def test_a_non_admin_submitting_an_adjust_modal_is_refused_on_it(world: World) -> None:
    view = world.open_modal(ADMIN, "adjust acme")

    answer = world.submit(SELLER, view, adjust_form(world.acme, "50", "I need this ask"))

    assert answer == {
        "response_action": "errors",
        "errors": {"account": "Only a program admin can adjust an account's balance."},
    }
    assert world.entries() == []


# --- who may log value ---------------------------------------------------------------------------


def log_form(account: int) -> dict[str, Any]:
    return {
        "account": {"account": select(str(account))},
        "advocate": {"log_advocate": {"type": "external_select", "selected_option": None}},
        "value": {"value": select("early_access")},
        "note": {"value": text("Beta seat")},
        "occurred_on": {"value": date(NOW.date().isoformat())},
    }


def test_a_requester_cannot_log_value_to_lift_the_balance_and_is_told_who_can(world: World) -> None:
    view = world.open_modal(SELLER, "log acme")

    answer = world.submit(SELLER, view, log_form(world.acme))

    assert answer == {
        "response_action": "errors",
        "errors": {"account": f"Only <@{OWNER}> or a program admin can log value for this account."},
    }
    assert world.balance() == 3 and world.entries() == []


@pytest.mark.parametrize("logger", [OWNER, ADMIN])
def test_the_owner_or_an_admin_logs_value_in_points(world: World, logger: str) -> None:
    view = world.open_modal(logger, "log acme")

    answer = world.submit(logger, view, log_form(world.acme))

    assert answer["response_action"] == "update"
    assert "(+3 points) for *Acme Corp*. Balance now *6 points*." in shown(answer["view"]["blocks"])
    assert world.balance() == 6
    [receipt] = world.dms_to(logger)
    assert receipt.args["text"] == "Logged value for Acme Corp: balance now 6 points"
