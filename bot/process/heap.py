"""The interpreter's cycle collector, set for a process that answers Slack.

CPython frees an object the moment its last reference goes; the collector only looks for
reference cycles, and it runs by counts. A young collection comes every 700 net allocations of
container objects and promotes whatever is alive then — the rows and statements of every request
still in flight — to the older generations. A full collection comes after ten middle ones, once
what was promoted since the last full one adds up to a quarter of what that one left. It scans
every object not frozen — in `serve` its modules, SQLAlchemy's mappers and cached statements,
the Bolt app — and every thread waits while it runs, an ack in flight too.

Measured in `serve` through `bench/run.py` (PostgreSQL, serve + worker, full size): 56 full
collections of 80–116 ms each, 4.4 s in all, and Approve's ack p99 64–144 ms.

So once everything is built and before anything has started (`settle`), a process freezes what
it holds: about 140,000 objects in `serve`, which live as long as the process (a frozen object
that dies is still freed by its references; only a cycle among them would never be collected).
A full collection then scans only what was made since, and comes more often, since the quarter
is of less. The same benchmark with it: 79 full collections, 586 ms in all, p99 25 ms, the
longest 54 ms (`docs/performance.md`, 2026-12-07). Collecting the young every 50,000
allocations instead of 700 was tried as well, and is worse: 47 young collections of up to 120
ms (a collection's pause grows with what it scans).

The pauses are on `/metrics` (`refdesk_gc_pause_seconds`, by generation; `bot.metrics`).
"""

from __future__ import annotations

import gc

from bot.metrics import HEAP


def settle() -> None:
    """Collect, freeze what is left, and time the collections from then on. Called once the
    process has built everything and before it starts serving or sending."""
    gc.collect()
    gc.freeze()
    HEAP.watch()
