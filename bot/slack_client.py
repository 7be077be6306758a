"""The one place that builds Slack Web API clients, with slack_sdk's retry handlers kept short.

Two rules keep a message from being posted twice by the client itself:

* a call that posts something new (`chat.postMessage`, ...) is never retried inside the call: a
  timeout or a dropped connection may come after Slack stored the message, and only the outbox
  (which looks for its marked message first) may try again;
* other calls retry once, and wait out a `Retry-After` only when it is no longer than the
  timeout, so one call never outlives the send lease (`bot.settings.slack_call_seconds`); a
  longer wait is the outbox's, which keeps the message and retries after `Retry-After`.

Every call through the client is timed and its failures counted by method (`bot.metrics`), 429s
apart from the other errors.
"""

from __future__ import annotations

import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import SlackResponse

from bot.metrics import SLACK_API_ERRORS, SLACK_API_RATELIMITED, SLACK_API_SECONDS
from bot.settings import Settings, SettingsError

#: Web API methods that create something new on every call: never retried inside the call
POSTING_METHODS = frozenset(
    {"chat.postMessage", "chat.postEphemeral", "chat.scheduleMessage", "files.completeUploadExternal"}
)


def _method(request: HttpRequest) -> str:
    return request.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


class _UnlessPosting(RetryHandler):
    """`inner`'s retries, for every call but one that posts something new."""

    def __init__(self, inner: RetryHandler) -> None:
        super().__init__(inner.max_retry_count, inner.interval_calculator)
        self.inner = inner

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if _method(request) in POSTING_METHODS:
            return False
        return self.inner.can_retry(state=state, request=request, response=response, error=error)

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        self.inner.prepare_for_next_attempt(state=state, request=request, response=response, error=error)


class _ShortRateLimitRetry(RateLimitErrorRetryHandler):
    """Waits out a 429 inside the call only when `Retry-After` is at most `max_wait` seconds."""

    def __init__(self, max_wait: float) -> None:
        super().__init__(max_retry_count=1)
        self.max_wait = max_wait

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        retry_after = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), ["1"])
        try:
            return int(retry_after[0]) <= self.max_wait
        except ValueError:
            return False


class MeteredWebClient(WebClient):
    """slack_sdk's client, each call timed and its failure counted by method."""

    def api_call(self, api_method: str, *args: Any, **kwargs: Any) -> SlackResponse:  # type: ignore[override]
        started = time.perf_counter()
        try:
            return super().api_call(api_method, *args, **kwargs)
        except SlackApiError as exc:
            status = exc.response.status_code
            if status == 429:
                SLACK_API_RATELIMITED.labels(api_method).inc()
            else:
                error = "http_5xx" if status >= 500 else str(exc.response.get("error") or f"http_{status}")
                SLACK_API_ERRORS.labels(api_method, error[:40]).inc()
            raise
        except Exception:
            SLACK_API_ERRORS.labels(api_method, "unreachable").inc()
            raise
        finally:
            SLACK_API_SECONDS.labels(api_method).observe(time.perf_counter() - started)


def make_web_client(settings: Settings) -> WebClient:
    """The bot's client: each try bounded by `settings.slack_timeout`, posts never retried inside."""
    if settings.slack_bot_token is None:
        raise SettingsError("SLACK_BOT_TOKEN is missing: set it to the app's Bot User OAuth Token (xoxb-...)")
    timeout = settings.slack_timeout
    pause = FixedValueRetryIntervalCalculator(min(0.5, timeout))
    return MeteredWebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        # slack_sdk passes it to urllib, which takes a float although the hint says int
        timeout=timeout,  # type: ignore[arg-type]
        retry_handlers=[
            _UnlessPosting(ConnectionErrorRetryHandler(max_retry_count=1, interval_calculator=pause)),
            _UnlessPosting(_ShortRateLimitRetry(max_wait=timeout)),
            _UnlessPosting(ServerErrorRetryHandler(max_retry_count=1, interval_calculator=pause)),
        ],
    )
