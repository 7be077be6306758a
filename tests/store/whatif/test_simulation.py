"""`refdesk simulate` on a small program: the same seed gives the same program and figures, both
runs play the same requests, and the policy's ledger rules spread the asks (fewer per advocate)."""

from __future__ import annotations

from pathlib import Path

from store.rules.policy import Policy
from store.whatif.simulation import Outcome, gini, run
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
