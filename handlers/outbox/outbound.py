"""What the sender reads of the desk it is handed: the database and the clock, the two
transports, how fast it may post, how long a claim is its own, and the routes.

The app's `handlers.kit.desk.Desk` is one; the sender names only this shape, so it imports
nothing above the outbox.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import Executor
from typing import Any, Protocol

from slack_sdk import WebClient

from handlers.outbox.pacing import Pacer
from handlers.outbox.routing import Routes
from handlers.outbox.smtp import Mailer
from store.db import Database


class Outbound(Protocol):
    db: Database
    #: the bot's Web API client; None where nothing may be sent (CLI dry runs)
    client: WebClient | None
    #: sends the advocates' e-mails; None when the mail settings are missing
    mailer: Mailer | None
    pacer: Pacer
    #: how long a claimed delivery stays this process's before another replica may take it over
    lease: dt.timedelta
    #: the first retry delay of a delivery that failed for now; doubles with each attempt
    retry_base_seconds: float
    #: where listeners hand their sends, so a slow Slack never holds up the next ack
    executor: Executor | None
    #: every delivery kind's route (`handlers.routes.ROUTES` in the app)
    routes: Routes[Any]
    #: another process (`refdesk worker`) sends: `send_soon` leaves the deliveries to it
    worker_sends: bool

    def now(self) -> dt.datetime: ...

    #: real time, whatever `now` says: what the outbox's leases are measured on
    def wall(self) -> dt.datetime: ...
