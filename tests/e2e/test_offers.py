"""Give first, end to end: an admin posts an offer, the nudge suggests it for the most over-asked
account, **Offer it** → **Delivered** moves the balance, the last seat goes once under twenty
concurrent clicks (one server, and two replicas on PostgreSQL), and the digest uploads its chart
once with the fairness lines."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from store import ledger
from store.act import Act
from store.models import Advocate, EntryKind, OfferSeat, ReferenceRequest, RequestStatus
from store.offers import catalog
from store.offers.catalog import OfferDraft
from store.rules.policy import load_policy
from tests.e2e.conftest import LINK_SECRET
from tests.e2e.test_customer_say import (
    POINTS,
    MonthOldSigner,
    csrf_of,
    post_form,
)
from tests.e2e.test_find_status_digest_home import open_home
from tests.e2e.test_giveback_and_followups import click, dms_with, file_request, jobs_run, opened_view
from tests.support import html_check
from tests.support.blockkit import assert_valid_message_blocks, assert_valid_view
from tests.support.emulator import SIGNING_SECRET, Emulator
from tests.support.mailbox import Mailbox, html_part, text_part
from tests.support.payloads import block_actions, date, text, view_submission
from tests.support.payloads import select as chosen
from tests.support.program import Program
from tests.support.response_sink import ResponseSink
from tests.support.server import RefdeskServer, http, run_cli
from tests.support.slack_proxy import SlackProxy

NOW = dt.datetime.now(dt.UTC)
CLICKS = 20


def offer_form(title: str, seats: str, closes_on: str, fits: str = "") -> dict[str, Any]:
    return {
        "title": {"value": text(title)},
        "value": {"value": chosen("early_access")},
        "seats": {"value": {"type": "number_input", "value": seats}},
        "closes_on": {"value": date(closes_on)},
        "fits": {"value": text(fits)},
        "description": {"value": text("Two weeks with the new payments API before anyone else")},
    }


def post_offer(program: Program, emulator: Emulator, seats: int) -> int:
    db, today = program.database(), NOW.date()
    try:
        return catalog.create_offer(
            db,
            load_policy(),
            OfferDraft("Spring beta", "early_access", str(seats), today + dt.timedelta(days=20), "", ""),
            Act(emulator.ids["admin"], frozenset({emulator.ids["admin"]}), NOW, today),
        ).id
    finally:
        db.dispose()


def seats_of(program: Program, offer_id: int) -> list[str]:
    db = program.database()
    try:
        with db.transaction() as session:
            return list(session.scalars(select(OfferSeat.status).where(OfferSeat.offer_id == offer_id)))
    finally:
        db.dispose()


def test_an_admin_offers_the_nudge_suggests_it_offer_it_then_delivered_moves_the_balance(
    server: RefdeskServer,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
    env: dict[str, str],
    sink: ResponseSink,
) -> None:
    admin, owner = emulator.ids["admin"], emulator.ids["owner"]
    refused = server.command("offer", user_id=owner, trigger_id=emulator.trigger_id(owner)).json()
    assert "Only" in refused["text"] and "a program admin" in refused["text"]

    assert server.command("offer", user_id=admin, trigger_id=emulator.trigger_id(admin)).status == 200
    view = opened_view(slack, 1)
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["Title", "Value delivered", "Seats", "Closes on", "Fits", "Description"]
    yesterday = (NOW.date() - dt.timedelta(days=1)).isoformat()
    bad = server.interact(view_submission(admin, view, offer_form("", "0", yesterday, "colour: red"))).json()
    assert bad["response_action"] == "errors"
    assert set(bad["errors"]) == {"title", "seats", "closes_on", "fits"}
    closes = (NOW.date() + dt.timedelta(days=14)).isoformat()
    good = server.interact(
        view_submission(admin, view, offer_form("Spring beta", "2", closes, "industries: Fintech"))
    )
    assert good.json()["response_action"] == "update"
    assert_valid_view(good.json()["view"])

    listed = server.command("offers", user_id=admin).json()
    assert_valid_message_blocks(listed["blocks"])
    assert [e["text"]["text"] for b in listed["blocks"] if b["type"] == "actions" for e in b["elements"]] == [
        "Edit",
        "Close",
    ]

    # Acme Corp was asked (a reference call): the most over-asked of Olivia's accounts
    file_request(program, emulator, "Acme Corp", approve=True)
    assert program.balance("Acme Corp") == 0
    jobs_run(env, "nudge", NOW)
    nudge = dms_with(emulator, owner, "Time to give back")[0]
    assert_valid_message_blocks(nudge["blocks"])
    offered = [b for b in nudge["blocks"] if (b.get("accessory") or {}).get("action_id") == "offer_it"]
    assert len(offered) == 1 and "Spring beta" in offered[0]["text"]["text"]
    assert "for *Acme Corp*" in offered[0]["text"]["text"]

    answers = sink.new_url()
    click(
        server, emulator, owner, nudge, "Offer it", channel=emulator.dm_channel(owner), response_url=answers
    )
    assert "Seat reserved on “Spring beta” for Acme Corp" in pick_advocate(
        server, slack, owner, "Jane Doe", 2
    )
    card = dms_with(emulator, owner, "Spring beta: a seat is held for Acme Corp")[0]
    assert_valid_message_blocks(card["blocks"])
    assert {"Yes, count me in", "No, thanks", "Delivered", "Release seat"} <= {
        e["text"]["text"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]
    }

    give = server.command("give acme", user_id=owner).json()
    assert_valid_message_blocks(give["blocks"])
    assert "Nothing given back in 12 months" in str(give["blocks"])

    click(
        server, emulator, owner, card, "Delivered", channel=emulator.dm_channel(owner), response_url=answers
    )
    assert program.wait_balance("Acme Corp", 3) == 3
    rewritten = card_as_it_stands(emulator, owner, card["ts"], "✅ Delivered")
    assert_valid_message_blocks(rewritten["blocks"])
    assert "✅ Delivered" in str(rewritten["blocks"]) and "Balance now *3 points*" in str(rewritten["blocks"])
    # a second click on the old card credits nothing
    click(
        server, emulator, owner, card, "Delivered", channel=emulator.dm_channel(owner), response_url=answers
    )
    assert "Already delivered" in sink.wait(answers, count=2)[1]["text"]
    assert program.balance("Acme Corp") == 3


def pick_advocate(server: RefdeskServer, slack: SlackProxy, user: str, name: str, opened: int = 1) -> str:
    """Acme Corp has two willing advocates: **Offer it** asks whom; pick `name`. What the modal says."""
    view = opened_view(slack, opened)
    assert [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"] == ["Advocate"]
    options = view["blocks"][1]["element"]["options"]
    value = next(o["value"] for o in options if o["text"]["text"].startswith(name))
    reply = server.interact(view_submission(user, view, {"advocate": {"value": chosen(value)}})).json()
    assert reply["response_action"] == "update"
    assert_valid_view(reply["view"])
    return str(reply["view"]["blocks"])


def card_as_it_stands(
    emulator: Emulator, owner: str, ts: str, words: str, timeout: float = 15
) -> dict[str, Any]:
    """The seat's card once its rewrite (an outbox delivery, sent just after the click) says `words`."""
    deadline = time.monotonic() + timeout
    while True:
        card = next(m for m in emulator.dms(owner) if m["ts"] == ts)
        if words in str(card["blocks"]) or time.monotonic() > deadline:
            return card
        time.sleep(0.1)


