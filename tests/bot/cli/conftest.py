"""What the real `refdesk` is run with in these tests: a database of its own, migrated, and a
working directory that is not the project's (as a program manager runs it)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.paths import ROOT
from tests.support.server import run_cli


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "elsewhere"
    path.mkdir()
    assert ROOT not in path.parents
    return path


@pytest.fixture
def env(tmp_path: Path, workdir: Path) -> dict[str, str]:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'refdesk.db'}"}
    assert run_cli(env, "db", "upgrade", cwd=workdir).returncode == 0
    return env


def refdesk(env: dict[str, str], workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = run_cli(env, *args, cwd=workdir)
    assert "Traceback" not in result.stderr, result.stderr
    return result
