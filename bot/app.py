"""The Bolt app factory: settings + database + policy in, a wired `App` out."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import time
from collections.abc import Callable

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.clock import Clock, system_clock
from bot.settings import Settings
from bot.slack_client import make_web_client
from handlers.kit.acks import AckWaitingExecutor
from handlers.kit.desk import Desk
from handlers.kit.links import Links
from handlers.kit.people import People
from handlers.kit.threads import CarryingExecutor, OneAtATime
from handlers.outbox.pacing import Pacer
from handlers.outbox.smtp import Mailer, parse_smtp_url
from handlers.routes import ROUTES
from handlers.surfaces import register_all
from store.addresses import AddressKey
from store.customer import consent
from store.db import Database
from store.rules.policy import Policy, load_policy

log = logging.getLogger(__name__)


class ListenerExecutor(AckWaitingExecutor, CarryingExecutor):
    """Bolt's listener threads: each answer leaves when its listener acks, not at Bolt's next
    10 ms look (`handlers.kit.acks`), and the listener carries its payload's log fields."""


def build_desk(
    settings: Settings,
    db: Database,
    policy: Policy | None = None,
    clock: Clock = system_clock,
    *,
    wall_clock: Clock | None = None,
    worker_sends: bool = False,
) -> Desk:
    """Everything listeners and jobs share; the Slack client only when a bot token is set.

    `wall_clock`: real time where `clock` is a drill's moment (the outbox's leases are measured on
    it; see `handlers.kit.desk.Desk.wall`).

    `worker_sends`: the process only records and enqueues, a `refdesk worker` sends (its desk says
    the same: its own loop sends, its jobs only claim)."""
    chosen = policy or load_policy(settings.policy_file)
    client = make_web_client(settings) if settings.slack_bot_token is not None else None
    return Desk(
        db=db,
        policy=chosen,
        clock=clock,
        wall_clock=wall_clock,
        admins=frozenset(settings.admins),
        tz=settings.tz,
        digest_channel=settings.digest_channel,
        client=client,
        retry_base_seconds=settings.delivery_retry_seconds,
        executor=CarryingExecutor(max_workers=settings.delivery_threads, thread_name_prefix="delivery"),
        decisions=OneAtATime(),
        pacer=Pacer(per_second=settings.post_rate, burst=settings.post_burst),
        lease=dt.timedelta(seconds=settings.delivery_lease_seconds),
        consent_mode=consent_mode(settings, chosen),
        links=links(settings),
        mailer=mailer(settings),
        answer_pause=dt.timedelta(minutes=settings.answer_change_minutes),
        routes=ROUTES,
        address_key=address_key(settings),
        people=People(client) if client is not None else None,
        company=(settings.company_name or "").strip(),
        privacy_url=settings.privacy_url,
        worker_sends=worker_sends,
    )


def consent_mode(settings: Settings, policy: Policy) -> str:
    """How approvals ask advocates: the policy's `consent`, e-mail by default when the program
    can mail; without the mail settings always the owner (an e-mail nobody can send asks no one)."""
    if not settings.mail_ready:
        return consent.OWNER
    return policy.consent or consent.EMAIL


def links(settings: Settings) -> Links | None:
    if not settings.public_url or not settings.link_keys():
        return None
    return Links(settings.link_keys(), settings.public_url, dt.timedelta(days=settings.link_max_age_days))


def address_key(settings: Settings) -> AddressKey | None:
    """The key of removed people's fingerprints: REFDESK_ERASURE_SECRET, else one derived from the
    link key listed last (the oldest, while a rotation lists two) under a label of its own (no link
    signature shares it); None without either. Every process that imports or forgets must derive
    the same one: they all read the same settings. Dropping the old link key at the end of a
    rotation changes the derived key, so `docs/operating.md` says to set REFDESK_ERASURE_SECRET
    before rotating."""
    if settings.erasure_secret is not None and settings.erasure_secret.get_secret_value():
        return AddressKey(settings.erasure_secret.get_secret_value().encode())
    keys = settings.link_keys()
    if not keys:
        return None
    return AddressKey(hmac.new(keys[-1].encode(), b"refdesk.erasure", hashlib.sha256).digest())


