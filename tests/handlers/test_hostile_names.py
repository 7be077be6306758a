"""Every renderer of a request's messages, run on a program whose imported names are hostile:
`<!everyone>` in the advocate's name, a forged link in the account's. Their notification `text`
(what a phone's banner shows, which Slack reads as mrkdwn too) and their mrkdwn blocks hold
people's text as text: no mention, no link. A renderer added for a request's kind is walked too,
or the test says which kind it could not reach."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from handlers.kit.desk import Desk
from handlers.outbox.routing import SlackRoute
from handlers.routes import ROUTES
from store.act import Act
from store.customer import consent
from store.db import Database
from store.models import Advocate, ConsentAnswer
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.requests import asking, deciding, followups, withdrawing
from store.requests.asking import Draft
from store.rules.policy import Policy
from tests.fuzz.checks import MARKUP
from tests.support import store_seed
from tests.support.blockkit import assert_valid_message_blocks

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
OWNER, SELLER, ADMIN = "U0OWNER01", "U0SELLER1", "U0ADMIN01"
ACCOUNT = "Acme <http://evil.example|click> & <!channel>"
ADVOCATE = "Jane <!everyone> Doe"
TITLE = "VP <@U0EVIL001> <!here>"
#: the kinds a request's life owes (the digest, nudges, offers and Home have tests of their own)
REQUEST_KINDS = {
    DeliveryKind.DECISION_REQUEST,
    DeliveryKind.OVERRIDE_REQUEST,
    DeliveryKind.CONFIRMATION,
    DeliveryKind.OUTCOME,
    DeliveryKind.REFRESH,
    DeliveryKind.SLA_REMINDER,
    DeliveryKind.SLA_ESCALATION,
    DeliveryKind.FOLLOWUP,
    DeliveryKind.FOLLOWUP_CLOSED,
    DeliveryKind.CONSENT_ASK,
    DeliveryKind.CONSENT_ANSWERED,
    DeliveryKind.WITHDRAWN_NOTICE,
}


def act(user: str, when: dt.datetime = NOW) -> Act:
    return Act(user, frozenset({ADMIN}), when, when.date())


def hostile_program(db: Database, policy: Policy, walk: Callable[[], None]) -> None:
    """Two asks of Jane at Acme, every message of their lives owed (and walked as it is owed, while
        it still has something to say): one waits past the SLA, the other is approved owner-led,
        answered in person, reminded, followed up and done; and an ask of a paused account, which a ⛔
        rule blocks (the admin's override DM says something); and an ask of another account approved,
    then withdrawn (the owner's notice)."""
    with db.transaction() as session:
        acme = store_seed.account(session, ACCOUNT, "Banking <!subteam^S0EVIL>", owner_slack_id=OWNER)
        jane = store_seed.advocate(session, acme, ADVOCATE, "reference_call;logo")
        session.get_one(Advocate, jane).title = TITLE
        store_seed.entry(session, acme, store_seed.EntryKind.GIVE, 10, NOW.date() - dt.timedelta(days=200))
        paused = store_seed.account(
            session, f"{ACCOUNT} Ltd", "Banking", owner_slack_id=OWNER, status="paused"
        )
    asking.submit(
        db,
        policy,
        Draft(account_id=paused, activity="logo", context="<!here> blocked"),
        act(SELLER),
        source_key="view:blocked",
    )
    early = NOW - dt.timedelta(days=3)
    asking.submit(
        db,
        policy,
        Draft(account_id=acme, activity="logo", advocate_id=jane, context="<!channel> please"),
        act(SELLER, early),
        source_key="view:waits",
    )
    followups.owe_sla_reminders(
        db, now=NOW, sla=dt.timedelta(hours=24), escalation=dt.timedelta(hours=48), admins=frozenset({ADMIN})
    )
    asked = asking.submit(
        db,
        policy,
        Draft(
            account_id=acme,
            activity="reference_call",
            advocate_id=jane,
            opportunity_name="Deal <!here>",
            needed_by=NOW.date(),
        ),
        act(SELLER),
        source_key="view:approved",
    ).request_id
    deciding.decide(db, policy, asked, act(OWNER), approve=True, consent_mode=consent.OWNER)
    consent.fall_back_to_owner(db, asked, NOW)
    walk()
    consent.answer(db, policy, asked, ConsentAnswer.YES, act(OWNER), note="call me <!everyone>")
    later = NOW + dt.timedelta(days=2)
    followups.owe_followups(db, now=later, today=later.date())
    walk()
    followups.mark_done(db, asked, act(SELLER, later), note="went <!here> well")
    walk()
    with db.transaction() as session:
        other = store_seed.account(session, f"{ACCOUNT} Two", "Banking", owner_slack_id=OWNER)
        store_seed.entry(session, other, store_seed.EntryKind.GIVE, 10, NOW.date() - dt.timedelta(days=200))
        sam = store_seed.advocate(session, other, ADVOCATE, "logo")
    withdrawn = asking.submit(
        db,
        policy,
        Draft(account_id=other, activity="logo", advocate_id=sam),
        act(SELLER),
        source_key="view:w",
    ).request_id
    deciding.decide(db, policy, withdrawn, act(OWNER), approve=True, consent_mode=consent.OWNER)
    withdrawing.withdraw(db, withdrawn, act(SELLER))
    walk()


def test_no_renderer_of_a_request_s_messages_lets_an_imported_name_mention_or_link(
    db: Database, policy: Policy
) -> None:
    desk = Desk(db=db, policy=policy, clock=lambda: NOW, admins=frozenset({ADMIN}), routes=ROUTES)
    walked: set[DeliveryKind] = set()

    def walk() -> None:
        """Render what is owed now, as the sender would (rewrites after what they rewrite)."""
        jobs = queue.claim_due(db, NOW + dt.timedelta(days=30), limit=500)
        for job in sorted(jobs, key=lambda job: job.kind == DeliveryKind.REFRESH):
            if job.kind == DeliveryKind.HOME_REFRESH:  # a view published, not a message (tests/handlers/home)
                continue
            route = ROUTES[DeliveryKind(job.kind)]
            assert isinstance(route, SlackRoute)
            for message in route.render(desk, job):
                walked.add(DeliveryKind(job.kind))
                assert_valid_message_blocks(message.blocks)
                for markup in MARKUP:
                    assert markup not in message.text, (
                        f"{markup!r} in the text of {job.key}: {message.text!r}"
                    )
                    for text in mrkdwn_of(message.blocks):
                        assert markup not in text, f"{markup!r} in the blocks of {job.key}: {text!r}"
            queue.mark_sent(db, job, NOW, channel="D0SOMEONE", ts=f"{job.id}.000100")

    hostile_program(db, policy, walk)

    assert walked >= REQUEST_KINDS, f"not reached: {sorted(REQUEST_KINDS - walked)}"


def mrkdwn_of(node: object) -> list[str]:
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str) else []
        return own + [text for value in node.values() for text in mrkdwn_of(value)]
    if isinstance(node, list):
        return [text for value in node for text in mrkdwn_of(value)]
    return []
