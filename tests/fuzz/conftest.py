"""The fuzz suite's profiles, its Slack stub and the app under test, once per backend.

Profiles (Hypothesis settings):

* `ci` (default): a fixed number of examples per property, chosen so the whole suite takes about
  a minute; derandomized, so every run tries the same examples and CI is reproducible.
* long: `REFDESK_FUZZ_EXAMPLES=10000 pytest tests/fuzz` — that many examples per property, new
  random ones each run. A table of examples, 5xx answers and tracebacks per property is printed at
  the end, and kept up to date in the JSON file `REFDESK_FUZZ_STATS` names, if any (a run cut
  short by a time limit still leaves its figures there).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

from tests.fuzz.harness import Harness, Outcome
from tests.support.postgres import create_database
from tests.support.slack_stub import SlackStub

LONG_EXAMPLES = int(os.environ.get("REFDESK_FUZZ_EXAMPLES") or 0)
STATS_FILE = os.environ.get("REFDESK_FUZZ_STATS")

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.filter_too_much,
        # `harness` is one app per backend for the whole session, handed over per test
        HealthCheck.function_scoped_fixture,
    ],
)
settings.register_profile(
    "long",
    parent=settings.get_profile("ci"),
    derandomize=False,
    print_blob=True,
    max_examples=LONG_EXAMPLES or 1,
)
settings.load_profile("long" if LONG_EXAMPLES else "ci")

#: a regression property stops at its first failing example: no shrinking (the
#: minimal example is in the test's reason), so CI does not spend a minute on what it knows
FOUND_BUG_PHASES = (Phase.explicit, Phase.reuse, Phase.generate)


def examples(ci: int) -> int:
    """Examples per property: `ci` in the CI profile, REFDESK_FUZZ_EXAMPLES in a long run."""
    return LONG_EXAMPLES or ci


@dataclass
class Tally:
    """One property's figures: requests sent, 5xx answers, those with a traceback or ERROR record."""

    examples: int = 0
    status_5xx: int = 0
    tracebacks: int = 0
    seconds: float = 0.0


STATS: dict[str, Tally] = {}


def _save_stats() -> None:
    if STATS_FILE:
        Path(STATS_FILE).write_text(json.dumps({k: asdict(v) for k, v in STATS.items()}, indent=1))


def _recorder(tally: Tally) -> Callable[[Outcome], None]:
    def record(outcome: Outcome) -> None:
        tally.examples += 1
        tally.status_5xx += outcome.status >= 500
        tally.tracebacks += bool(outcome.crash or outcome.errors)
        if tally.examples % 200 == 0:
            _save_stats()

    return record


@pytest.fixture(scope="session")
def slack_stub() -> Iterator[SlackStub]:
    with SlackStub() as stub:
        yield stub


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def harnesses(slack_stub: SlackStub) -> Iterator[dict[str, Harness]]:
    """The app per backend, closed before the stub it talks to."""
    built: dict[str, Harness] = {}
    yield built
    for harness in built.values():
        harness.close()


@pytest.fixture
def harness(
    backend: str,
    harnesses: dict[str, Harness],
    slack_stub: SlackStub,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[Harness]:
    """The app on `backend`, built once per session (Hypothesis reuses it across examples)."""
    if backend not in harnesses:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'refdesk.db'}"
        else:
            url = create_database(request.getfixturevalue("postgres_url"), "refdesk_fuzz")
        harnesses[backend] = Harness(url, slack_stub)
    harness = harnesses[backend]
    tally = STATS.setdefault(request.node.nodeid, Tally())
    harness.on_outcome = _recorder(tally)
    started = time.monotonic()
    yield harness
    tally.seconds += time.monotonic() - started
    harness.on_outcome = None
    _save_stats()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not LONG_EXAMPLES or not STATS:
        return
    write = terminalreporter.write_line
    terminalreporter.section("fuzz: examples per property")
    write(f"{'property':<100} {'examples':>9} {'5xx':>6} {'tracebacks':>10} {'seconds':>8}")
    for nodeid, tally in sorted(STATS.items()):
        write(
            f"{nodeid.split('::', 1)[-1]:<100} {tally.examples:>9} {tally.status_5xx:>6} "
            f"{tally.tracebacks:>10} {tally.seconds:>8.1f}"
        )
