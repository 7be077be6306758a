"""Acks first, across the processes of one machine.

Slack's 3-second clock runs on the ack only; what `refdesk worker` does (sending what the outbox
owes, the scheduled jobs) can wait a little, and Slack's own post rate holds it anyway. On the
same machine as `serve` the worker competes for the cores with the acks and with the database, so
it lowers its own CPU priority (`nice`): the kernel runs the acks first and gives the worker all
that is left over, so it never waits for a core that is idle. Raising one's own niceness needs no
privilege; on a machine (or a container) of its own, it changes nothing.
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
