"""The chart of `refdesk simulate --chart FILE.png`: the runs side by side (matplotlib, no display)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from store.whatif.figures import Outcome
from store.whatif.synthetic import Program

COLOURS = {"no ledger rules": "#d9822b", "policy": "#2a7ab0", "policy + recruiting": "#3a9a4a"}


def draw(program: Program, runs: list[Outcome], path: Path) -> None:
    """Left: asks per account, busiest first (how concentrated the asks are). Right: how many
    advocate-quarters saw 1, 2, 3… asks (how hard people were leaned on)."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for run in runs:
        left.plot(sorted(run.per_account, reverse=True), label=run.label, color=COLOURS[run.label])
    left.set_title("Asks per account, busiest first")
    left.set_xlabel("accounts")
    left.set_ylabel("asks in the year")
    left.set_yscale("symlog")
    left.legend()

    top = max((*(n for run in runs for n in run.per_advocate_quarter), 1))
    bins = [x - 0.5 for x in range(1, top + 2)]
    for run in runs:
        right.hist(run.per_advocate_quarter, bins=bins, alpha=0.6, label=run.label, color=COLOURS[run.label])
    right.set_title("Asks per advocate per quarter")
    right.set_xlabel("asks of one advocate in one quarter")
    right.set_ylabel("advocate-quarters")
    right.set_yscale("log")
    right.legend()
    figure.suptitle(
        f"Simulated program year ({program.accounts} accounts, {program.reps} reps, "
        f"{program.weeks} weeks, seed {program.seed})"
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
