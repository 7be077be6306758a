"""Socket Mode: Slack's events over a WebSocket the app opens, for a machine with no public URL.

slack_sdk's built-in client speaks the protocol (hello, envelopes and their acks, `disconnect`);
what it leaves to us is what a person running `refdesk serve` needs:

* the first connection is opened before serving, and anything wrong (a refused or mistyped app
  token, one without `connections:write`, an unreachable Slack) stops the start with one line
  naming the fix (`CliError`), never a traceback or a retry loop;
* a connection lost later is reopened by `SocketModeLink` with backoff (1, 2, 4 ... 30 s), one
  log line per attempt. slack_sdk's own reconnect loop is switched off and its log, which says
  the same things in several lines with session ids, goes to `refdesk.sdk`, shown
  only with `--verbose` (`bot.serve.startup.quiet`);
* the state of the connection is there for `/healthz` (`status()`), `/readyz` (`not_connected`)
  and `/metrics`;
* a stop (`drain`) acks every envelope received, then closes: an envelope is never left unacked
  by a process that was asked to stop.

Slack's `disconnect` (reason `refresh_requested`) is handled by slack_sdk itself: it opens the new
connection before closing the old one, so nothing is dropped while Slack rotates connections.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import threading
import time
from typing import Any
from urllib.parse import urlparse

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientNotConnectedError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.errors import CliError
from bot.metrics import ACK_SECONDS, SOCKET_MODE_CONNECTED, SOCKET_MODE_RECONNECTS
from bot.serve.payload_shape import payload_kind, slack_user
from bot.serve.startup import REFUSED_TOKEN, quiet, sdk_log, slack_error, unreachable
from bot.settings import HINTS, Settings
from handlers.outbox.answering import ANSWERING
from store.logfields import tagged

log = logging.getLogger("refdesk.socket_mode")

#: seconds between two checks that the connection is up (slack_sdk pings every PING_SECONDS)
WATCH_SECONDS = 0.25
#: a stop closes the connection once every envelope received is acked and none came for this long
QUIET_SECONDS = 0.1
PING_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 30.0

HOW_TO_MAKE_AN_APP_TOKEN = (
    "on the app's Basic Information page, App-Level Tokens, generate a token with the "
    "connections:write scope and set SLACK_APP_TOKEN to it (xapp-...)"
)


def backoff(attempt: int) -> float:
    """Seconds to wait after the `attempt`-th failed reconnect: 1, 2, 4 ... at most 30."""
    return min(MAX_BACKOFF_SECONDS, 2.0 ** (attempt - 1))


def refused_app_token(error: str) -> str:
    """One line for an `apps.connections.open` Slack refused, naming what to fix."""
    if error == "missing_scope":
        return (
            f"SLACK_APP_TOKEN lacks the connections:write scope (missing_scope): {HOW_TO_MAKE_AN_APP_TOKEN}"
        )
    if error == "not_allowed_token_type":
        return (
            f"SLACK_APP_TOKEN is not an app-level token (not_allowed_token_type): {HOW_TO_MAKE_AN_APP_TOKEN}"
        )
    if error in REFUSED_TOKEN:
        return f"Slack refused SLACK_APP_TOKEN ({error}): {HOW_TO_MAKE_AN_APP_TOKEN}"
    return (
        f"Slack did not open a Socket Mode connection ({error}): check that Socket Mode is enabled "
        f"on the app's Socket Mode page, or {HINTS['SLACK_APP_TOKEN']}"
    )


class _Handler(SocketModeHandler):
    """Bolt's handler, whose failures to answer an envelope are one line in our log; it counts the
    envelopes it finished (`handled`) and times each ack by payload kind."""

    handled = 0
    _count = threading.Lock()

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        arrived = time.perf_counter()
        kind = payload_kind(req.payload)
        try:
            with tagged(payload_kind=kind, slack_user=slack_user(req.payload)), ANSWERING.one():
                super().handle(client, req)
            ACK_SECONDS.labels(kind).observe(time.perf_counter() - arrived)
        except SlackClientNotConnectedError:
            log.warning("the ack of a %s envelope was not sent: the connection was lost", req.type)
        except Exception as exc:
            log.warning("the ack of a %s envelope was not sent (%s)", req.type, exc.__class__.__name__)
        finally:
            with self._count:
                self.handled += 1


class SocketModeLink:
    """The Socket Mode connection of one process: opened once, kept open, its state known."""

    def __init__(self, settings: Settings, app: App, web_client: WebClient) -> None:
        assert settings.slack_app_token is not None
        self.settings = settings
        self.handler = _Handler(
            app,
            settings.slack_app_token.get_secret_value(),
            logger=sdk_log,
            web_client=quiet(web_client),
            auto_reconnect_enabled=False,
            ping_interval=PING_SECONDS,
        )
        self.client: SocketModeClient = self.handler.client
        self.client.on_error_listeners.append(self._remember_error)
        self.client.on_message_listeners.append(self._received_one)
        #: envelopes received (the handler counts those it finished), and when the last came
        self._received = 0
        self._last_received = 0.0
        self._lock = threading.Lock()
        self._last_error: str | None = None
        self._state = "starting"
        self._since = dt.datetime.now(dt.UTC)
        self._attempts = 0
        self._stopped = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="socket-mode-watch", daemon=True)

    # -- start -------------------------------------------------------------------------------

    def open(self) -> None:
        """The first connection, or a `CliError` saying in one line what stands in the way."""
        url = self._new_url()
        self.client.wss_uri = url
        self.client.connect()
        if not self.client.is_connected():
            host = urlparse(url).netloc or url
            raise CliError(
                f"the Socket Mode connection to {host} failed ({self._last_error or 'no answer'}): "
                "check that this machine may open outbound WebSocket (wss://) connections"
            )
        self._set_state("connected")
        self._watcher.start()

    def _new_url(self) -> str:
        try:
            answer = self.client.web_client.apps_connections_open(app_token=self.client.app_token)
        except SlackApiError as exc:
            raise CliError(refused_app_token(slack_error(exc))) from None
        except OSError as exc:
            raise CliError(unreachable(self.settings, exc)) from None
        return str(answer["url"])

    # -- staying connected --------------------------------------------------------------------

    def _watch(self) -> None:
        while not self._stopped.wait(WATCH_SECONDS):
            if self.client.is_connected() and self._closed_by_peer():
                self.client.disconnect()
            if not self.client.is_connected() and self._still_down():
                self._reconnect()

    def _still_down(self) -> bool:
        """Not connected once slack_sdk is done with any reconnect of its own: while it swaps
        the connection Slack asked to refresh, the old one is closed a moment before the new one
        takes its place, which is no loss."""
        if not self.client.connect_operation_lock.acquire(timeout=5):
            return True
        try:
            return not self.client.is_connected()
        finally:
            self.client.connect_operation_lock.release()

    def _closed_by_peer(self) -> bool:
        """Whether the other end closed the connection without a WebSocket close frame.

        slack_sdk's built-in client does not notice that (a proxy or a load balancer going away,
        a dropped Slack node): its receive loop reads nothing, again and again, at full CPU, until
        five pings have failed, about 25 s. A peek at the TCP socket, which neither waits nor
        consumes anything, tells at once: only a closed stream reads as empty.
        """
        sock = getattr(self.client.current_session, "sock", None)
        try:
            fileno = sock.fileno() if sock is not None else -1
            if fileno < 0:
                return False
            raw = socket.socket(fileno=fileno)
        except OSError:
            return False
        try:
            return raw.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except OSError:  # nothing to read now (BlockingIOError), or already reset: the client sees that
            return False
        finally:
            raw.detach()

    def _reconnect(self) -> None:
        """Reopen the connection, waiting longer after each failure; one log line per attempt."""
        self._set_state("reconnecting")
        attempt = 0
        while not self._stopped.is_set():
            attempt += 1
            with self._lock:
                self._attempts = attempt
            problem = self._connect_once()
            if problem is None:
                log.info("Socket Mode connection lost and reopened (attempt %d)", attempt)
                SOCKET_MODE_RECONNECTS.inc()
                self._set_state("connected")
                return
            wait = backoff(attempt)
            log.warning(
                "Socket Mode connection lost; attempt %d to reopen it failed (%s); next in %g s",
                attempt,
                problem,
                wait,
            )
            self._stopped.wait(wait)

    def _connect_once(self) -> str | None:
        """None once connected, else why not, in a few words."""
        self._last_error = None
        try:
            self.client.connect_to_new_endpoint()
        except SlackApiError as exc:
            return f"Slack answered {slack_error(exc)}"
        except OSError as exc:
            return f"Slack unreachable: {exc.__class__.__name__}"
        if self.client.is_connected():
            return None
        return f"WebSocket: {self._last_error or 'no answer'}"

    def _remember_error(self, error: Exception) -> None:
        self._last_error = f"{error.__class__.__name__}: {str(error)[:120]}".rstrip(": ")

    def _set_state(self, state: str) -> None:
        with self._lock:
            if state != self._state:
                self._state = state
                self._since = dt.datetime.now(dt.UTC)
            if state == "connected":
                self._attempts = 0
        SOCKET_MODE_CONNECTED.set(1 if state == "connected" else 0)

    def _received_one(self, message: str) -> None:
        """Called on the receiving thread for every message, before it is handled."""
        if '"envelope_id"' in message:
            with self._lock:
                self._received += 1
                self._last_received = time.monotonic()

    # -- what health checks read ---------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._state == "connected" and self.client.is_connected()

    def status(self) -> dict[str, Any]:
        """The connection's state for `/healthz`: connected, reconnecting (and how often tried)."""
        with self._lock:
            state = self._state
            if state == "connected" and not self.client.is_connected():
                state = "reconnecting"  # lost a moment ago; the watcher is about to reopen it
            report: dict[str, Any] = {"state": state, "since": self._since.isoformat(timespec="seconds")}
            if state == "reconnecting":
                report["attempts"] = self._attempts
        return report

    def not_connected(self) -> str | None:
        """For `/readyz`: None while connected, else the connection's state."""
        return None if self.connected else f"Socket Mode {self.status()['state']}"

    # -- stop ------------------------------------------------------------------------------------

    def drain(self, within: float) -> int:
        """Ack every envelope received (at most `within` s), then close; returns how many were
        still unacked when the bound ran out (0 in an orderly stop)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            with self._lock:
                pending = self._received - self.handler.handled
                quiet = time.monotonic() - self._last_received >= QUIET_SECONDS
            if pending <= 0 and quiet:
                break
            time.sleep(0.01)
        with self._lock:
            pending = self._received - self.handler.handled
        self.close()
        return max(0, pending)

    def close(self) -> None:
        self._stopped.set()
        self.client.close()
        SOCKET_MODE_CONNECTED.set(0)