def concurrent_offer_it(
    servers: list[RefdeskServer], emulator: Emulator, offer_id: int, account_id: int, sink: ResponseSink
) -> list[str]:
    """Twenty clicks on **Offer it** at once, spread over `servers`; what each clicker was told.
    (Globex has one willing advocate, so each click reserves at once; an admin clicks.)"""
    owner = emulator.ids["admin"]
    urls = [sink.new_url() for _ in range(CLICKS)]
    start = threading.Barrier(CLICKS)
    statuses: list[int] = []

    def one(n: int) -> None:
        payload = block_actions(
            owner,
            "offer_it",
            f"{offer_id}:{account_id}",
            response_url=urls[n],
            channel="D0OWNER",
            block_id="nudge",
        )
        start.wait()
        statuses.append(servers[n % len(servers)].interact(payload).status)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(CLICKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * CLICKS
    return [sink.wait(url, timeout=20)[0]["text"] for url in urls]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_twenty_concurrent_offer_it_on_the_last_seat_reserve_it_once(
    backend: str, server: RefdeskServer, emulator: Emulator, program: Program, sink: ResponseSink
) -> None:
    offer_id = post_offer(program, emulator, seats=1)
    said = concurrent_offer_it([server], emulator, offer_id, program.accounts["Globex"], sink)
    assert sum(s.startswith("Seat reserved") for s in said) == 1
    assert sum(s.startswith("No seats left on “Spring beta”") for s in said) == CLICKS - 1, said
    assert seats_of(program, offer_id) == ["reserved"]


@pytest.fixture
def replicas(env: dict[str, str], tmp_path: Path) -> Iterator[list[RefdeskServer]]:
    started = [RefdeskServer(env, tmp_path, SIGNING_SECRET).start() for _ in range(2)]
    yield started
    for replica in started:
        replica.stop()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_twenty_concurrent_offer_it_across_two_replicas_reserve_the_last_seat_once(
    backend: str, replicas: list[RefdeskServer], emulator: Emulator, program: Program, sink: ResponseSink
) -> None:
    offer_id = post_offer(program, emulator, seats=1)
    said = concurrent_offer_it(replicas, emulator, offer_id, program.accounts["Globex"], sink)
    assert sum(s.startswith("Seat reserved") for s in said) == 1
    assert sum(s.startswith("No seats left") for s in said) == CLICKS - 1, said
    assert seats_of(program, offer_id) == ["reserved"]


def seed_last_week(program: Program, emulator: Emulator) -> None:
    """Acme Corp helped last week (Jane Doe, a reference call approved and done)."""
    last_week = NOW - dt.timedelta(days=NOW.weekday() + 4)
    db = program.database()
    try:
        with db.transaction() as session:
            jane = session.scalar(select(Advocate.id).where(Advocate.name == "Jane Doe"))
            request = ReferenceRequest(
                account_id=program.accounts["Acme Corp"],
                advocate_id=jane,
                requester_id=emulator.ids["requester"],
                activity="reference_call",
                cost=3,
                status=RequestStatus.DONE,
                created_at=last_week,
                decided_at=last_week,
                closed_at=last_week,
            )
            session.add(request)
            session.flush()
            ledger.post(
                session,
                account_id=program.accounts["Acme Corp"],
                kind=EntryKind.ASK,
                amount=-3,
                actor_id=emulator.ids["owner"],
                now=last_week,
                occurred_on=last_week.date(),
                request_id=request.id,
            )
    finally:
        db.dispose()


def test_the_digest_posts_its_chart_once_with_the_fairness_lines(
    emulator: Emulator, slack: SlackProxy, program: Program, env: dict[str, str], tmp_path: Path
) -> None:
    seed_last_week(program, emulator)
    program.adjust("Hooli", 2, emulator.ids["admin"])  # healthy: above a reference call's 3 points
    first = run_cli(env, "digest")
    second = run_cli(env, "digest")
    again = run_cli(env, "jobs", "run", "digest")
    assert first.returncode == 0, first.stderr
    assert "already posted" in second.stdout and "0 claimed" in again.stdout

    # the digest's chart and the coverage heat map, each uploaded once
    assert len(slack.calls_to("files.getUploadURLExternal")) == 2
    completed = slack.calls_to("files.completeUploadExternal")
    assert len(completed) == 2
    history = emulator.history(emulator.ids["channel"])
    charts = sorted(f["name"] for m in history for f in m.get("files", []))
    assert (
        len(charts) == 2 and charts[0].startswith("coverage-") and charts[1].startswith("reference-program-")
    )
    digest = [m for m in history if "Reference program" in m.get("text", "") and not m.get("files")]
    assert len(digest) == 1
    assert_valid_message_blocks(digest[0]["blocks"])
    body = str(digest[0]["blocks"])
    assert "Top 10 % of accounts (1 of 5) got 100 % of approved asks in the last quarter" in body
    assert "Jane Doe (Acme Corp) — Reference call with a prospect" in body
    assert "Untapped" in body and "Hooli" in body
    assert "gift" not in body.casefold()
    chart_message = next(
        m for m in history if any(f["name"].startswith("reference-program-") for f in m.get("files", []))
    )
    assert_valid_message_blocks(chart_message["blocks"])

    # the dry run writes the same chart locally
    png = tmp_path / "chart.png"
    dry = run_cli(env, "digest", "--dry-run", "--chart", str(png))
    assert dry.returncode == 0, dry.stderr
    assert png.read_bytes().startswith(b"\x89PNG") and f"chart: {png}" in dry.stdout
    assert "Customers who said yes or helped this week" in dry.stdout
    assert "🧭 Where we are short" in dry.stdout


def home_buttons(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for block in view["blocks"]:
        elements = block.get("elements", []) if block["type"] == "actions" else [block.get("accessory") or {}]
        for element in elements:
            if element.get("type") == "button":
                found.setdefault(element["text"]["text"], {**element, "block_id": block.get("block_id", "")})
    return found


def test_app_home_offers_it_then_delivers_and_republishes_each_time(
    server: RefdeskServer, emulator: Emulator, slack: SlackProxy, program: Program
) -> None:
    olivia = emulator.ids["owner"]
    post_offer(program, emulator, seats=3)
    open_home(server, olivia)
    view = slack.wait_for("views.publish", user_id=olivia)[0].args["view"]
    assert_valid_view(view)
    assert "Received in 12 months" in str(view) or "Nothing given back in 12 months" in str(view)
    offer_it = home_buttons(view)["Offer it"]
    home = {**slack.calls_to("views.publish")[0].response["view"], "type": "home"}
    clicked = block_actions(
        olivia,
        "offer_it",
        offer_it["value"],
        view=home,
        block_id="home",
        trigger_id=emulator.trigger_id(olivia),
    )
    assert server.interact(clicked).status == 200
    assert "Seat reserved" in pick_advocate(server, slack, olivia, "Jane Doe")

    republished = slack.wait_for("views.publish", count=2, user_id=olivia)[1].args["view"]
    assert_valid_view(republished)
    delivered = home_buttons(republished)["Delivered"]
    assert (
        server.interact(block_actions(olivia, "seat_delivered", delivered["value"], view=home)).status == 200
    )
    assert program.wait_balance("Acme Corp", 6) == 6
    last = slack.wait_for("views.publish", count=3, user_id=olivia)[2].args["view"]
    assert_valid_view(last)
    assert "Delivered" not in home_buttons(last)


OFFER_LINK = re.compile(r"http://127\.0\.0\.1:\d+/offer/[A-Za-z0-9_\-]+/[A-Za-z0-9_.\-]+")


def test_the_advocate_is_invited_by_email_says_yes_on_the_page_and_delivered_credits_once(
    mail_server: RefdeskServer,
    emulator: Emulator,
    slack: SlackProxy,
    program: Program,
    sink: ResponseSink,
    mailbox: Mailbox,
) -> None:
    owner = emulator.ids["owner"]
    offer_id = post_offer(program, emulator, seats=1)
    answers = sink.new_url()
    clicked = block_actions(
        owner,
        "offer_it",
        f"{offer_id}:{program.accounts['Acme Corp']}",
        response_url=answers,
        channel=emulator.dm_channel(owner),
        block_id="nudge",
        trigger_id=emulator.trigger_id(owner),
    )
    assert mail_server.interact(clicked).status == 200
    assert "Seat reserved on “Spring beta” for Acme Corp" in pick_advocate(mail_server, slack, owner, "Jane")
    card = dms_with(emulator, owner, "Spring beta: a seat is held for Acme Corp")[0]
    assert_valid_message_blocks(card["blocks"])
    assert "Jane Doe was invited by e-mail" in str(card["blocks"])

    # Acme Corp's only willing advocate, Jane Doe, gets the invitation: plain words, no points
    mail = mailbox.wait_for(1)[0]
    assert mail["To"].endswith("<jane@acme.example>") and "Spring beta" in mail["Subject"]
    text, html = text_part(mail), html_part(mail)
    assert "Yes, count me in" in text and not POINTS.search(text + html)
    link = OFFER_LINK.search(text)
    assert link is not None and link[0] in html

    page = http("GET", link[0])
    assert page.status == 200 and html_check.problems(page.body) == []
    assert "Yes, count me in" in page.body and "No, thanks" in page.body and "Closes on" in page.body
    assert not POINTS.search(page.body) and "seat" not in page.body.casefold()
    tampered = http("GET", link[0][:-3] + ("abc" if not link[0].endswith("abc") else "xyz"))
    assert tampered.status == 403 and html_check.problems(tampered.body) == []
    assert "This link does not work" in tampered.body
    answer_link = link[0].replace("/offer/", "/answer/")
    assert http("GET", answer_link).status == 403  # an offer's token opens nothing else
    base, seat_id, token = link[0].rsplit("/", 2)
    assert not seat_id.isdigit(), "the link carries an opaque id, not the seat's number"
    assert http("GET", f"{base}/{seat_id[::-1]}/{token}").status == 403  # nor another seat
    old = URLSafeTimedSerializer(LINK_SECRET, salt="refdesk.link.offer", signer=MonthOldSigner)
    expired = http("GET", f"{base}/{seat_id}/{old.dumps({'key': seat_id})}")
    assert expired.status == 410 and "This link has expired" in expired.body
    assert html_check.problems(expired.body) == []
    no_csrf = post_form(link[0], {"answer": "yes"})
    assert no_csrf.status == 403 and html_check.problems(no_csrf.body) == []

    said_yes = post_form(link[0], {"answer": "yes", "csrf": csrf_of(page.body)})
    assert said_yes.status == 200 and html_check.problems(said_yes.body) == []
    assert "We recorded your answer: “Yes, count me in”" in said_yes.body
    again = post_form(link[0], {"answer": "yes", "csrf": csrf_of(page.body)})
    assert again.status == 200  # the same answer twice: thanked again, nothing new
    changed = post_form(link[0], {"answer": "no", "csrf": csrf_of(page.body)})
    assert changed.status == 409 and html_check.problems(changed.body) == []

    rewritten = card_as_it_stands(emulator, owner, card["ts"], "said yes (by e-mail)")
    assert_valid_message_blocks(rewritten["blocks"])
    assert "said yes (by e-mail)" in str(rewritten["blocks"])
    assert "Yes, count me in" not in str(rewritten["blocks"])  # the owner's answer buttons are gone

    for _ in range(2):
        click(
            mail_server,
            emulator,
            owner,
            rewritten,
            "Delivered",
            channel=emulator.dm_channel(owner),
            response_url=answers,
        )
    assert program.wait_balance("Acme Corp", 6) == 6
    delivered = card_as_it_stands(emulator, owner, card["ts"], "✅ Delivered")
    assert_valid_message_blocks(delivered["blocks"])
    # the two clicks race after their acks: one credits, the other is told, in either order
    told = [answer["text"] for answer in sink.wait(answers, count=2)]
    assert sum("Already delivered" in t for t in told) == 1
    assert sum(t.startswith("Delivered") for t in told) == 1
    assert program.balance("Acme Corp") == 6
    assert len(mailbox.wait_for(1)) == 1  # one invitation, however often the page was used
