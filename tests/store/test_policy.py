"""The policy: product.md's tables are the defaults, a TOML file overrides them, and the
checklist gives the approver one verdict and one reason per rule."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from store.policy import PolicyError, PolicyFacts, RuleResult, Verdict, checklist, is_blocked, load_policy

# product.md, "Default policy": (key, name, cost), from discreet to public
ACTIVITIES = [
    ("logo", "logo use", 1),
    ("analyst_briefing", "analyst briefing under NDA", 2),
    ("quote", "written quote / testimonial", 2),
    ("review", "peer review on a review site", 2),
    ("reference_call", "reference call with a prospect", 3),
    ("case_study", "written case study", 5),
    ("webinar", "webinar", 5),
    ("site_visit", "site visit", 5),
    ("press_interview", "press / media interview", 6),
    ("video", "video case study", 8),
    ("speaker", "conference speaker", 8),
]
# (key, name, group, credit); the app shows the name without its parenthesised examples
VALUES = [
    ("peer_networking", "introductions to peers / community", "affiliation", 3),
    ("advisory_board", "advisory board seat", "affiliation", 4),
    ("early_access", "early access / beta", "learning", 3),
    ("training", "training or certification", "learning", 2),
    (
        "promotion",
        "promote their work (byline, media placement, speaking slot about them)",
        "reputation",
        5,
    ),
    ("award", "award or VIP recognition", "status", 4),
    ("exec_access", 'executive access ("hotline to the CEO")', "status", 4),
    ("product_input", "roadmap / product input session", "say in product", 3),
    ("referral", "business referral to them", "business", 5),
]

TODAY = dt.date(2026, 11, 23)


def short(name: str) -> str:
    return name.split(" (")[0].casefold()


def test_the_default_activities_are_product_md_s_table() -> None:
    policy = load_policy()

    assert [(a.key, a.name.casefold(), a.cost) for a in policy.activities.values()] == [
        (key, name.casefold(), cost) for key, name, cost in ACTIVITIES
    ]


def test_the_default_values_are_product_md_s_table() -> None:
    policy = load_policy()

    assert [(v.key, v.name.casefold(), v.group, v.credit) for v in policy.values.values()] == [
        (key, short(name), group, credit) for key, name, group, credit in VALUES
    ]
    assert list(policy.value_groups()) == [
        "affiliation",
        "learning",
        "reputation",
        "status",
        "say in product",
        "business",
    ]


def test_the_default_rules_and_opening_balance_are_product_md_s() -> None:
    policy = load_policy()

    assert policy.opening_balance == 3
    assert dataclasses.asdict(policy.rules) == {
        "advocate_rest_days": 30,
        "advocate_window_days": 180,
        "advocate_max_asks_in_window": 3,
        "reference_calls_per_quarter": 2,
        "renewal_warning_days": 60,
        "give_back_days": 90,
    }


def test_an_override_file_changes_what_it_names_and_keeps_the_rest(tmp_path: Path) -> None:
    override = tmp_path / "policy.toml"
    override.write_text(
        'opening_balance = 5\n[activities]\nwebinar = { name = "Webinar", cost = 7 }\n'
        "[rules]\nadvocate_rest_days = 45\n"
    )

    policy = load_policy(override)
    defaults = load_policy()

    assert policy.activity("webinar").cost == 7
    assert policy.opening_balance == 5
    assert policy.rules.advocate_rest_days == 45
    assert policy.rules.give_back_days == defaults.rules.give_back_days
    assert {k: a.cost for k, a in policy.activities.items() if k != "webinar"} == {
        k: a.cost for k, a in defaults.activities.items() if k != "webinar"
    }
    assert policy.values == defaults.values


def test_an_override_file_can_add_an_activity(tmp_path: Path) -> None:
    override = tmp_path / "policy.toml"
    override.write_text('[activities]\npodcast = { name = "Podcast guest", cost = 4 }\n')

    policy = load_policy(override)

    assert policy.activity("podcast").cost == 4
    assert len(policy.activities) == len(ACTIVITIES) + 1


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ("opening_balance = [", "not valid TOML"),
        ('[activities]\nlogo = { name = "Logo use", cost = -1 }\n', "activities.logo.cost"),
        ('[activities]\nlogo = { name = "Logo use", cost = "one" }\n', "activities.logo.cost"),
        ('[values]\naward = { name = "Award", group = "status", credit = -4 }\n', "values.award.credit"),
        ("[rules]\nadvocate_rest_dayz = 10\n", "unknown rule 'advocate_rest_dayz'"),
        ("[rules]\nadvocate_rest_days = 1.5\n", "rules.advocate_rest_days"),
        ("[activities]\nlogo = 3\n", "activities.logo"),
    ],
)
def test_a_bad_policy_file_names_the_key_at_fault(tmp_path: Path, content: str, named: str) -> None:
    override = tmp_path / "policy.toml"
    override.write_text(content)

    with pytest.raises(PolicyError) as raised:
        load_policy(override)

    assert named in str(raised.value)
    assert str(override) in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_missing_policy_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "nope.toml")


def test_an_unknown_activity_or_value_is_a_policy_error() -> None:
    policy = load_policy()

    with pytest.raises(PolicyError, match="unknown activity 'podcast'"):
        policy.activity("podcast")
    with pytest.raises(PolicyError, match="unknown value type 'cake'"):
        policy.value("cake")


# --- the checklist -----------------------------------------------------------------------------

#: an ask every rule is happy with: a reference call with a rested advocate of a healthy account
GOOD = PolicyFacts(
    today=TODAY,
    activity="reference_call",
    cost=3,
    balance=10,
    account_status="active",
    renewal_date=None,
    other_pending_requests=0,
    reference_calls_this_quarter=0,
    last_give_on=TODAY - dt.timedelta(days=10),
    advocate_name="Dana Scully",
    advocate_last_ask_on=None,
    advocate_asks_in_window=0,
)


def verdicts(**changes: object) -> dict[str, RuleResult]:
    facts = dataclasses.replace(GOOD, **changes)
    return {result.rule: result for result in checklist(load_policy(), facts)}


def test_a_healthy_ask_passes_every_rule() -> None:
    results = checklist(load_policy(), GOOD)

    assert {r.rule for r in results} == {
        "balance",
        "account_status",
        "advocate_rest",
        "advocate_cap",
        "reference_calls_per_quarter",
        "renewal",
        "duplicate",
        "give_back",
    }
    assert all(r.verdict is Verdict.OK for r in results), results
    assert not is_blocked(results)


def test_the_verdicts_show_as_the_product_s_emoji() -> None:
    assert (Verdict.OK.emoji, Verdict.WARNING.emoji, Verdict.BLOCKING.emoji) == ("✅", "⚠️", "⛔")


def test_an_ask_that_would_take_the_balance_below_zero_is_blocked() -> None:
    result = verdicts(balance=2, cost=3)["balance"]

    assert result.verdict is Verdict.BLOCKING
    assert "2 → -1" in result.sentence
    assert "Give something back" in result.sentence


def test_an_ask_that_brings_the_balance_to_exactly_zero_is_ok() -> None:
    result = verdicts(balance=3, cost=3)["balance"]

    assert result.verdict is Verdict.OK
    assert "3 → 0" in result.sentence


def test_an_advocate_asked_within_30_days_is_blocked() -> None:
    result = verdicts(advocate_last_ask_on=TODAY - dt.timedelta(days=29))["advocate_rest"]

    assert result.verdict is Verdict.BLOCKING
    assert "Dana Scully was asked 29 days ago" in result.sentence
    assert "30 days" in result.sentence


def test_an_advocate_rested_30_days_may_be_asked_again() -> None:
    result = verdicts(advocate_last_ask_on=TODAY - dt.timedelta(days=30))["advocate_rest"]

    assert result.verdict is Verdict.OK


def test_an_advocate_asked_3_times_in_180_days_is_blocked() -> None:
    result = verdicts(advocate_asks_in_window=3)["advocate_cap"]

    assert result.verdict is Verdict.BLOCKING
    assert "Dana Scully was asked 3 times in 180 days" in result.sentence
    assert verdicts(advocate_asks_in_window=2)["advocate_cap"].verdict is Verdict.OK


def test_no_advocate_chosen_means_no_advocate_rules() -> None:
    results = verdicts(advocate_name=None, advocate_asks_in_window=5)

    assert "advocate_rest" not in results
    assert "advocate_cap" not in results


def test_a_third_reference_call_this_quarter_is_a_warning() -> None:
    result = verdicts(reference_calls_this_quarter=2)["reference_calls_per_quarter"]

    assert result.verdict is Verdict.WARNING
    assert "Already 2 reference calls this quarter" in result.sentence
    assert verdicts(reference_calls_this_quarter=1)["reference_calls_per_quarter"].verdict is Verdict.OK


def test_the_reference_call_guideline_applies_to_reference_calls_only() -> None:
    results = verdicts(activity="quote", cost=2, reference_calls_this_quarter=5)

    assert "reference_calls_per_quarter" not in results


@pytest.mark.parametrize(("status", "label"), [("paused", "paused"), ("do_not_contact", "do not contact")])
def test_a_paused_or_do_not_contact_account_is_blocked(status: str, label: str) -> None:
    result = verdicts(account_status=status)["account_status"]

    assert result.verdict is Verdict.BLOCKING
    assert result.sentence == f"The account is {label}."


def test_a_renewal_within_60_days_is_a_warning() -> None:
    result = verdicts(renewal_date=TODAY + dt.timedelta(days=60))["renewal"]

    assert result.verdict is Verdict.WARNING
    assert "Renewal in 60 days (2027-01-22)" in result.sentence
    assert verdicts(renewal_date=TODAY + dt.timedelta(days=61))["renewal"].verdict is Verdict.OK


def test_another_pending_request_for_the_account_is_a_warning() -> None:
    result = verdicts(other_pending_requests=1)["duplicate"]

    assert result.verdict is Verdict.WARNING
    assert "1 other request(s) for this account already pending" in result.sentence


@pytest.mark.parametrize("last_give", [None, TODAY - dt.timedelta(days=91)])
def test_no_value_given_back_in_90_days_is_a_warning(last_give: dt.date | None) -> None:
    result = verdicts(last_give_on=last_give)["give_back"]

    assert result.verdict is Verdict.WARNING
    assert "you haven't given anything back lately" in result.sentence
    assert "90 days" in result.sentence


def test_value_given_back_90_days_ago_still_counts() -> None:
    result = verdicts(last_give_on=TODAY - dt.timedelta(days=90))["give_back"]

    assert result.verdict is Verdict.OK
    assert "2026-08-25" in result.sentence


def test_warnings_alone_do_not_block_but_one_blocking_rule_does() -> None:
    warned = checklist(
        load_policy(),
        dataclasses.replace(
            GOOD, other_pending_requests=2, last_give_on=None, reference_calls_this_quarter=4
        ),
    )
    blocked = checklist(load_policy(), dataclasses.replace(GOOD, account_status="paused"))

    assert {r.verdict for r in warned} == {Verdict.OK, Verdict.WARNING}
    assert not is_blocked(warned)
    assert is_blocked(blocked)


def test_the_rules_follow_an_overriding_policy(tmp_path: Path) -> None:
    override = tmp_path / "policy.toml"
    override.write_text("[rules]\nadvocate_rest_days = 45\nrenewal_warning_days = 10\n")
    policy = load_policy(override)
    facts = dataclasses.replace(
        GOOD, advocate_last_ask_on=TODAY - dt.timedelta(days=40), renewal_date=TODAY + dt.timedelta(days=30)
    )

    results = {r.rule: r for r in checklist(policy, facts)}

    assert results["advocate_rest"].verdict is Verdict.BLOCKING
    assert results["renewal"].verdict is Verdict.OK


def test_an_override_may_change_only_the_cost_of_an_activity(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("[activities]\nwebinar = { cost = 7 }\n")

    webinar = load_policy(path).activities["webinar"]

    assert (webinar.name, webinar.cost) == ("Webinar", 7)
