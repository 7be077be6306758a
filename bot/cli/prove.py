"""`refdesk report`, `refdesk policy simulate` and `refdesk simulate`: what references did, and
what a policy would do — printed for a terminal, or as JSON for a spreadsheet."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import time
from pathlib import Path

from bot.errors import CliError
from bot.settings import Settings
from handlers.digest.evidence import report_lines
from handlers.digest.funnel import FUNNEL_TITLE, funnel_lines
from handlers.digest.outcomes import report_text
from store.db import Database
from store.digest import funnel
from store.digest.outcomes import report as outcomes_report
from store.evidence.figures import outcomes as evidence_outcomes
from store.rules.checklist import Rule
from store.rules.policy import load_policy, points
from store.whatif.replay import Comparison, Judged, simulate_policy
from store.whatif.simulation import Outcome, run
from store.whatif.synthetic import Program, generate


def report(settings: Settings, db: Database, since: dt.date | None, *, as_json: bool) -> int:
    """What references did for revenue, then the customer funnel (from `since`, else all time)."""
    outcomes = outcomes_report(db, since)
    words = evidence_outcomes(db, since)
    customers = funnel.report(db, since, dt.datetime.now(dt.UTC), settings.tz)
    if as_json:
        data = dataclasses.asdict(outcomes)
        for key in ("win_rate_with", "win_rate_without"):
            data[key]["rate"] = getattr(outcomes, key).rate
        data["evidence"] = dataclasses.asdict(words)
        for key in ("with_evidence", "without_evidence"):
            data["evidence"][key]["rate"] = getattr(words, key).rate
        data["customer_funnel"] = dataclasses.asdict(customers)
        time_to_yes = customers.time_to_yes
        data["customer_funnel"]["time_to_yes"] = time_to_yes.total_seconds() if time_to_yes else None
        print(json.dumps(data, default=str, indent=2))
    else:
        print("\n".join([report_text(outcomes), *report_lines(words)]))
        heading = f"{FUNNEL_TITLE} ({'since ' + since.isoformat() if since else 'all time'})"
        print("\n".join(["", heading, "=" * len(heading), "", *funnel_lines(customers)]))
    return 0


def policy_simulate(settings: Settings, db: Database, path: Path, since: dt.date | None) -> int:
    proposed = load_policy(path)
    current = load_policy(settings.policy_file)
    comparison = simulate_policy(db, proposed, current, settings.tz, since)
    print(replay_text(comparison, path, since))
    return 0


def _ask_line(ask: Judged, rule: Rule | None = None) -> str:
    who = f" · {ask.advocate}" if ask.advocate else ""
    said = ask.sentences.get(rule) if rule else " ".join(f"⛔ {ask.sentences[r]}" for r in ask.blocking)
    happened = " (approved with an override)" if ask.overridden else ""
    happened = happened if ask.happened else " (not approved in fact)"
    return f"  #{ask.request_id} {ask.day.isoformat()} {ask.account}{who} · {ask.activity}{happened}: {said}"


def replay_text(c: Comparison, path: Path, since: dt.date | None) -> str:
    asks = c.proposed.asks
    window = f"from {since.isoformat()}" if since else "all of them"
    out = [f"{len(asks)} recorded asks ({window}) replayed through {path.name}; nothing was written.", ""]
    width = max(len(rule.label) for rule in Rule)
    for verdict, proposed, current in (
        ("Blocked (⛔)", c.proposed.blocked_by, c.current.blocked_by),
        ("Warned (⚠️)", c.proposed.warned_by, c.current.warned_by),
    ):
        out.append(f"{verdict.ljust(width + 2)}  proposed  current  change")
        rules = [rule for rule in Rule if rule in proposed or rule in current]
        for rule in rules:
            now, before = len(proposed.get(rule, [])), len(current.get(rule, []))
            out.append(f"  {rule.label.ljust(width)}  {now:8d}  {before:7d}  {now - before:+6d}")
        if not rules:
            out.append("  (none)")
        out.append("")
    by_id = {ask.request_id: ask for ask in asks}
    blocked = [ask for ask in asks if ask.blocking]
    out.append(f"Asks the proposed policy blocks: {len(blocked)}")
    out += [_ask_line(ask) for ask in blocked]
    out.append("Asks it warns about, by rule:")
    out += [
        f"  {rule.label}: {', '.join(f'#{number}' for number in numbers)}"
        for rule, numbers in c.proposed.warned_by.items()
    ] or ["  (none)"]
    out.append("")
    newly = c.newly_blocked
    out.append(f"Asks the proposed policy blocks and the current one does not: {len(newly)}")
    out += [_ask_line(by_id[number]) for number in newly]
    freed = c.no_longer_blocked
    out.append(f"Asks the current policy blocks and the proposed one does not: {len(freed)}")
    out += [_ask_line(by_id[number]) for number in freed]
    out += ["", "Accounts that would have gone below zero (asks that happened, at the proposed costs):"]
    out += [
        f"  {b.account}: first on {b.first_day.isoformat()}, lowest {points(b.lowest)}"
        for b in c.proposed.below_zero
    ] or ["  (none)"]
    out += ["", "Advocates over their caps (asks that happened, under the proposed rules):"]
    out += [
        f"  {o.advocate} ({o.account}) on {o.day.isoformat()}: {o.sentence}" for o in c.proposed.over_cap
    ] or ["  (none)"]
    return "\n".join(out)


def simulate(settings: Settings, args: argparse.Namespace) -> int:
    """The program is generated once; both runs play it, so they differ only by the rules."""
    policy = load_policy(args.policy or settings.policy_file)
    for name in ("accounts", "reps", "weeks"):
        if getattr(args, name) < 1:
            raise CliError(f"--{name} must be at least 1")
    if not 0 <= args.give_back <= 1:
        raise CliError("--give-back is a chance: between 0 and 1")
    if args.chart is not None and not args.chart.parent.is_dir():
        raise CliError(f"--chart {args.chart}: no such directory {args.chart.parent}")
    started = time.monotonic()
    program = generate(
        accounts=args.accounts,
        reps=args.reps,
        weeks=args.weeks,
        seed=args.seed,
        give_back=args.give_back,
        policy=policy,
    )
    with_rules = run(program, policy, ledger_rules=True)
    without = run(program, policy, ledger_rules=False)
    print(simulation_table(program, with_rules, without))
    if args.chart is not None:
        from bot.cli.simulate_chart import draw  # matplotlib loads only when a chart is asked for

        draw(program, with_rules, without, args.chart)
        print(f"chart: {args.chart}")
    print(f"({time.monotonic() - started:.1f} s)")
    return 0


def simulation_table(program: Program, policy: Outcome, none: Outcome) -> str:
    rows = [
        ("asks made", str(policy.asks), str(none.asks)),
        ("requests that found no eligible account", str(policy.no_eligible), str(none.no_eligible)),
        (
            "max asks per advocate per quarter",
            str(policy.max_per_advocate_quarter),
            str(none.max_per_advocate_quarter),
        ),
        (
            "p95 asks per advocate per quarter",
            f"{policy.p95_per_advocate_quarter:g}",
            f"{none.p95_per_advocate_quarter:g}",
        ),
        (
            "share of asks to the top 10 % of accounts",
            _pct(policy.top_decile_share),
            _pct(none.top_decile_share),
        ),
        ("Gini of asks across accounts", f"{policy.gini:.2f}", f"{none.gini:.2f}"),
        ("share of asks to accounts in debt", _pct(policy.debt_share), _pct(none.debt_share)),
    ]
    head = ("", "policy", "no ledger rules")
    widths = [max(len(row[i]) for row in (head, *rows)) for i in range(3)]
    title = (
        f"Simulated program: {program.accounts} accounts, {program.reps} reps, {program.weeks} weeks, "
        f"seed {program.seed}, {len(program.requests)} requests"
    )
    lines = [title, ""]
    for number, row in enumerate((head, *rows)):
        lines.append(f"{row[0].ljust(widths[0])}  {row[1].rjust(widths[1])}  {row[2].rjust(widths[2])}")
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _pct(share: float) -> str:
    return f"{share:.0%}".replace("%", " %")
