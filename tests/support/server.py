"""The real `refdesk serve` process on a loopback port, and a Slack-like client for it; the real
`refdesk worker` beside it.

Over HTTP (the default) Slack's requests are posted to it, signed; with `socket=True` it runs
`serve --socket` and the port serves only `/healthz` (Slack's side is `tests.support.socket_mode`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.postgres import free_port
from tests.support.signing import interaction_body, signed_headers, slash_command_body

REFDESK = Path(sys.executable).with_name("refdesk")


@dataclass
class Reply:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def http(
    method: str,
    url: str,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 15,
) -> Reply:
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Reply(response.status, response.read().decode())
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, exc.read().decode())


def refdesk_env(base: dict[str, str]) -> dict[str, str]:
    """The environment of a refdesk process: nothing inherited that could point elsewhere."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    return {**keep, "PYTHONUNBUFFERED": "1", **base}


def run_cli(
    env: dict[str, str], *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [REFDESK, *args], env=refdesk_env(env), capture_output=True, text=True, cwd=cwd, timeout=timeout
    )


@dataclass
class RefdeskServer:
    env: dict[str, str]
    workdir: Path
    signing_secret: str
    extra_args: list[str] = field(default_factory=list)
    socket: bool = False
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"serve-{self.port}.log"

    def start(self, timeout: float = 30) -> RefdeskServer:
        self.port = self.port or free_port()
        self.process = launch(
            [
                "serve",
                "--socket" if self.socket else "--http",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                *self.extra_args,
            ],
            self.env,
            self.log_path,
            self.workdir,
        )
        wait_answering(self.process, self.url + "/healthz", self.log, timeout)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, *, kill: bool = False) -> None:
        stop(self.process, kill=kill)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def terminate(self, timeout: float = 15) -> tuple[int, float]:
        assert self.process is not None
        return terminate(self.process, timeout)

    def post_signed(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        secret: str | None = None,
        timestamp: int | None = None,
    ) -> Reply:
        headers = signed_headers(
            secret or self.signing_secret, body, timestamp=timestamp, content_type=content_type
        )
        return http("POST", self.url + "/slack/events", body.encode(), headers)

    def command(self, text: str, *, user_id: str, **fields: str) -> Reply:
        return self.post_signed(slash_command_body(text, user_id=user_id, **fields))

    def interact(self, payload: dict[str, Any]) -> Reply:
        return self.post_signed(interaction_body(payload))


@dataclass
class RefdeskWorker:
    """`refdesk worker` on a loopback probe port, started once `/readyz` answers 200."""

    env: dict[str, str]
    workdir: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"worker-{self.port}.log"

    def start(self, timeout: float = 30) -> RefdeskWorker:
        self.port = self.port or free_port()
        self.process = launch(
            ["worker", "--host", "127.0.0.1", "--port", str(self.port)], self.env, self.log_path, self.workdir
        )
        wait_answering(self.process, self.url + "/readyz", self.log, timeout)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def terminate(self, timeout: float = 15) -> tuple[int, float]:
        assert self.process is not None
        return terminate(self.process, timeout)

    def stop(self) -> None:
        stop(self.process)


def terminate(process: subprocess.Popen[bytes], timeout: float = 15) -> tuple[int, float]:
    """SIGTERM, as `docker stop` sends: (the exit status, the seconds until the process exited)."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout)
    return code, time.monotonic() - started


def stop(process: subprocess.Popen[bytes] | None, *, kill: bool = False) -> None:
    """Stop the process if it runs (SIGTERM, or SIGKILL), killing it if it lingers."""
    if process and process.poll() is None:
        process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def launch(args: list[str], env: dict[str, str], log_path: Path, workdir: Path) -> subprocess.Popen[bytes]:
    """`refdesk ARGS` in the background, its output into `log_path`."""
    return subprocess.Popen(
        [REFDESK, *args],
        env=refdesk_env(env),
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
        cwd=workdir,
    )


def wait_answering(
    process: subprocess.Popen[bytes], url: str, log: Callable[[], str], timeout: float
) -> None:
    """Until `url` answers 200; the process's log in the error when it exits or never does."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"refdesk exited {process.returncode}: {log()}")
        try:
            if http("GET", url, timeout=2).status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"refdesk did not answer {url}: {log()}")
        time.sleep(0.1)
