"""How the serving process shares its one interpreter between the ack and the work after it.

A process that acks Slack also renders and sends messages on its delivery threads (the laptop
default), and Python runs one thread at a time: a thread that wants to run waits until the one
running gives the interpreter up, at the latest after `sys.getswitchinterval()` (5 ms by
default). An ack does a dozen short waits on a socket or the database and asks for the
interpreter back after each one, so beside a busy sender it could wait 5 ms a dozen times.
With 0.5 ms the waits shrink tenfold: on `bench/run.py --quick --backend sqlite --topology
one-process` the submit's p99 went from 201–260 ms to 118–167 ms and Approve's from 66–88 to
35–42 ms (`docs/performance.md`); the cost is more switches for the sender, whose time goes to
waiting on Slack anyway.
"""

from __future__ import annotations

import sys

#: seconds a thread may run before another thread that asked gets the interpreter
SWITCH_INTERVAL = 0.0005


def favour_answers() -> None:
    """Let threads that wait on sockets (acks) take the interpreter back sooner from busy ones."""
    sys.setswitchinterval(SWITCH_INTERVAL)
