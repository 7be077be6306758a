"""What the decider, the requester and App Home read about a request, built from literal cards.

Each message is checked twice: for what a person sees (buttons, the outcome line, people's text
kept literal) and against Block Kit (the schema and slack_sdk's limits).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from handlers.kit.ids import Action, View
from handlers.requests.messages import decision_blocks, outcome_line, reason_modal, summary_blocks
from handlers.requests.requester import confirmation_blocks, outcome_blocks
from store.customer.sides import CustomerSide
from store.models import RequestStatus
from store.requests.cards import Alternative, HistoryLine, RequestCard
from store.rules.checklist import RuleResult, Verdict
from tests.support.blockkit import assert_valid_message_blocks, assert_valid_view

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
DECIDED = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)
OWNER, SELLER, ADMIN = "U0OWNER01", "U0SELLER1", "U0ADMIN01"
#: Slack's date token for DECIDED, with the UTC fallback every client can show
DECIDED_TOKEN = f"<!date^{int(DECIDED.timestamp())}^{{date_short_pretty}} at {{time}}|2026-11-24 09:30 UTC>"


def slack_day(day: dt.date) -> str:
    """Slack's token for a day: 10:00 UTC (the same date from Hawaii to New Zealand), "1 Oct 2026"
    as fallback."""
    moment = int(dt.datetime.combine(day, dt.time(10), dt.UTC).timestamp())
    return f"<!date^{moment}^{{date_short_pretty}}|{day.day} {day:%b %Y}>"


OK_CHECKS = [
    RuleResult("balance", Verdict.OK, "Balance stays positive: 3 → 0."),
    RuleResult("account_status", Verdict.OK, "The account is active."),
    RuleResult("give_back", Verdict.WARNING, "No value given back in the last 90 days."),
]
BLOCKING_CHECKS = [
    RuleResult("balance", Verdict.BLOCKING, "Not enough equity: 1 → -2. Give something back first."),
    RuleResult("account_status", Verdict.OK, "The account is active."),
]

PENDING = RequestCard(
    id=42,
    status=RequestStatus.PENDING,
    account_id=7,
    account_name="Acme Corp",
    account_industry="Banking",
    owner_id=OWNER,
    requester_id=SELLER,
    activity="reference_call",
    activity_name="Reference call with a prospect",
    cost=3,
    advocate_name="Jane Doe",
    advocate_title="VP Engineering",
    advocate_email="jane@acme.example",
    opportunity_name="Big Bank renewal",
    amount=Decimal("120000"),
    crm_link="https://crm.example/opp/1",
    prospect_industry="Banking",
    needed_by=dt.date(2026, 12, 1),
    context="They want to hear about the migration.",
    created_at=NOW,
    decided_by=None,
    decided_at=None,
    decision_reason=None,
    override_reason=None,
    balance=3,
    history=[
        HistoryLine("give", "Early access / beta", 3, dt.date(2026, 10, 1), OWNER),
        HistoryLine("ask", "Logo use", -1, dt.date(2026, 9, 14), OWNER),
        HistoryLine("adjustment", "", 2, dt.date(2026, 9, 1), ADMIN),
    ],
    checks=OK_CHECKS,
)
BLOCKED = dataclasses.replace(PENDING, balance=1, checks=BLOCKING_CHECKS)
APPROVED = dataclasses.replace(
    PENDING, status=RequestStatus.APPROVED, decided_by=OWNER, decided_at=DECIDED, balance=0, checks=[]
)
DECLINED = dataclasses.replace(
    PENDING,
    status=RequestStatus.DECLINED,
    decided_by=OWNER,
    decided_at=DECIDED,
    decision_reason="Renewal talks this month",
    checks=[],
)
NO_OWNER = dataclasses.replace(PENDING, owner_id=None)
ALTERNATIVES = [
    Alternative(8, "Globex", "Banking", 6, 2),
    Alternative(9, "Hooli", "", 3, 0),
]

#: people's text that would ping a channel, link somewhere, or bold itself if it reached mrkdwn raw
HOSTILE = dataclasses.replace(
    PENDING,
    account_name="<!channel> & *bold* Corp",
    activity_name="<!here> call",
    advocate_name="<@U0EVIL01>",
    advocate_title="<!everyone>",
    advocate_email="<mailto:evil@example.com|jane>",
    opportunity_name="<!subteam^S0EVIL|@sales>",
    prospect_industry="<https://evil.example|Banking>",
    context="*Urgent* <!channel> see <https://evil.example|this>",
    history=[HistoryLine("give", "<!channel>", 3, dt.date(2026, 10, 1), OWNER)],
    checks=[RuleResult("advocate_rest", Verdict.OK, "<@U0EVIL01> has rested 30+ days.")],
)
RAW_MARKUP = ("<!channel>", "<!here>", "<!everyone>", "<!subteam", "<@U0EVIL01>", "<https://evil", "<mailto:")


# --- reading a message the way a person does -----------------------------------------------------


def mrkdwn_texts(node: Any) -> list[str]:
    """Every mrkdwn string in a payload: what Slack parses for mentions, links and formatting."""
    found: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            if current.get("type") == "mrkdwn":
                found.append(current["text"])
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return found


def shown(blocks: list[dict[str, Any]]) -> str:
    """All the text of a message, plain and mrkdwn, in order."""
    parts: list[str] = []
    for block in blocks:
        if isinstance(block.get("text"), dict):
            parts.append(block["text"]["text"])
        parts.extend(field["text"] for field in block.get("fields", []))
        parts.extend(e["text"] for e in block.get("elements", []) if isinstance(e.get("text"), str))
    return "\n".join(parts)


def buttons(blocks: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """label → (action id, value), for buttons in actions blocks and as section accessories."""
    elements = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    elements += [b["accessory"] for b in blocks if "accessory" in b]
    return {e["text"]["text"]: (e["action_id"], e["value"]) for e in elements if e["type"] == "button"}


def assert_no_raw_markup(blocks: list[dict[str, Any]]) -> None:
    for text in mrkdwn_texts(blocks):
        for raw in RAW_MARKUP:
            assert raw not in text, f"{raw!r} reached mrkdwn unescaped in {text!r}"


# --- the decider's message -----------------------------------------------------------------------


@pytest.mark.parametrize("viewer_is_admin", [False, True])
def test_a_pending_request_offers_approve_and_decline_to_its_decider(viewer_is_admin: bool) -> None:
    blocks = decision_blocks(PENDING, viewer_is_admin=viewer_is_admin)

    assert_valid_message_blocks(blocks)
    assert buttons(blocks) == {"Approve": (Action.APPROVE, "42"), "Decline": (Action.DECLINE, "42")}
    actions = next(b for b in blocks if b["type"] == "actions")
    assert actions["block_id"] == "decision"
    assert [e.get("style") for e in actions["elements"]] == ["primary", "danger"]
    text = shown(blocks)
    assert "*Balance:* 3 points now → *0 points* after this ask" in text
    oct1, sep14, sep1 = (slack_day(dt.date(2026, m, d)) for m, d in ((10, 1), (9, 14), (9, 1)))
    assert f"*Last asks and gives*\n• {oct1} Gave: Early access / beta (+3 points)\n" in text
    assert f"• {sep14} Asked: Logo use (−1 point)\n• {sep1} Adjusted (+2 points)" in text
    # before any click: what Approve does (this program does not e-mail: the owner asks in person)
    assert "🗣️ *Approve* asks you to put it to *Jane Doe, VP Engineering* yourself" in text
    assert "✅ Balance stays positive: 3 → 0." in text
    assert "⚠️ No value given back in the last 90 days." in text
    assert "⛔" not in text


def test_the_summary_says_who_asks_what_of_whom_for_which_deal() -> None:
    blocks = summary_blocks(PENDING)

    assert_valid_message_blocks(blocks)
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Reference request: Acme Corp", "emoji": True},
    }
    text = shown(blocks)
    assert (
        f"<@{SELLER}> asks for a *Reference call with a prospect* (costs 3 points) with *Acme Corp*." in text
    )
    cells = [field["text"] for field in blocks[2]["fields"]]
    assert cells == [
        "*Deal*\n<https://crm.example/opp/1|Big Bank renewal>",
        "*Amount*\nUSD 120,000",
        "*Advocate*\nJane Doe, VP Engineering",
        f"*Needed by*\n{slack_day(dt.date(2026, 12, 1))}",
        "*Prospect industry*\nBanking",
        f"*Owner*\n<@{OWNER}>",
    ]
    assert blocks[3]["text"]["text"] == (
        "*Context* (internal: never shown to the customer)\nThey want to hear about the migration."
    )


@pytest.mark.parametrize(
    ("crm_link", "name", "deal"),
    [
        (
            "https://crm.example/opp?id=1&tab=2",
            "Big Bank renewal",
            "<https://crm.example/opp?id=1&amp;tab=2|Big Bank renewal>",
        ),
        ("https://crm.example/opp/1", "Q3 | renewal", "<https://crm.example/opp/1|Q3 ¦ renewal>"),
        ("https://crm.example/opp/1", "", "<https://crm.example/opp/1|—>"),
        ("javascript:alert(1)", "Big Bank renewal", "Big Bank renewal"),
        ("https://crm.example/opp?x=<!channel>", "Big Bank renewal", "Big Bank renewal"),
    ],
)
def test_the_deal_links_to_the_crm_only_through_a_safe_link(crm_link: str, name: str, deal: str) -> None:
    card = dataclasses.replace(PENDING, crm_link=crm_link, opportunity_name=name)

    blocks = summary_blocks(card)

    assert_valid_message_blocks(blocks)
    assert blocks[2]["fields"][0]["text"] == f"*Deal*\n{deal}"


def test_a_sparse_request_shows_dashes_and_the_owner_s_choice() -> None:
    sparse = dataclasses.replace(
        NO_OWNER,
        advocate_name=None,
        advocate_title=None,
        amount=None,
        crm_link=None,
        opportunity_name="",
        prospect_industry="",
        needed_by=None,
        context="",
    )

    blocks = summary_blocks(sparse)

    assert_valid_message_blocks(blocks)
    assert [field["text"] for field in blocks[2]["fields"]] == [
        "*Deal*\n—",
        "*Amount*\n—",
        "*Advocate*\nOwner's choice",
        "*Needed by*\n—",
        "*Prospect industry*\n—",
        "*Owner*\nno owner in Slack",
    ]
    assert len(blocks) == 3, "no empty Context section"


def test_a_deal_without_a_crm_link_is_its_name_not_a_link() -> None:
    cells = summary_blocks(dataclasses.replace(PENDING, crm_link=None))[2]["fields"]
    assert cells[0]["text"] == "*Deal*\nBig Bank renewal"


def test_a_blocked_request_offers_the_owner_only_decline() -> None:
    blocks = decision_blocks(BLOCKED, viewer_is_admin=False)

    assert_valid_message_blocks(blocks)
    assert buttons(blocks) == {"Decline": (Action.DECLINE, "42")}
    text = shown(blocks)
    assert "⛔ Not enough equity: 1 → -2. Give something back first." in text
    assert (
        "⛔ Approval is blocked by the rules marked ⛔ above. A program admin can approve with override"
        in text
    )
    assert "*Balance:* 1 point now → *−2 points* after this ask" in text


def test_a_blocked_request_offers_an_admin_approve_with_override() -> None:
    blocks = decision_blocks(BLOCKED, viewer_is_admin=True)

    assert_valid_message_blocks(blocks)
    assert buttons(blocks) == {
        "Approve with override": (Action.APPROVE_OVERRIDE, "42"),
        "Decline": (Action.DECLINE, "42"),
    }
    assert "as a program admin you may approve anyway, with a written reason" in shown(blocks)


@pytest.mark.parametrize("viewer_is_admin", [False, True])
def test_a_blocked_request_never_shows_a_plain_approve(viewer_is_admin: bool) -> None:
    blocks = decision_blocks(BLOCKED, viewer_is_admin=viewer_is_admin)
    assert Action.APPROVE not in {action for action, _ in buttons(blocks).values()}


def test_a_request_with_no_history_says_so() -> None:
    blocks = decision_blocks(dataclasses.replace(PENDING, history=[]), viewer_is_admin=False)
    assert_valid_message_blocks(blocks)
    assert "*Last asks and gives*\nNothing asked or given yet." in shown(blocks)


@pytest.mark.parametrize("viewer_is_admin", [False, True])
def test_a_decided_request_has_no_buttons_and_reads_its_outcome(viewer_is_admin: bool) -> None:
    blocks = decision_blocks(APPROVED, viewer_is_admin=viewer_is_admin)

    assert_valid_message_blocks(blocks)
    assert buttons(blocks) == {}
    assert blocks[-1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": f"✅ Approved by <@{OWNER}>, {DECIDED_TOKEN}"}],
    }
    text = shown(blocks)
    assert "*Balance:*" not in text and "Checklist" not in text


# --- the outcome line ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "label", "then"),
    [
        (RequestStatus.APPROVED, "✅ Approved", ""),
        (RequestStatus.DECLINED, "❌ Declined", ""),
        (RequestStatus.CANCELLED, "🚫 Cancelled", ""),
        (RequestStatus.CUSTOMER_DECLINED, "✅ Approved", ""),
        (RequestStatus.DONE, "✅ Approved", "\n🏁 Done"),
        (RequestStatus.FELL_THROUGH, "✅ Approved", "\n↩️ Fell through"),
        (RequestStatus.WITHDRAWN, "✅ Approved", "\n↩️ Withdrawn by the requester: no longer needed"),
    ],
)
def test_the_outcome_line_names_the_owner_s_decision_who_and_when_then_how_it_closed(
    status: str, label: str, then: str
) -> None:
    card = dataclasses.replace(APPROVED, status=status, decided_by=SELLER)
    assert outcome_line(card) == f"{label} by <@{SELLER}>, {DECIDED_TOKEN}{then}"


def test_a_declined_outcome_quotes_the_reason() -> None:
    assert outcome_line(DECLINED) == f"❌ Declined by <@{OWNER}>, {DECIDED_TOKEN}\n> Renewal talks this month"


def test_an_overridden_approval_says_why() -> None:
    card = dataclasses.replace(APPROVED, decided_by=ADMIN, override_reason="Strategic deal, CEO asked")
    assert outcome_line(card) == (
        f"✅ Approved by <@{ADMIN}>, {DECIDED_TOKEN}\n⛔ overridden: Strategic deal, CEO asked"
    )


def test_the_outcome_line_escapes_people_s_reasons() -> None:
    card = dataclasses.replace(DECLINED, decision_reason="<!channel> no", override_reason="<@U0EVIL01> & co")
    line = outcome_line(card)
    assert "> &lt;!channel&gt; no" in line and "overridden: &lt;@U0EVIL01&gt; &amp; co" in line


# --- the requester's receipt ---------------------------------------------------------------------


def test_the_receipt_says_who_decides_and_offers_cancel() -> None:
    blocks = confirmation_blocks(PENDING)

    assert_valid_message_blocks(blocks)
    assert f"📨 Sent to <@{OWNER}> to decide. You'll get a DM with the outcome." in shown(blocks)
    assert buttons(blocks) == {"Cancel request": (Action.CANCEL_REQUEST, "42")}
    assert blocks[-1]["block_id"] == "requester"


def test_a_receipt_for_an_account_without_owner_says_the_admins_decide() -> None:
    blocks = confirmation_blocks(NO_OWNER)
    assert_valid_message_blocks(blocks)
    assert "📨 Sent to the program admins to decide." in shown(blocks)


def test_a_decided_receipt_has_no_cancel_button_and_reads_its_outcome() -> None:
    blocks = confirmation_blocks(DECLINED)

    assert_valid_message_blocks(blocks)
    assert buttons(blocks) == {}
    assert blocks[-1]["elements"][0]["text"] == outcome_line(DECLINED)


# --- the requester's outcome DM ------------------------------------------------------------------


WAITING = CustomerSide("Jane Doe", "email", DECIDED, None, None, None, None)


def test_an_approval_says_the_customer_was_asked_and_gives_no_address_before_their_yes() -> None:
    blocks = outcome_blocks(dataclasses.replace(APPROVED, customer=WAITING), [])

    assert_valid_message_blocks(blocks)
    text = shown(blocks)
    assert (
        f"✅ <@{OWNER}> approved your *Reference call with a prospect* with *Acme Corp* "
        "for <https://crm.example/opp/1|Big Bank renewal>." in text
    )
    assert (
        f"*Jane Doe* was e-mailed {DECIDED_TOKEN} on <@{OWNER}>'s behalf. Their answer, and their contact "
        "details if they say yes, come to you here: please don't contact them before." in text
    )
    assert "jane@acme.example" not in str(blocks), "nobody approaches the customer before their yes"
    assert "Acme Corp's balance is now 0 points." in text
    assert buttons(blocks) == {"Withdraw": (Action.WITHDRAW, "42")}
    withdraw = next(b for b in blocks if b.get("block_id") == "withdraw")["elements"][0]
    assert withdraw["confirm"]["confirm"]["text"] == "Withdraw"
    assert withdraw["confirm"]["text"]["text"].startswith("The customer is told it is no longer needed")


def test_an_approval_the_owner_asks_in_person_says_so() -> None:
    side = dataclasses.replace(WAITING, mode="owner")
    blocks = outcome_blocks(dataclasses.replace(APPROVED, customer=side), [])
    assert_valid_message_blocks(blocks)
    assert f"*Jane Doe* is asked in person by <@{OWNER}>." in shown(blocks)
    withdraw = next(b for b in blocks if b.get("block_id") == "withdraw")["elements"][0]
    # nobody e-mails a customer the owner asked in person: the confirmation does not say so
    assert withdraw["confirm"]["text"]["text"].startswith("The owner is asked to let the customer know")


@pytest.mark.parametrize(
    ("status", "answer", "line"),
    [
        (RequestStatus.APPROVED, "yes", f"🤝 Confirmed by Jane Doe, {DECIDED_TOKEN}"),
        (
            RequestStatus.CUSTOMER_DECLINED,
            "not_this_time",
            f"🙅 Jane Doe said *Not this time*, {DECIDED_TOKEN}",
        ),
    ],
)
def test_the_approval_rewritten_says_where_the_customer_is(status: str, answer: str, line: str) -> None:
    side = dataclasses.replace(WAITING, answer=answer, answered_at=DECIDED)
    card = dataclasses.replace(APPROVED, status=status, customer=side)
    blocks = outcome_blocks(card, [])
    assert_valid_message_blocks(blocks)
    assert line in shown(blocks)
    assert ("Withdraw" in buttons(blocks)) is (status == RequestStatus.APPROVED)
    assert line in outcome_line(card) and "Declined" not in outcome_line(card)


def test_a_decline_quotes_the_reason_and_offers_alternatives_to_request() -> None:
    blocks = outcome_blocks(DECLINED, ALTERNATIVES)

    assert_valid_message_blocks(blocks)
    text = shown(blocks)
    assert f"❌ <@{OWNER}> declined your *Reference call with a prospect* with *Acme Corp*." in text
    assert "*Reason:*\n> Renewal talks this month" in text
    assert "*Globex* · Banking · balance 6 points, 2 willing advocates" in text
    assert "*Hooli* · no industry · balance 3 points" in text
    assert "balance 3 points," not in text, "no willing advocates: nothing said about them"
    offered = [
        (b["accessory"]["text"]["text"], b["accessory"]["action_id"], b["accessory"]["value"])
        for b in blocks
        if "accessory" in b
    ]
    assert offered == [("Request", Action.REQUEST_ACCOUNT, "8"), ("Request", Action.REQUEST_ACCOUNT, "9")]


def test_a_decline_without_alternatives_suggests_a_broader_search() -> None:
    blocks = outcome_blocks(DECLINED, [])

    assert_valid_message_blocks(blocks)
    assert "No other account in this industry can afford this ask right now." in shown(blocks)
    assert buttons(blocks) == {}


def test_a_decline_without_a_recorded_reason_says_so() -> None:
    blocks = outcome_blocks(dataclasses.replace(DECLINED, decision_reason=None), [])
    assert "*Reason:*\n> no reason given" in shown(blocks)


# --- people's text stays literal -----------------------------------------------------------------


@pytest.mark.parametrize("viewer_is_admin", [False, True])
def test_hostile_text_in_a_decision_message_pings_and_links_nobody(viewer_is_admin: bool) -> None:
    blocks = decision_blocks(HOSTILE, viewer_is_admin=viewer_is_admin)

    assert_valid_message_blocks(blocks)
    assert_no_raw_markup(blocks)
    text = shown(blocks)
    assert "*&lt;!channel&gt; &amp; *bold* Corp*" in text  # escaped, the person's asterisks kept
    assert "*Advocate*\n&lt;@U0EVIL01&gt;, &lt;!everyone&gt;" in text
    assert (
        "*Context* (internal: never shown to the customer)\n*Urgent* &lt;!channel&gt; see "
        "&lt;https://evil.example|this&gt;" in text
    )
    assert f"• {slack_day(dt.date(2026, 10, 1))} Gave: &lt;!channel&gt; (+3 points)" in text
    # a header is plain text: Slack shows it as typed and parses nothing in it
    assert blocks[0]["text"] == {
        "type": "plain_text",
        "text": "Reference request: <!channel> & *bold* Corp",
        "emoji": True,
    }


def test_hostile_text_in_a_receipt_pings_and_links_nobody() -> None:
    blocks = confirmation_blocks(HOSTILE)
    assert_valid_message_blocks(blocks)
    assert_no_raw_markup(blocks)


def test_hostile_text_in_a_decline_and_its_alternatives_pings_and_links_nobody() -> None:
    card = dataclasses.replace(
        HOSTILE,
        status=RequestStatus.DECLINED,
        decided_by=OWNER,
        decided_at=DECIDED,
        decision_reason="<!here>",
    )
    alternatives = [Alternative(8, "<!channel> Globex", "<@U0EVIL01>", 6, 1)]

    blocks = outcome_blocks(card, alternatives)

    assert_valid_message_blocks(blocks)
    assert_no_raw_markup(blocks)
    assert "*&lt;!channel&gt; Globex* · &lt;@U0EVIL01&gt; · balance 6 points, 1 willing advocate" in shown(
        blocks
    )


def test_hostile_text_in_an_approval_pings_and_links_nobody() -> None:
    card = dataclasses.replace(HOSTILE, status=RequestStatus.APPROVED, decided_by=OWNER, decided_at=DECIDED)

    blocks = outcome_blocks(card, [])

    assert_valid_message_blocks(blocks)
    assert_no_raw_markup(blocks)


def test_a_crm_link_that_would_break_out_of_the_link_syntax_pings_nobody() -> None:
    card = dataclasses.replace(PENDING, crm_link="https://crm.example/opp?x=<!channel>|y")

    blocks = summary_blocks(card)

    assert_valid_message_blocks(blocks)
    assert_no_raw_markup(blocks)


def test_very_long_text_is_cut_to_slack_s_limits() -> None:
    card = dataclasses.replace(
        PENDING,
        account_name="A" * 400,
        context="word " * 1200,
        advocate_name="B" * 2500,
        checks=[RuleResult(f"rule{i}", Verdict.WARNING, "x" * 400) for i in range(12)],
    )

    for blocks in (
        decision_blocks(card, viewer_is_admin=True),
        confirmation_blocks(card),
        outcome_blocks(dataclasses.replace(card, status=RequestStatus.APPROVED, decided_by=OWNER), []),
    ):
        assert_valid_message_blocks(blocks)
        assert all(len(text) <= 3000 for text in mrkdwn_texts(blocks))
    header = decision_blocks(card, viewer_is_admin=False)[0]["text"]["text"]
    assert len(header) == 150 and header.endswith("A…")


# --- the reason modals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("callback_id", "title", "submit"),
    [(View.DECLINE, "Decline request", "Decline"), (View.OVERRIDE, "Approve with override", "Approve")],
)
def test_a_reason_modal_asks_for_one_reason_and_carries_the_request(
    callback_id: str, title: str, submit: str
) -> None:
    view = reason_modal(callback_id, title, "The requester will read your reason.", 42, submit)

    assert_valid_view(view)
    assert view["callback_id"] == callback_id
    assert view["private_metadata"] == "42"
    assert view["title"]["text"] == title and view["submit"]["text"] == submit
    assert view["blocks"][0]["text"]["text"] == "The requester will read your reason."
    reason = view["blocks"][1]
    assert reason["type"] == "input" and reason["block_id"] == "reason"
    assert reason["element"] == {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": True,
        "max_length": 1000,
    }
