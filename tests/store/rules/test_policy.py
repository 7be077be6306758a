"""The policy: product.md's tables are the defaults, a TOML file overrides them (the checklist
itself is tested in test_checklist.py), and the calendar the rules count in."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from store.periods import quarter_start
from store.rules.policy import PolicyError, load_policy

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
        "capped_activity": "reference_call",
        "capped_activity_per_quarter": 2,
        "untapped_affords": "reference_call",
        "renewal_warning_days": 60,
        "give_back_days": 90,
        "advocate_low_rating": 2,
        "detractor_max_score": 6,
        "detractor_days": 90,
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
        ('[rules]\ncapped_activity = "podcast"\n', "rules.capped_activity: 'podcast' is not one of"),
        ("[rules]\ncapped_activity = 3\n", "rules.capped_activity"),
        ('[rules]\nuntapped_affords = "podcast"\n', "rules.untapped_affords: 'podcast' is not one of"),
        ("[activities]\nlogo = { willing = 1.5 }\n", "activities.logo.willing: must be a chance"),
        ("[activities]\nlogo = { demand = -1 }\n", "activities.logo.demand"),
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


def test_an_override_may_change_only_the_cost_of_an_activity(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("[activities]\nwebinar = { cost = 7 }\n")

    webinar = load_policy(path).activities["webinar"]

    assert (webinar.name, webinar.cost) == ("Webinar", 7)


@pytest.mark.parametrize(
    ("day", "start"),
    [
        (dt.date(2026, 1, 1), dt.date(2026, 1, 1)),
        (dt.date(2026, 3, 31), dt.date(2026, 1, 1)),
        (dt.date(2026, 4, 1), dt.date(2026, 4, 1)),
        (dt.date(2026, 8, 15), dt.date(2026, 7, 1)),
        (dt.date(2026, 9, 30), dt.date(2026, 7, 1)),
        (dt.date(2026, 12, 31), dt.date(2026, 10, 1)),
    ],
)
def test_a_quarter_starts_on_the_first_of_january_april_july_or_october(day: dt.date, start: dt.date) -> None:
    assert quarter_start(day) == start


def test_the_currency_of_amounts_is_a_policy_key_checked_as_an_iso_code(tmp_path: Path) -> None:
    assert load_policy().currency == "USD"
    euros = tmp_path / "eur.toml"
    euros.write_text('currency = "EUR"\n')
    assert load_policy(euros).currency == "EUR"
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('currency = "euro"\n')
    with pytest.raises(PolicyError, match="currency: must be a current ISO 4217 currency code"):
        load_policy(wrong)
    made_up = tmp_path / "made_up.toml"
    made_up.write_text('currency = "ABC"\n')  # three capitals, but no currency
    with pytest.raises(PolicyError, match="currency: must be a current ISO 4217 currency code"):
        load_policy(made_up)


def test_the_default_evidence_kinds_and_expiry() -> None:
    evidence = load_policy().evidence

    assert (evidence.max_years, evidence.renew_notice_days) == (5, 30)
    assert [(k.key, k.name, k.years, k.link) for k in evidence.kinds.values()] == [
        ("quote", "Quote", 2, False),
        ("figure", "Figure", 2, False),
        ("case_study", "Case study", 2, True),
        ("link", "Link", 2, True),
    ]
    quote = evidence.kinds["quote"]
    assert (quote.place_for("reference_call"), quote.place_for("analyst_briefing")) == ("sales", "press")
    assert quote.place_for("webinar") is None
    assert [k.key for k in evidence.written] == ["quote", "figure"], "links are the team's to add"


def test_an_override_changes_an_evidence_kind_key_by_key_and_may_add_one(tmp_path: Path) -> None:
    override = tmp_path / "policy.toml"
    override.write_text(
        "[evidence]\nmax_years = 3\n\n[evidence.kinds]\nquote = { years = 1 }\n"
        'clip = { name = "Video clip", years = 3, link = true, covers = { video = "website" } }\n'
    )
    evidence = load_policy(override).evidence

    assert (evidence.max_years, evidence.renew_notice_days) == (3, 30)
    assert (evidence.kinds["quote"].name, evidence.kinds["quote"].years) == ("Quote", 1)
    assert evidence.kinds["clip"].covers == {"video": "website"}
    assert list(evidence.kinds)[:2] == ["quote", "figure"]


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ("[evidence]\nmax_years = 0\n", "evidence.max_years"),
        ("[evidence.kinds]\nquote = { years = 9 }\n", "evidence.kinds.quote.years"),
        ("[evidence.kinds]\nquote = { covers = { podcast = 'sales' } }\n", "evidence.kinds.quote.covers"),
        ("[evidence.kinds]\nquote = { covers = { quote = 'ads' } }\n", "evidence.kinds.quote.covers.quote"),
        ("[evidence.kinds]\nfigure = { link = 'yes' }\n", "evidence.kinds.figure.link"),
        ("[evidence]\nrenew_notice_days = 'soon'\n", "evidence.renew_notice_days"),
        ("evidence = 3\n", "evidence"),
    ],
)
def test_a_bad_evidence_key_names_itself(tmp_path: Path, content: str, named: str) -> None:
    override = tmp_path / "policy.toml"
    override.write_text(content)
    with pytest.raises(PolicyError) as refused:
        load_policy(override)
    assert f": {named}: " in str(refused.value)
