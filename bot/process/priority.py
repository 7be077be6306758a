"""Acks first, across the processes of one machine.

Slack's 3-second clock runs on the ack only; what `refdesk worker` does (sending what the outbox
owes, the scheduled jobs) can wait a little, and Slack's own post rate holds it anyway. On the
same machine as `serve` the worker competes for the cores with the acks, so it lowers its own CPU
priority (`nice`, per thread on Linux: first thing, so every thread it starts inherits it): the
kernel runs `serve`'s threads first and gives the worker what they leave, so it never waits for
a core that is idle. Raising one's own niceness needs no privilege.

`nice` ranks threads within one scheduling group: processes started together (one supervisor,
one container, the benchmark). The kernel shares the cores between groups — containers, systemd
units, login sessions — by their own weights, so where `serve` and the worker run apart, their
weights say it (`compose.yaml` gives the worker's container a quarter of a web replica's), and
the database's processes are not lowered either way.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger("refdesk")

#: `refdesk worker`'s niceness, added to what it was started with (0–19; higher yields more)
WORKER_NICENESS = 10


def yield_to_acks() -> None:
    """In a process that only sends and runs jobs: let the acks of the same machine run first."""
    try:
        os.nice(WORKER_NICENESS)
    except OSError as exc:  # a sandbox that refuses it: the worker still works, at its priority
        log.info("the worker keeps its CPU priority (nice refused: %s)", exc)
