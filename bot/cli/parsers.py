"""The parsers of `refdesk`'s proving commands — `report`, `policy simulate`, `simulate`,
`coverage` and `coverage plan` — kept apart from `bot.cli.main` so the entry point stays short;
like it, they load nothing heavy (the commands themselves are imported after parsing)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from store.whatif.recruiting import Recruiting


def since(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def outcome_parsers(sub: Any) -> None:
    """`report`, `policy simulate` and `simulate` (issue 12): what references did, and what if."""
    report = sub.add_parser(
        "report", help="what references did for revenue (CRM outcomes), and the customer funnel"
    )
    report.add_argument("--since", type=since, metavar="DATE", help="closed deals from this day (YYYY-MM-DD)")
    report.add_argument("--json", action="store_true", help="machine-readable output")

    policy = sub.add_parser("policy", help="try a policy file on the program's own history")
    policy_sub = policy.add_subparsers(dest="policy_command", required=True)
    replay = policy_sub.add_parser(
        "simulate",
        help="replay the recorded asks through FILE.toml's rules (read-only)",
        description="Replay every recorded ask, in order, through the proposed policy with the app's own "
        "checklist, and compare with the current policy. Nothing is written.",
    )
    replay.add_argument("file", type=Path, metavar="FILE.toml")
    replay.add_argument("--since", type=since, metavar="DATE", help="asks made from this day (YYYY-MM-DD)")

    simulate = sub.add_parser(
        "simulate",
        help="a synthetic program year three ways: no ledger rules, the policy, the policy with recruiting",
        description="Generate a synthetic program (a skewed pull towards favourite customers, requests "
        "arriving week by week, owners giving back at --give-back) and run it through the store and the "
        "checklist on a temporary SQLite database: with no ledger rules, with the policy, and with the "
        "policy and the weekly gap job recruiting advocates (owners nominate at --nominate, contacts "
        "join at --join).",
    )
    simulate.add_argument("--accounts", type=int, default=500, help="accounts (default 500)")
    simulate.add_argument("--reps", type=int, default=80, help="sales reps asking (default 80)")
    simulate.add_argument("--weeks", type=int, default=52, help="weeks to simulate (default 52)")
    simulate.add_argument(
        "--seed", type=int, default=1, help="random seed: same seed, same program (default 1)"
    )
    simulate.add_argument(
        "--give-back", type=float, default=0.5, help="chance an owner gives back after an ask (default 0.5)"
    )
    simulate.add_argument(
        "--nominate",
        type=float,
        default=Recruiting.nominate,
        help=f"chance an owner asked by a gap names someone (default {Recruiting.nominate})",
    )
    simulate.add_argument(
        "--join",
        type=float,
        default=Recruiting.join,
        help=f"chance a nominated contact joins (default {Recruiting.join})",
    )
    simulate.add_argument(
        "--policy", type=Path, metavar="FILE.toml", help="the policy (default: the program's)"
    )
    simulate.add_argument("--chart", type=Path, metavar="FILE.png", help="draw both runs into this PNG")


def coverage_parsers(sub: Any) -> None:
    """`coverage` and `coverage plan` (issue 22): where the program is short, and for a launch."""
    cover = sub.add_parser(
        "coverage",
        help="where the program is short: demand, fills, time to a yes, who can be asked now, the gaps",
        description="Per industry and activity (or --by): the needs recorded (requests, and searches that "
        "found nothing to ask), how many were filled, the time to a customer's yes, the advocates' "
        "acceptance, and who can be asked now by the checklist; then the five largest gaps.",
    )
    cover.add_argument(
        "--since",
        type=since,
        metavar="DATE",
        help="needs recorded from this day (default: the last 90 days)",
    )
    cover.add_argument(
        "--by",
        metavar="FIELDS",
        help="cut by these, comma-separated: segment, industry, region, activity (default: the policy's)",
    )
    cover.add_argument("--json", action="store_true", help="machine-readable output")
    cover.add_argument("--chart", type=Path, metavar="FILE.png", help="also draw the heat map into FILE.png")
    cover_sub = cover.add_subparsers(dest="coverage_command")
    plan = cover_sub.add_parser(
        "plan",
        help="for each need of FILE.toml: who can be asked today, who by its date, how many are missing",
        description="Read the needs of FILE.toml ([[need]] tables: industry, segment, region or product; "
        "activity; count; by) and say, per need, how many advocates can be asked today, how many by its "
        "date, and how many are missing; with opportunities imported, forecast next quarter's demand.",
    )
    plan.add_argument("file", type=Path, metavar="FILE.toml")
