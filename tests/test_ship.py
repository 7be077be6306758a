"""The image and the compose file, checked as far as can be without a container engine: the compose
file parses into the production topology and every command it runs is a real `refdesk` command;
the Dockerfile has the shape the operating guide promises; the lock pins every dependency.
`tests/e2e/test_deploy.py` proves the same topology with processes."""

from __future__ import annotations

import re
import subprocess
import tomllib
from typing import Any

import pytest
import yaml

from bot.cli.main import _parser
from tests.support.paths import ROOT
from tests.support.server import REFDESK

COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
REFDESK_SERVICES = ("migrate", "web", "worker")


def service(name: str) -> dict[str, Any]:
    return COMPOSE["services"][name]


def test_compose_is_postgresql_then_a_migration_then_two_web_replicas_and_a_worker() -> None:
    assert set(COMPOSE["services"]) == {"db", *REFDESK_SERVICES}
    db = service("db")
    assert db["image"].startswith("postgres:") and "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert service("migrate")["command"] == ["db", "upgrade"]
    assert service("migrate")["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in ("web", "worker"):
        assert service(name)["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
        assert service(name)["environment"]["REFDESK_WORKER"] == "external"
    assert service("web")["deploy"]["replicas"] == 2
    assert service("web")["command"][0] == "serve" and "--no-worker" in service("web")["command"]
    assert service("worker")["command"][0] == "worker"
    assert "9100/livez" in " ".join(service("worker")["healthcheck"]["test"])
    # the worker's container yields the cores to the web replicas' (docs/operating.md)
    assert service("worker")["cpu_shares"] < service("web").get("cpu_shares", 1024)


@pytest.mark.parametrize("name", REFDESK_SERVICES)
def test_every_compose_command_is_a_real_refdesk_command(name: str) -> None:
    command = service(name)["command"]
    _parser().parse_args(command)  # exits (and fails the test) on a command or option refdesk has not
    shown = subprocess.run([REFDESK, *command, "--help"], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"usage: refdesk {command[0]}")


def test_the_dockerfile_is_a_slim_non_root_image_of_the_locked_dependencies_with_a_liveness_check() -> None:
    lines = [line.strip() for line in DOCKERFILE.splitlines() if line.strip() and not line.startswith("#")]
    assert re.match(r"FROM python:3\.\d+-slim", lines[0])
    user = [line for line in lines if line.startswith("USER ")]
    assert user and user[-1] not in ("USER root", "USER 0")
    assert "RUN pip install --requirement requirements.lock" in lines
    assert "RUN pip install --no-deps ." in lines
    assert 'ENTRYPOINT ["refdesk"]' in lines
    assert re.search(r"HEALTHCHECK .*/livez", DOCKERFILE.replace("\\\n", " "))
    assert 'VOLUME ["/data"]' in lines


def test_the_lock_pins_every_dependency() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pinned = {
        re.split(r"==", line)[0].lower().replace("_", "-"): line
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert all("==" in line for line in pinned.values())
    names = {re.split(r"[<>=\[ ]", requirement)[0].lower().replace("_", "-") for requirement in declared}
    assert names <= set(pinned), names - set(pinned)
