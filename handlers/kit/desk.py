"""The desk: what every listener, renderer, page and job shares — the program's data and rules,
who runs it, the clock, and what the outbox sends with.

`bot.app` builds one per process from the settings; a Bolt middleware hands it to every listener
(`handlers.kit.context`), the sender reads it as its `Outbound`, the pages and the jobs get it
from `bot`. It lives in the kit, the layer every surface stands on, because every surface needs
it; nothing below the kit (the outbox sender) names it."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field

from slack_sdk import WebClient

from handlers.kit.links import Links
from handlers.kit.people import People
from handlers.kit.threads import Decisions
from handlers.outbox.pacing import Pacer
from handlers.outbox.routing import Routes
from handlers.outbox.smtp import Mailer
from store.act import Act
from store.addresses import AddressKey
from store.db import Database
from store.rules.policy import Policy

#: what time it is (UTC, aware); `bot.clock` provides the real one and fixed ones
Clock = Callable[[], dt.datetime]


@dataclass
class Desk:
    db: Database
    policy: Policy
    clock: Clock
    admins: frozenset[str] = frozenset()
    tz: zoneinfo.ZoneInfo = field(default_factory=lambda: zoneinfo.ZoneInfo("UTC"))
    digest_channel: str | None = None
    #: the bot's Web API client; None where nothing may be sent (CLI dry runs)
    client: WebClient | None = None
    #: first retry delay of a Slack message that failed; doubles with each attempt
    retry_base_seconds: float = 5.0
    #: where listeners hand Slack messages after the ack, so a slow Slack never holds up the next ack
    executor: Executor | None = None
    #: where a click's decision runs after its ack, one at a time (`handlers.kit.later`); None: on
    #: the listener's own thread (the listener returns with the click decided)
    decisions: Decisions | None = None
    #: how fast the deployment may post (Slack's rate limits, booked in the database)
    pacer: Pacer = field(default_factory=Pacer)
    #: how long a claimed delivery stays this process's before another replica may take it over
    lease: dt.timedelta = dt.timedelta(seconds=60)
    #: how an approval asks the advocate: "email" when the program mails, else "owner"
    consent_mode: str = "owner"
    #: the advocate's signed links; None without REFDESK_PUBLIC_URL (no page is served)
    links: Links | None = None
    #: sends the advocate's e-mails; None when the mail settings are missing (owner-led)
    mailer: Mailer | None = None
    #: how long an advocate's answer stays as it is before it may change again
    answer_pause: dt.timedelta = dt.timedelta(minutes=10)
    #: how each delivery kind is sent (`handlers.routes.ROUTES`): the sender reads them here
    routes: Routes[Desk] = field(default_factory=dict)
    #: the key removed people's addresses are fingerprinted with; None without a secret to derive it
    address_key: AddressKey | None = None
    #: who Slack users are (names, titles, addresses), for the e-mails, the pages and the CLI
    people: People | None = None
    #: the company as its customers know it (REFDESK_COMPANY_NAME): who asks, in e-mails and pages
    company: str = ""
    #: the privacy notice the advocate's e-mails and pages link to
    privacy_url: str | None = None
    #: a `refdesk worker` process sends what the outbox owes (REFDESK_WORKER=external): listeners
    #: only enqueue, and the enqueue's NOTIFY (or the worker's poll on SQLite) wakes the worker
    worker_sends: bool = False
    #: the wall clock, for the outbox's leases: they fence processes, which share only real time
    #: (`refdesk jobs run --now` gives `clock` a drill's moment); None: `clock` is real time
    wall_clock: Clock | None = None

    def now(self) -> dt.datetime:
        return self.clock()

    def wall(self) -> dt.datetime:
        return (self.wall_clock or self.clock)()

    def today(self) -> dt.date:
        """Today in the program's timezone: what "needed by today" and "when" mean."""
        return self.clock().astimezone(self.tz).date()

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.admins

    @property
    def mails_advocates(self) -> bool:
        """The program e-mails advocates: approvals ask them by e-mail, seats invite them."""
        return self.consent_mode == "email" and self.mailer is not None and self.links is not None

    def act(self, user_id: str) -> Act:
        """`user_id` acting now: what the store's calls that change something are handed."""
        return Act(user_id, self.admins, self.now(), self.today())
