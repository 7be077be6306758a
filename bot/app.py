"""The Bolt app factory: settings + database + policy in, a wired `App` out."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App

from bot.clock import Clock, system_clock
from bot.settings import Settings
from bot.slack_client import make_web_client
from handlers import register_all
from handlers.desk import Desk
from store.db import Database
from store.policy import Policy, load_policy

log = logging.getLogger(__name__)


def build_desk(
    settings: Settings, db: Database, policy: Policy | None = None, clock: Clock = system_clock
) -> Desk:
    """Everything listeners and jobs share; the Slack client only when a bot token is set."""
    return Desk(
        db=db,
        policy=policy or load_policy(settings.policy_file),
        clock=clock,
        admins=frozenset(settings.admins),
        tz=settings.tz,
        digest_channel=settings.digest_channel,
        client=make_web_client(settings) if settings.slack_bot_token is not None else None,
        retry_base_seconds=settings.delivery_retry_seconds,
        executor=ThreadPoolExecutor(max_workers=4, thread_name_prefix="delivery"),
    )


def build_app(settings: Settings, desk: Desk, *, socket_mode: bool = False) -> App:
    """A sync Bolt app. Listeners ack first and do slow work after (process_before_response off)."""
    settings.require_slack(socket_mode=socket_mode)
    signing_secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    app = App(
        client=desk.client,
        signing_secret=signing_secret,
        request_verification_enabled=not socket_mode,
        token_verification_enabled=False,
        logger=logging.getLogger("slack_bolt"),
        # enough listener threads for every HTTP worker: an ack never waits for a free thread
        listener_executor=ThreadPoolExecutor(max_workers=32, thread_name_prefix="listener"),
    )
    register_all(app, desk)
    return app
