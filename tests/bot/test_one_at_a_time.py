"""Where a click's decision runs after its ack (`bot.app.OneAtATime`, `handlers.kit.later`): one
at a time, at most so many waiting, and on the caller's own thread once the process is stopping."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import Future

from bot.app import OneAtATime
from handlers.kit.desk import Desk
from handlers.kit.later import later
from store.db import Database
from store.rules.policy import Policy

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def test_past_the_room_for_waiting_decisions_a_listener_waits_for_room() -> None:
    decisions = OneAtATime(waiting=2)
    turn = threading.Event()
    decisions.submit(turn.wait, 10)
    decisions.submit(lambda: None)
    third: list[Future[None]] = []
    listener = threading.Thread(target=lambda: third.append(decisions.submit(lambda: None)))
    listener.start()

    listener.join(0.3)
    assert listener.is_alive() and not third, "two wait already: the third click's listener waits"
    assert decisions.waiting == 2
    turn.set()
    listener.join(5)
    assert not listener.is_alive()
    third[0].result(5)
    decisions.shutdown(wait=True)
    assert decisions.waiting == 0


def test_a_click_acked_while_the_process_stops_is_decided_on_its_listener_s_thread(
    db: Database, policy: Policy
) -> None:
    decisions = OneAtATime(waiting=2)
    desk = Desk(db=db, policy=policy, clock=lambda: NOW, decisions=decisions)
    ran_on: list[str] = []
    later(desk, lambda: ran_on.append(threading.current_thread().name))
    decisions.shutdown(wait=True)

    later(desk, lambda: ran_on.append(threading.current_thread().name))

    assert ran_on[0].startswith("decide") and ran_on[1] == threading.current_thread().name
    assert decisions.waiting == 0
