"""The one place that builds Slack Web API clients, with slack_sdk's own retry handlers."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.settings import Settings, SettingsError


def make_web_client(settings: Settings, *, timeout: int = 10) -> WebClient:
    """A client that waits out `Retry-After` on 429 and retries brief 5xx and connection errors.

    Retries here are short (a few seconds); anything longer is the delivery worker's job, which
    keeps the unsent message in the database and tries again later.
    """
    if settings.slack_bot_token is None:
        raise SettingsError("SLACK_BOT_TOKEN is missing: set it to the app's Bot User OAuth Token (xoxb-...)")
    return WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=timeout,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )
