"""What `refdesk serve` checks with Slack before it serves, and the one line it logs when it does.

A wrong or revoked bot token, or a Slack that cannot be reached, is said here in one line naming
what to fix (`bot.cli.main` prints it as `refdesk: ...`, exit status 2), instead of surfacing later as
a traceback from inside slack_sdk.
"""

from __future__ import annotations

import logging
import urllib.error
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import CliError
from bot.settings import HINTS, Settings

log = logging.getLogger("refdesk")
#: where slack_sdk logs on calls whose failure we say ourselves, in one line: shown with `-v` only
sdk_log = logging.getLogger("refdesk.sdk")

#: Slack's answers that mean "this token is not (or no longer) good"
REFUSED_TOKEN = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive", "no_permission"}
)


@dataclass(frozen=True)
class Identity:
    """Who the bot is where, as `auth.test` says."""

    team: str
    team_id: str
    user: str
    user_id: str


def quiet(client: WebClient) -> WebClient:
    """`client` for calls whose failure the caller reports in one line: slack_sdk's own lines
    about it (an error, a retry, another error) are shown only with `refdesk -v`."""
    if not log.isEnabledFor(logging.DEBUG):
        sdk_log.setLevel(logging.CRITICAL)
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=client.headers,
        logger=sdk_log,
        retry_handlers=client.retry_handlers,
    )


def slack_error(exc: SlackApiError) -> str:
    """Slack's error code, or the HTTP status when the answer was not Slack's JSON."""
    error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
    return str(error or f"HTTP {exc.response.status_code}")


def unreachable(settings: Settings, exc: BaseException) -> str:
    """One line for a Slack that could not be reached at all."""
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    detail = str(reason).strip().splitlines()[0][:160] if str(reason).strip() else exc.__class__.__name__
    return (
        f"Slack is unreachable at {settings.slack_api_url} ({detail}): check this machine's network "
        "connection (and proxy, if any), or SLACK_API_URL"
    )


def identify(settings: Settings, client: WebClient, *, required: bool) -> Identity | None:
    """`auth.test` with the bot token: who we are, or one line saying what to fix.

    A token Slack refuses stops the start either way. An unreachable Slack stops a Socket Mode
    start (nothing could reach us); over HTTP it is logged and serving goes on, as requests can
    still be answered and the bot's identity is looked up again when they come.
    """
    try:
        answer = quiet(client).auth_test()
    except SlackApiError as exc:
        error = slack_error(exc)
        if error in REFUSED_TOKEN:
            raise CliError(
                f"Slack refused SLACK_BOT_TOKEN ({error}): {HINTS['SLACK_BOT_TOKEN']} from the app's "
                "OAuth & Permissions page (reinstall the app if it was removed)"
            ) from None
        if required:
            raise CliError(f"Slack's auth.test failed ({error}): try again in a minute") from None
        log.warning("Slack's auth.test failed (%s): serving anyway", error)
        return None
    except OSError as exc:
        if required:
            raise CliError(unreachable(settings, exc)) from None
        log.warning("%s; serving anyway", unreachable(settings, exc))
        return None
    return Identity(
        team=str(answer.get("team") or "?"),
        team_id=str(answer.get("team_id") or "?"),
        user=str(answer.get("user") or "?"),
        user_id=str(answer.get("user_id") or "?"),
    )


def started(settings: Settings, identity: Identity | None, mode: str, where: str) -> str:
    """The one line a start logs: the mode, the workspace and bot user, where the digest goes."""
    who = (
        f"workspace {identity.team} ({identity.team_id}) as @{identity.user} ({identity.user_id})"
        if identity is not None
        else "workspace not known yet (auth.test failed)"
    )
    digest = (
        f"the digest goes to channel {settings.digest_channel} "
        f"(REFDESK_DIGEST_CRON {settings.digest_cron!r}, {settings.timezone})"
        if settings.digest_channel
        else "no digest is posted (REFDESK_DIGEST_CHANNEL is not set)"
    )
    return f"refdesk serving over {mode}, {where}; {who}; {digest}"
