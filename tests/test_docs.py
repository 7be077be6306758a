"""The docs: a README short enough to read, links that lead somewhere, the default policy as it is.

`mkdocs build --strict` (run by scripts/test.sh) checks the links between the pages of docs/ and
their anchors. The README is outside MkDocs, so its links, anchors included, are checked here;
the pages' links to files are checked here too, so a page's image or link is caught by pytest
alone. The Configuration and jobs tables of docs/operating.md are compared with the code by
tests/bot/test_settings.py and tests/bot/test_scheduler.py.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from tests.support.paths import ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"
README_MAX_LINES = 260

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def prose(path: Path) -> str:
    """The file without its fenced code blocks."""
    return FENCE.sub("", path.read_text(encoding="utf-8"))


def relative_links(path: Path) -> list[str]:
    """Every link and image target of the file that is not a URL (code spans aside)."""
    return [target for target in LINK.findall(CODE_SPAN.sub("", prose(path))) if not SCHEME.match(target)]


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading (and Python-Markdown's `toc`, for headings of words)."""
    text = heading.replace("`", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6} +(.+?) *#*$", prose(path), re.MULTILINE)}


def doc_files() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def test_the_readme_stays_short() -> None:
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, (
        f"README.md has {lines} lines (at most {README_MAX_LINES}): move the detail into a page of docs/"
    )


@pytest.mark.parametrize("path", doc_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_leads_to_a_file_in_the_repository(path: Path) -> None:
    broken = []
    for target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        where = (path.parent / file_part).resolve() if file_part else path
        if not where.is_relative_to(ROOT):
            broken.append(f"{target}: outside the repository (a clone has nothing there)")
        elif not where.exists():
            broken.append(f"{target}: no such file")
        elif anchor and path == README and where.suffix == ".md" and anchor not in anchors(where):
            broken.append(f"{target}: {where.relative_to(ROOT)} has no heading #{anchor}")
    assert not broken, f"{path.relative_to(ROOT)}: " + "; ".join(broken)


def test_the_readme_links_into_the_docs() -> None:
    linked = {target.partition("#")[0] for target in relative_links(README)}
    assert {"docs/index.md", "docs/operating.md", "docs/testing.md"} <= linked


def test_the_link_checker_sees_links_and_anchors(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Settings: `.env`\n\nSee [this](other.md#the-refdesk-command) and ![a](b.png).\n"
        "```\n[not a link](nowhere.md)\n```\nand `[code](nor.md)` or <https://example.com>.\n",
        encoding="utf-8",
    )
    assert relative_links(page) == ["other.md#the-refdesk-command", "b.png"]
    assert anchors(page) == {"settings-env"}
    assert slug("The `refdesk` command") == "the-refdesk-command"
    assert slug("The advocate's pages") == "the-advocates-pages"


# --- the default policy, as docs/policy.md shows it -----------------------------------------------


def default_policy() -> dict:
    """The built-in policy file, wherever the store keeps it."""
    found = sorted((ROOT / "store").rglob("default_policy.toml"))
    assert len(found) == 1, f"expected one default_policy.toml under store/, found {found}"
    return tomllib.loads(found[0].read_text(encoding="utf-8"))


def policy_rows() -> dict[str, list[str]]:
    """The rows of docs/policy.md's tables whose first cell is a key, by key."""
    rows = {}
    for line in (DOCS / "policy.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            rows[cells[0].strip("`")] = cells[1:]
    return rows


def shown(value: object) -> str:
    return f"`{value}`" if isinstance(value, str) else str(value)


def test_the_policy_page_shows_the_default_policy() -> None:
    policy, rows = default_policy(), policy_rows()

    assert rows["opening_balance"][0] == shown(policy["opening_balance"])
    assert rows["currency"][0] == shown(policy["currency"])
    assert {key: rows.get(key) for key in policy["activities"]} == {
        key: [a["name"], str(a["cost"])] for key, a in policy["activities"].items()
    }
    assert {key: rows.get(key) for key in policy["values"]} == {
        key: [v["name"], v["group"], str(v["credit"])] for key, v in policy["values"].items()
    }
    assert {key: rows.get(key, ["(missing)"])[0] for key in policy["rules"]} == {
        key: shown(value) for key, value in policy["rules"].items()
    }
    assert {key: rows.get(key, ["(missing)"])[0] for key in policy["coverage"]} == {
        key: f"`{json.dumps(value)}`".replace('","', '", "') if isinstance(value, list) else shown(value)
        for key, value in policy["coverage"].items()
    }


def test_the_policy_page_shows_the_evidence_kinds() -> None:
    evidence, rows = default_policy()["evidence"], policy_rows()

    assert rows["evidence.max_years"][0] == shown(evidence["max_years"])
    assert rows["evidence.renew_notice_days"][0] == shown(evidence["renew_notice_days"])
    for key, kind in evidence["kinds"].items():
        name, years, covers, link = rows[f"evidence.kinds.{key}"][:4]
        assert (name, years, link) == (kind["name"], str(kind["years"]), "yes" if kind.get("link") else "no")
        for activity, place in kind["covers"].items():
            assert f"`{activity}`" in covers and f"({place})" in covers, (key, activity)
