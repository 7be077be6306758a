"""The coverage heat map, drawn from a seeded program of five industries and five activities and
written to docs/coverage.png for a person to look at (matplotlib's Agg backend, as the digest
uploads it)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

from handlers.coverage.chart import ROWS_MAX, _grid, draw, title
from store.coverage.figures import coverage
from store.db import Database
from store.models import EntryKind, RequestStatus
from store.rules.policy import Policy
from tests.support import store_seed as seed
from tests.support.coverage_history import TODAY, need, search
from tests.support.database import open_database

PICTURE = Path(__file__).resolve().parents[3] / "docs" / "coverage.png"
INDUSTRIES = ("Healthcare", "Fintech", "Retail", "Manufacturing", "Public sector")
ACTIVITIES = ("reference_call", "quote", "case_study", "review", "webinar")


def program(db: Database) -> None:
    """Demand falls off by industry and activity; fills are high in fintech, low in healthcare."""
    with db.transaction() as s:
        for i, industry in enumerate(INDUSTRIES):
            account = seed.account(s, f"{industry} Co", industry, owner_slack_id=f"U0OWNER{i:02d}")
            seed.entry(s, account, EntryKind.ADJUSTMENT, 20, TODAY)
            for j, activity in enumerate(ACTIVITIES):
                if (i + j) % 3 == 0:
                    seed.advocate(s, account, f"Advocate {i}-{j}", activity)
                needed = max(0, 7 - i - j)
                filled = round(needed * (0.9 if industry == "Fintech" else 0.6 - 0.12 * i))
                for k in range(needed):
                    said = "yes" if k < filled else "not_this_time"
                    status = RequestStatus.DONE if k < filled else RequestStatus.DECLINED
                    person = seed.advocate(s, account, f"Asked {i}-{j}-{k}", "")
                    need(s, account, activity=activity, status=status, answer=said, advocate_id=person)
                if needed and j % 2:
                    search(s, f"{industry} {activity}", industry, activity, f"U0SELLER{j}")


def test_the_heat_map_shows_fill_rate_by_industry_and_activity(policy: Policy, tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'coverage.db'}")
    try:
        db.upgrade()
        program(db)
        found = coverage(
            db, policy, since=TODAY - dt.timedelta(days=90), today=TODAY, tz=zoneinfo.ZoneInfo("UTC")
        )
    finally:
        db.dispose()
    rows, columns, cells = _grid(found, policy)
    assert rows == ["Healthcare", "Fintech", "Retail", "Manufacturing", "Public sector"][: len(rows)]
    assert columns[0] == "Reference call with a prospect" and len(rows) <= ROWS_MAX
    assert cells[("Fintech", "Reference call with a prospect")].fill_rate == 5 / 6  # 6 needed, 5 yes

    png = draw(found, policy, title(found, policy))
    PICTURE.parent.mkdir(exist_ok=True)
    PICTURE.write_bytes(png)
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