def mailer(settings: Settings) -> Mailer | None:
    if not settings.mail_ready:
        return None
    assert settings.smtp_url is not None and settings.mail_from is not None
    server = parse_smtp_url(settings.smtp_url.get_secret_value())
    return Mailer(server, settings.mail_from, timeout=settings.smtp_timeout_seconds)


def single_workspace_authorize(
    client: WebClient, retry_seconds: float = 60
) -> Callable[..., AuthorizeResult]:
    """Bolt's authorization for our one workspace, which never makes a request wait on Slack.

    Bolt's default calls `auth.test` before the first listener runs, so with Slack's Web API
    unreachable even `/reference help` would fail. Here the bot's identity is looked up once it
    can be and cached; until then requests go on with the token alone, and the look-up is tried
    again at most every `retry_seconds` (with a short timeout and no retries) so no ack waits.
    """
    quick = WebClient(token=client.token, base_url=client.base_url, timeout=2)
    known: dict[str, AuthorizeResult] = {}
    last_failure = [-float("inf")]

    def authorize(**_: object) -> AuthorizeResult:
        if "result" in known:
            return known["result"]
        if time.monotonic() - last_failure[0] >= retry_seconds:
            try:
                known["result"] = AuthorizeResult.from_auth_test_response(
                    auth_test_response=quick.auth_test(), bot_token=client.token
                )
                return known["result"]
            except (SlackApiError, SlackClientError, OSError) as exc:
                last_failure[0] = time.monotonic()
                log.warning("auth.test failed (%s): serving with the token alone", exc.__class__.__name__)
        return AuthorizeResult(enterprise_id=None, team_id=None, bot_token=client.token)

    return authorize


class _EnvironmentTokenNotice(logging.Filter):
    """Drops the one Bolt warning a correct configuration cannot avoid.

    `App()` reads `SLACK_BOT_TOKEN` from the process environment by itself, even when it is given
    a client, and then warns that the token "will be unused". Our settings (`bot.settings`, which
    also read `.env`) own the token and the client carries it, so nothing is wrong: there is no
    constructor argument that stops Bolt reading the environment, hence this filter, for that
    exact message only.
    """

    message = warning_client_prioritized_and_token_skipped()

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != self.message


def _bolt_logger() -> logging.Logger:
    bolt = logging.getLogger("slack_bolt")
    if not any(isinstance(f, _EnvironmentTokenNotice) for f in bolt.filters):
        bolt.addFilter(_EnvironmentTokenNotice())
    return bolt


def _tokenless(client: WebClient) -> WebClient:
    """The settings Bolt copies into each request's client (base URL, timeout, retries), no token.

    The token reaches each request through `authorize`; a client that also carried it made Bolt
    warn that "`installation_store` or `authorize` has been used" and the token was ignored.
    """
    return WebClient(
        token=None,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=client.headers,
        logger=client.logger,
        retry_handlers=client.retry_handlers,
    )


def build_app(settings: Settings, desk: Desk, *, socket_mode: bool = False) -> App:
    """A sync Bolt app. Listeners ack first and do slow work after (process_before_response off)."""
    settings.require_slack(socket_mode=socket_mode)
    signing_secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    assert desk.client is not None
    app = App(
        client=_tokenless(desk.client),
        authorize=single_workspace_authorize(desk.client),
        signing_secret=signing_secret,
        request_verification_enabled=not socket_mode,
        token_verification_enabled=False,
        logger=_bolt_logger(),
        # enough listener threads for every HTTP worker: an ack never waits for a free thread
        listener_executor=ListenerExecutor(max_workers=32, thread_name_prefix="listener"),
    )
    register_all(app, desk)
    return app
