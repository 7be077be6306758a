"""The interpreter's cycle collector, set for a process that answers Slack.

CPython frees an object the moment its last reference goes; the collector only looks for
reference cycles, and it runs by counts. A young collection comes every 700 net allocations of
container objects, and it promotes whatever is alive then — the rows and statements of every
request still in flight — to the older generations. A full collection comes once those
promotions add up to a quarter of everything the process holds. It scans every object, the
modules, SQLAlchemy's mappers and cached statements and Bolt included, and holds the interpreter
while it does: any ack in flight waits.

Measured in `serve` through `bench/run.py` (PostgreSQL, serve + worker, full size): 56 full
collections of 80–116 ms each, 4.4 s in all, and Approve's ack p99 64–144 ms.

So once started, a process freezes what the start built (`settle`: `gc.freeze`; about 140,000
objects in `serve`, never scanned again — they live as long as the process anyway), and a full
collection scans only what was made since. The same benchmark with it: 79 full collections, 586
ms in all, p99 25 ms, the longest 54 ms. Collecting the young every 50,000 allocations instead
of 700 was tried as well, and is worse: 47 young collections of up to 120 ms (a collection's
pause grows with what it scans).

The pauses are on `/metrics` (`refdesk_gc_pause_seconds`, by generation; `bot.metrics`).
"""

from __future__ import annotations

import gc

from bot.metrics import HEAP


def settle() -> None:
    """Once the process has started: collect, freeze what is left, and time the collections from
    then on. Called last thing before a process says it is ready."""
    gc.collect()
    gc.freeze()
    HEAP.watch()
