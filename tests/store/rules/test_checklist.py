"""The rule checklist: one verdict, one sentence for the approver and one short reason for lists,
per rule of product.md, following the policy's thresholds and its choice of capped activity."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from store.rules.checklist import (
    ADVOCATE_RULES,
    DatesOff,
    NpsFact,
    PolicyFacts,
    Rule,
    RuleResult,
    Verdict,
    checklist,
    is_blocked,
)
from store.rules.policy import Policy, load_policy

TODAY = dt.date(2026, 11, 23)

#: an ask every rule is happy with: a reference call with a rested advocate of a healthy account
GOOD = PolicyFacts(
    today=TODAY,
    activity="reference_call",
    cost=3,
    balance=10,
    account_status="active",
    renewal_date=None,
    other_pending_requests=0,
    capped_asks_this_quarter=0,
    last_give_on=TODAY - dt.timedelta(days=10),
    advocate_name="Dana Scully",
    advocate_last_ask_on=None,
    advocate_asks_in_window=0,
    advocate_limit=2,
    advocate_activities=("reference_call", "quote"),
    advocate_dates_off=(DatesOff(TODAY + dt.timedelta(days=60), TODAY + dt.timedelta(days=70)),),
    nps=NpsFact(9, TODAY - dt.timedelta(days=20), "great support"),
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
        "advocate_limit",
        "advocate_say",
        "advocate_activity",
        "advocate_blackout",
        "advocate_rating",
        "activity_cap",
        "renewal",
        "detractor",
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
    assert "2 points → −1 point" in result.sentence
    assert "Give something back" in result.sentence


def test_an_ask_that_brings_the_balance_to_exactly_zero_is_ok() -> None:
    result = verdicts(balance=3, cost=3)["balance"]

    assert result.verdict is Verdict.OK
    assert "3 points → 0 points" in result.sentence


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
    assert "nobody_to_ask" not in results  # someone at the account can be asked


def test_an_ask_naming_nobody_where_every_advocate_is_protected_is_blocked_saying_why() -> None:
    facts = dataclasses.replace(
        GOOD,
        advocate_name=None,
        account_name="Acme",
        nobody_to_ask=(
            "Jane Doe (resting until 2026-12-31: not this quarter)",
            "Bo (asked 3 times in 180 days)",
        ),
    )

    [result] = [r for r in checklist(load_policy(), facts) if r.rule is Rule.NOBODY_TO_ASK]

    assert result.verdict is Verdict.BLOCKING and result.reason == "nobody can be asked now"
    assert result.sentence == (
        "Nobody at Acme can be asked now: Jane Doe (resting until 2026-12-31: not this quarter), "
        "Bo (asked 3 times in 180 days)."
    )


def test_a_third_reference_call_this_quarter_is_a_warning() -> None:
    result = verdicts(capped_asks_this_quarter=2)["activity_cap"]

    assert result.verdict is Verdict.WARNING
    assert result.sentence == (
        "Reference call with a prospect: already 2 this quarter for this account (guideline: at most 2)."
    )
    assert verdicts(capped_asks_this_quarter=1)["activity_cap"].verdict is Verdict.OK


def test_the_reference_call_guideline_applies_to_reference_calls_only() -> None:
    results = verdicts(activity="quote", cost=2, capped_asks_this_quarter=5)

    assert "activity_cap" not in results


def test_the_capped_activity_is_the_policy_s_choice(tmp_path: Path) -> None:
    override = tmp_path / "policy.toml"
    override.write_text('[rules]\ncapped_activity = "case_study"\ncapped_activity_per_quarter = 1\n')
    policy = load_policy(override)

    def cap(activity: str) -> RuleResult | None:
        facts = dataclasses.replace(GOOD, activity=activity, cost=5, capped_asks_this_quarter=1)
        return {r.rule: r for r in checklist(policy, facts)}.get(Rule.ACTIVITY_CAP)

    case_study = cap("case_study")
    assert case_study is not None and case_study.verdict is Verdict.WARNING
    assert case_study.sentence.startswith("Written case study: already 1 this quarter")
    assert cap("reference_call") is None


def test_no_activity_named_yet_means_no_activity_cap() -> None:
    assert "activity_cap" not in verdicts(activity=None, cost=0, capped_asks_this_quarter=9)


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
    assert "1 other request for this account already pending" in result.sentence


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
        dataclasses.replace(GOOD, other_pending_requests=2, last_give_on=None, capped_asks_this_quarter=4),
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


#: facts that break every rule at once
WORST = dataclasses.replace(
    GOOD,
    balance=1,
    account_status="do_not_contact",
    renewal_date=TODAY + dt.timedelta(days=3),
    other_pending_requests=2,
    capped_asks_this_quarter=7,
    last_give_on=None,
    advocate_last_ask_on=TODAY - dt.timedelta(days=2),
    advocate_asks_in_window=5,
    advocate_asks_this_quarter=2,
    advocate_limit=1,
    advocate_activities=("logo",),
    advocate_dates_off=(DatesOff(TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=6), "year-end"),),
    nps=NpsFact(3, TODAY - dt.timedelta(days=5), "slow support"),
)


def test_the_checklist_reads_in_product_md_s_order() -> None:
    """An ask naming someone has the rules about them; one naming nobody, at an account where
    nobody can be asked, the rule that says so in their place."""
    nobody = dataclasses.replace(GOOD, advocate_name=None, nobody_to_ask=("Jane Doe (resting)",))
    assert [r.rule for r in checklist(load_policy(), GOOD)] == [
        r for r in Rule if r is not Rule.NOBODY_TO_ASK
    ]
    assert [r.rule for r in checklist(load_policy(), nobody)] == [r for r in Rule if r not in ADVOCATE_RULES]


def test_every_rule_carries_a_label_of_its_own_and_says_whether_the_ledger_drives_it() -> None:
    labels = [rule.label.strip() for rule in Rule]

    assert all(labels) and len(set(labels)) == len(labels)
    assert {rule for rule in Rule if rule.ledger} == {Rule.BALANCE, Rule.ADVOCATE_REST, Rule.ADVOCATE_CAP}
    assert [rule.rank for rule in Rule] == list(range(1, len(Rule) + 1))


def test_every_warning_and_blocking_rule_gives_a_short_reason_for_lists() -> None:
    flagged = {r.rule: r.reason for r in checklist(load_policy(), WORST) if r.verdict is not Verdict.OK}

    assert flagged == {
        "balance": "over-asked: balance 1 point, the ask costs 3 points",
        "advocate_rest": f"resting: asked on {(TODAY - dt.timedelta(days=2)).isoformat()}",
        "advocate_cap": "asked 5 times in 180 days",
        "advocate_limit": "their limit: at most 1 ask a quarter",
        "advocate_activity": "not among what they are happy to do",
        "advocate_blackout": "not to be asked 2026-11-22 to 2026-11-29",
        "detractor": "NPS 3 on 2026-11-18",
        "activity_cap": "already 7 this quarter (guideline: 2)",
        "account_status": "do not contact",
        "renewal": "renewal on 2026-11-26",
        "duplicate": "2 requests already pending",
        "give_back": "nothing given back in 90 days",
    }
    assert all(len(reason) < 60 for reason in flagged.values())


def test_a_first_ask_owes_nothing_back_and_a_never_asked_advocate_is_not_called_rested(
    policy: Policy,
) -> None:
    facts = PolicyFacts(
        today=dt.date(2026, 11, 23),
        activity="quote",
        cost=2,
        balance=3,
        account_status="active",
        renewal_date=None,
        other_pending_requests=0,
        capped_asks_this_quarter=0,
        last_give_on=None,
        first_ask=True,
        advocate_name="Jane",
    )
    sentences = {r.rule: (r.verdict, r.sentence) for r in checklist(policy, facts)}

    assert sentences[Rule.GIVE_BACK] == (Verdict.OK, "First ask of this account: nothing owed back yet.")
    assert sentences[Rule.ADVOCATE_REST] == (Verdict.OK, "Jane has not been asked before.")
    assert sentences[Rule.BALANCE] == (Verdict.OK, "Enough points for this ask: 3 points → 1 point.")


def test_what_the_advocate_said_blocks_and_a_low_last_rating_warns() -> None:
    today = GOOD.today
    never = verdicts(advocate_never=True)[Rule.ADVOCATE_SAY]
    assert never.verdict is Verdict.BLOCKING and never.sentence == "Dana Scully asked not to be asked again."
    resting = verdicts(advocate_rests_until=today)[Rule.ADVOCATE_SAY]
    assert resting.verdict is Verdict.BLOCKING and resting.reason.startswith("resting until")
    assert (
        verdicts(advocate_rests_until=today - dt.timedelta(days=1))[Rule.ADVOCATE_SAY].verdict is Verdict.OK
    )
    low = verdicts(advocate_last_rating=2)[Rule.ADVOCATE_RATING]
    assert low.verdict is Verdict.WARNING and low.reason == "last rated 2/5"
    assert verdicts(advocate_last_rating=3)[Rule.ADVOCATE_RATING].verdict is Verdict.OK


def test_an_advocate_s_own_limit_blocks_once_reached_and_shows_only_when_they_set_one() -> None:
    assert Rule.ADVOCATE_LIMIT not in verdicts(advocate_limit=None)
    below = verdicts(advocate_limit=2, advocate_asks_this_quarter=1)[Rule.ADVOCATE_LIMIT]
    reached = verdicts(advocate_limit=2, advocate_asks_this_quarter=2)[Rule.ADVOCATE_LIMIT]

    assert below.verdict is Verdict.OK
    assert below.sentence == "Dana Scully: 1 this quarter, at most 2 asks a quarter as they asked."
    assert reached.verdict is Verdict.BLOCKING and is_blocked([reached])
    assert (
        reached.sentence
        == "Dana Scully asked for at most 2 asks a quarter, and was asked 2 times this quarter."
    )


def test_only_what_the_advocate_agreed_to_may_be_asked_of_them() -> None:
    agreed = verdicts(activity="quote")[Rule.ADVOCATE_ACTIVITY]
    refused = verdicts(activity="webinar", cost=5)[Rule.ADVOCATE_ACTIVITY]

    assert agreed.verdict is Verdict.OK
    assert agreed.sentence == "Dana Scully is happy to do this: Written quote / testimonial."
    assert refused.verdict is Verdict.BLOCKING and is_blocked([refused])
    assert refused.sentence.startswith("Dana Scully has not said they are happy to do this: Webinar.")
    assert Rule.ADVOCATE_ACTIVITY not in verdicts(advocate_activities=None)
    assert Rule.ADVOCATE_ACTIVITY not in verdicts(activity=None)


def test_dates_not_to_ask_block_when_they_cover_today_or_the_needed_by_day() -> None:
    next_week = DatesOff(TODAY + dt.timedelta(days=7), TODAY + dt.timedelta(days=13), "year-end close")
    later = DatesOff(TODAY + dt.timedelta(days=40), TODAY + dt.timedelta(days=41))

    outside = verdicts(advocate_dates_off=(next_week,), needed_by=TODAY + dt.timedelta(days=20))
    inside = verdicts(advocate_dates_off=(next_week, later), needed_by=TODAY + dt.timedelta(days=9))
    today = verdicts(advocate_dates_off=(DatesOff(TODAY, TODAY),))
    second = verdicts(advocate_dates_off=(next_week, later), needed_by=TODAY + dt.timedelta(days=41))

    assert outside[Rule.ADVOCATE_BLACKOUT].verdict is Verdict.OK
    assert outside[Rule.ADVOCATE_BLACKOUT].sentence == (
        "Dana Scully asked not to be asked 2026-11-30 to 2026-12-06: this ask falls outside."
    )
    blocked = inside[Rule.ADVOCATE_BLACKOUT]
    assert blocked.verdict is Verdict.BLOCKING
    assert blocked.sentence == "Dana Scully asked not to be asked 2026-11-30 to 2026-12-06 (year-end close)."
    assert blocked.reason == "not to be asked 2026-11-30 to 2026-12-06"
    assert today[Rule.ADVOCATE_BLACKOUT].verdict is Verdict.BLOCKING
    assert second[Rule.ADVOCATE_BLACKOUT].reason == "not to be asked 2027-01-02 to 2027-01-03"
    assert Rule.ADVOCATE_BLACKOUT not in verdicts(advocate_dates_off=())


def test_a_detractor_lately_warns_with_the_score_the_day_and_the_comment() -> None:
    long = "slow " * 100
    detractor = verdicts(nps=NpsFact(6, TODAY - dt.timedelta(days=3), "support was <slow>"))[Rule.DETRACTOR]
    quoted = verdicts(nps=NpsFact(0, TODAY, long))[Rule.DETRACTOR]
    promoter = verdicts(nps=NpsFact(7, TODAY, ""))[Rule.DETRACTOR]

    assert detractor.verdict is Verdict.WARNING and not is_blocked([detractor])
    assert detractor.sentence == (
        "Someone at the account scored us 6/10 on 2026-11-20: “support was <slow>”. Mend that before asking."
    )
    assert len(quoted.sentence) < 300 and "…" in quoted.sentence
    assert promoter.verdict is Verdict.OK
    assert promoter.sentence == "No NPS detractor in the last 90 days (latest answer: 7 on 2026-11-23)."
    assert Rule.DETRACTOR not in verdicts(nps=None)
