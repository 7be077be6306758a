"""`refdesk simulate` on a small program: the same seed gives the same program and figures, every
run plays the same requests, the policy's ledger rules spread the asks (fewer per advocate), and
recruiting through the gaps fills more of them within the same caps."""

from __future__ import annotations

from pathlib import Path

from store.rules.policy import Policy
from store.whatif.figures import Outcome, gini
from store.whatif.recruiting import Recruiting
from store.whatif.simulation import PATIENCE_DAYS, run
from store.whatif.synthetic import Program, generate

SIZE = {"accounts": 40, "reps": 10, "weeks": 14, "give_back": 0.5}


def test_a_seed_gives_the_same_program_and_figures(policy: Policy, tmp_path: Path) -> None:
    first = generate(seed=7, policy=policy, **SIZE)  # type: ignore[arg-type]
    again = generate(seed=7, policy=policy, **SIZE)  # type: ignore[arg-type]
    other = generate(seed=8, policy=policy, **SIZE)  # type: ignore[arg-type]

    assert first == again and first.fingerprint == again.fingerprint
    assert other.fingerprint != first.fingerprint
    assert run(first, policy, ledger_rules=True, workdir=tmp_path) == run(
        again, policy, ledger_rules=True, workdir=tmp_path
    )


def test_the_policy_lowers_the_asks_per_advocate_on_the_same_requests(policy: Policy, tmp_path: Path) -> None:
    program = generate(seed=3, policy=policy, **SIZE)  # type: ignore[arg-type]

    with_rules: Outcome = run(program, policy, ledger_rules=True, workdir=tmp_path)
    without: Outcome = run(program, policy, ledger_rules=False, workdir=tmp_path)

    assert with_rules.played == without.played == program.fingerprint
    assert (
        with_rules.asks + with_rules.no_eligible
        == without.asks + without.no_eligible
        == len(program.requests)
    )
    assert with_rules.max_per_advocate_quarter < without.max_per_advocate_quarter
    assert with_rules.max_per_advocate_quarter <= policy.rules.advocate_max_asks_in_window
    assert with_rules.gini < without.gini
    assert with_rules.debt_share == 0 < without.debt_share
    assert list(tmp_path.iterdir()) == []  # the temporary databases are gone


def test_gini_of_even_and_of_concentrated_asks() -> None:
    assert gini([2, 2, 2, 2]) == 0
    assert gini([0, 0, 0, 8]) == 0.75
    assert gini([0, 0]) == 0


def test_programs_that_differ_only_by_give_back_ask_alike(policy: Policy) -> None:
    sizes = {**SIZE, "give_back": 0.9}
    generous = generate(seed=7, policy=policy, **sizes)  # type: ignore[arg-type]
    usual = generate(seed=7, policy=policy, **SIZE)  # type: ignore[arg-type]

    def asks(program: Program) -> list[tuple[object, ...]]:
        return [(r.day, r.rep, r.activity, r.candidates) for r in program.requests]

    assert asks(generous) == asks(usual)
    gives = sum(r.gives_back is not None for r in generous.requests)
    assert gives > sum(r.gives_back is not None for r in usual.requests)


def test_recruiting_fills_more_of_the_same_requests_within_the_same_caps(
    policy: Policy, tmp_path: Path
) -> None:
    program = generate(seed=1, policy=policy, accounts=60, reps=12, weeks=20, give_back=0.5)

    alone = run(program, policy, ledger_rules=True, workdir=tmp_path)
    recruiting = run(program, policy, ledger_rules=True, recruiting=Recruiting(), workdir=tmp_path)
    again = run(program, policy, ledger_rules=True, recruiting=Recruiting(), workdir=tmp_path)

    assert recruiting == again  # its draws come from the program's seed
    assert recruiting.played == alone.played == program.fingerprint
    assert recruiting.asks + recruiting.no_eligible == len(program.requests)
    assert recruiting.fill_rate > alone.fill_rate
    assert recruiting.recruited + recruiting.offers_taken > 0 == alone.recruited + alone.offers_taken
    assert recruiting.max_per_advocate_quarter <= policy.rules.advocate_max_asks_in_window
    assert recruiting.debt_share == 0


def test_nobody_recruits_when_owners_never_nominate_nor_take_offers(policy: Policy, tmp_path: Path) -> None:
    program = generate(seed=1, policy=policy, accounts=60, reps=12, weeks=20, give_back=0.0)
    alone = run(program, policy, ledger_rules=True, workdir=tmp_path)
    silent = run(program, policy, ledger_rules=True, recruiting=Recruiting(nominate=0.0), workdir=tmp_path)
    assert (silent.recruited, silent.offers_taken) == (0, 0)
    assert (silent.asks, silent.no_eligible, silent.gini) == (alone.asks, alone.no_eligible, alone.gini)


def test_a_request_that_finds_nobody_waits_until_its_needed_by_date(policy: Policy, tmp_path: Path) -> None:
    program = generate(seed=3, policy=policy, **SIZE)  # type: ignore[arg-type]
    played = run(program, policy, ledger_rules=True, workdir=tmp_path)
    assert 0 <= played.fill_days_p50 <= played.fill_days_p90 <= PATIENCE_DAYS
    assert played.fill_rate == played.asks / len(program.requests)
