"""Who a Slack user is, as people outside Slack read it: their real name, title and e-mail address
(`users.info`, with the `users:read` and `users:read.email` scopes), remembered for a while.

The advocate's e-mail comes from the account's owner and names the requester; the page says who
will contact them; the command line names owners instead of printing ids. Each lookup has a short
timeout of its own and no retries, and is remembered for `ttl`, so a batch of e-mails or a page
does not call Slack for every line; while Slack cannot be reached, it is not asked again for a
little while (`quiet`), so a page never waits on an outage twice. The caller decides what a lookup
that failed means: an e-mail waits and is retried, a page says "your account team".
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

#: Slack's answers meaning the person is not (or no longer) there: asking again will not help
GONE = frozenset({"user_not_found", "account_inactive", "user_not_visible"})


class Unreachable(Exception):
    """Slack could not say who this is just now (down, slow, rate-limited): try again later."""


@dataclass(frozen=True)
class Person:
    user_id: str
    #: their real name ("Olivia Owner")
    name: str
    #: their title in Slack's profile ("Customer Success Manager"), "" when none
    title: str = ""
    email: str | None = None


class People:
    """`users.info`, cached per process for `ttl`."""

    def __init__(
        self,
        client: WebClient,
        *,
        ttl: dt.timedelta = dt.timedelta(hours=1),
        timeout: float = 2.0,
        quiet: dt.timedelta = dt.timedelta(seconds=30),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = WebClient(
            token=client.token, base_url=client.base_url, timeout=timeout, retry_handlers=[]
        )
        self._ttl, self._quiet, self._clock = ttl.total_seconds(), quiet.total_seconds(), clock
        self._known: dict[str, tuple[float, Person | None]] = {}
        self._down_until = 0.0
        self._lock = threading.Lock()

    def person(self, user_id: str) -> Person | None:
        """Who `user_id` is; None when Slack knows no such person (left, deactivated).

        Raises `Unreachable` when Slack could not be asked (or was down a moment ago)."""
        now = self._clock()
        with self._lock:
            known = self._known.get(user_id)
            if known is not None and now - known[0] < self._ttl:
                return known[1]
            if now < self._down_until:
                raise Unreachable("Slack was unreachable a moment ago")
        try:
            answer = self._client.users_info(user=user_id)
        except SlackApiError as exc:
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            if error not in GONE:
                self._down(now)
                raise Unreachable(str(error or exc.response.status_code)) from None
            found = None
        except (SlackClientError, OSError) as exc:
            self._down(now)
            raise Unreachable(exc.__class__.__name__) from None
        else:
            found = _person(user_id, answer.get("user") or {})
        with self._lock:
            self._known[user_id] = (now, found)
        return found

    def _down(self, now: float) -> None:
        with self._lock:
            self._down_until = now + self._quiet


def _person(user_id: str, user: dict[str, object]) -> Person | None:
    if user.get("deleted") or user.get("is_bot"):
        return None
    profile = user.get("profile")
    profile = profile if isinstance(profile, dict) else {}
    name = (
        profile.get("real_name") or user.get("real_name") or profile.get("display_name") or user.get("name")
    )
    email = profile.get("email")
    return Person(
        user_id,
        " ".join(str(name or user_id).split()),
        " ".join(str(profile.get("title") or "").split()),
        email if isinstance(email, str) and email else None,
    )


def name_of(people: People | None, user_id: str | None, fallback: str) -> str:
    """A person's name for a line of text (the command line, a page): `fallback` when it cannot be
    said now."""
    if people is None or not user_id:
        return fallback
    try:
        found = people.person(user_id)
    except Unreachable:
        return fallback
    return found.name if found is not None else fallback
