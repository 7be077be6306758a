"""A lock kept by another thread, as another sending thread keeps the sender's turn."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager


@contextmanager
def kept_elsewhere(
    lock: AbstractContextManager[object], release_after: float | None = None
) -> Iterator[None]:
    """Run the body while another thread holds `lock` (taken before the body starts); it lets go
    when the body ends, or `release_after` seconds after the body started."""
    held, release = threading.Event(), threading.Event()

    def keep() -> None:
        with lock:
            held.set()
            release.wait(10)

    keeper = threading.Thread(target=keep)
    keeper.start()
    assert held.wait(5)
    timer = threading.Timer(release_after, release.set) if release_after is not None else None
    if timer is not None:
        timer.start()
    try:
        yield
    finally:
        release.set()
        keeper.join(5)
