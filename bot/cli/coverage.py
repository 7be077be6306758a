"""`refdesk coverage` and `refdesk coverage plan`: where the program is short, and whether it is
ready for a launch — for a terminal, as JSON, or as a heat map."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from bot.app import build_desk
from bot.cli.program import write_chart
from bot.cli.tables import aligned
from bot.errors import CliError
from bot.settings import Settings
from handlers.coverage import chart
from handlers.coverage.words import activity_name, cell_labels, gap_sentences, share, summary, window
from handlers.kit.blocks import duration
from store.coverage.figures import DEFAULT_DAYS, Cell, Coverage, check_dimensions, coverage
from store.coverage.plan import PlanAnswer, PlanError, plan, read_plan
from store.db import Database
from store.rules.policy import Policy


def coverage_command(
    settings: Settings,
    db: Database,
    *,
    since: dt.date | None,
    by: str | None,
    as_json: bool,
    chart_file: Path | None,
) -> int:
    desk = build_desk(settings, db)
    today = desk.today()
    try:
        dims = check_dimensions([d.strip() for d in by.split(",") if d.strip()]) if by is not None else None
    except ValueError as exc:
        raise CliError(f"--by: {exc}") from None
    if since is not None and since > today:
        raise CliError(f"--since {since.isoformat()} is in the future")
    if chart_file is not None and not chart_file.parent.is_dir():
        raise CliError(f"--chart {chart_file}: no such directory {chart_file.parent}")
    found = coverage(
        db,
        desk.policy,
        since=since or today - dt.timedelta(days=DEFAULT_DAYS),
        today=today,
        tz=desk.tz,
        by=dims,
    )
    print(json.dumps(as_data(found, desk.policy), indent=2) if as_json else coverage_text(found, desk.policy))
    if chart_file is not None:
        write_chart(chart_file, chart.draw(found, desk.policy, chart.title(found, desk.policy)))
    return 0


def _row(cell: Cell, labels: list[str]) -> list[str]:
    return [
        *labels,
        str(cell.needed),
        str(cell.searches),
        str(cell.filled),
        str(cell.open),
        share(cell.fill_rate),
        duration(cell.yes_p50),
        duration(cell.yes_p90),
        share(cell.acceptance),
        str(cell.supply),
    ]


def coverage_text(cover: Coverage, policy: Policy) -> str:
    head = [
        *cover.by,
        "needed",
        "no match",
        "filled",
        "open",
        "fill rate",
        "yes p50",
        "yes p90",
        "acceptance",
        "can be asked now",
    ]
    rows = [_row(cell, cell_labels(cover, policy, cell)) for cell in cover.cells]
    rows.append(_row(cover.total, ["all", *[""] * (len(cover.by) - 1)]))
    out = [
        f"Coverage {window(cover.since, cover.today)} (needs recorded since {cover.since.isoformat()}), "
        f"by {' and '.join(cover.by)}",
        "",
        *aligned(head, rows, left=len(cover.by)),
        "",
        summary(cover) + ".",
        "",
        "The largest gaps (needed − filled − still open − who can be asked now):",
        *(gap_sentences(cover, policy, str) or ["(none: every need was filled, is still open, or can be)"]),
    ]
    return "\n".join(out)


def _hours(span: dt.timedelta | None) -> float | None:
    return None if span is None else round(span.total_seconds() / 3600, 1)


def _cell_data(cover: Coverage, cell: Cell, *, labelled: bool = True) -> dict[str, object]:
    return {
        **(dict(zip(cover.by, cell.labels, strict=True)) if labelled else {}),
        "needed": cell.needed,
        "no_match": cell.searches,
        "filled": cell.filled,
        "open": cell.open,
        "fill_rate": cell.fill_rate,
        "yes_p50_hours": _hours(cell.yes_p50),
        "yes_p90_hours": _hours(cell.yes_p90),
        "asked": cell.asked,
        "said_yes": cell.said_yes,
        "acceptance": cell.acceptance,
        "can_be_asked_now": cell.supply,
        "short": cell.short,
        "outcomes": dict(sorted(cell.outcomes.items())),
    }


def as_data(cover: Coverage, policy: Policy) -> dict[str, object]:
    return {
        "since": cover.since.isoformat(),
        "today": cover.today.isoformat(),
        "by": list(cover.by),
        "cells": [_cell_data(cover, cell) for cell in cover.cells],
        "total": _cell_data(cover, cover.total, labelled=False),
        "gaps": [
            {**_cell_data(cover, gap), "words": words}
            for gap, words in zip(cover.gaps, gap_sentences(cover, policy, str), strict=True)
        ],
    }


def plan_command(settings: Settings, db: Database, path: Path) -> int:
    desk = build_desk(settings, db)
    today = desk.today()
    try:
        needs = read_plan(path, desk.policy, today)
    except PlanError as exc:
        raise CliError(str(exc)) from None
    print(plan_text(plan(db, desk.policy, needs, today), desk.policy, path))
    return 0


def plan_text(answer: PlanAnswer, policy: Policy, path: Path) -> str:
    rows = []
    for found in answer.needs:
        need = found.need
        named = ", ".join(
            f"{value}" if key == "industry" else f"{key} {value}" for key, value in need.filters.items()
        )
        rows.append(
            [
                f"{named}: {activity_name(policy, need.activity)} (line {need.line})",
                str(need.count),
                need.by.isoformat(),
                str(found.today),
                str(found.by_date),
                str(found.missing),
            ]
        )
    out = [
        f"{path.name} as of {answer.today.isoformat()}; balances recover at the program's give-back rate, "
        f"{answer.give_back_rate:.3f} points per account per day (the last 90 days)",
        "",
        *aligned(["need", "count", "by", "can be asked today", "by the date", "missing"], rows),
    ]
    outlook = answer.forecast
    if outlook is None:
        out += ["", "No opportunities imported: `refdesk import opportunities` adds next quarter's forecast."]
        return "\n".join(out)
    measured = (
        f"; measured last quarter: {share(outlook.measured_share)}"
        if outlook.measured_share is not None
        else ""
    )
    out += [
        "",
        f"Next quarter ({outlook.start.isoformat()} – {outlook.end.isoformat()}): open deals expected to "
        f"close, × {share(outlook.share)} needing a reference (policy{measured})",
        "",
        *aligned(
            [
                "industry",
                "open deals",
                "references expected",
                f"can be asked now ({activity_name(policy, outlook.activity)})",
                "short",
            ],
            [
                [f.industry or "(not given)", str(f.deals), f"{f.expected:.1f}", str(f.supply), str(f.short)]
                for f in outlook.lines
            ]
            or [["(no open deal closes next quarter)", "", "", "", ""]],
        ),
    ]
    return "\n".join(out)
