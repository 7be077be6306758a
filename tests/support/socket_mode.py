"""Slack's end of Socket Mode on loopback: a WebSocket server that speaks Slack's protocol.

The emulator has no Socket Mode, so `SlackProxy` answers `apps.connections.open` with this
server's `ws://` URL. On each connection it says `hello`; the test sends envelopes (a slash
command, an interaction, an Events API event) and reads the ack the app sends back with the same
`envelope_id` (and the ack's payload: a modal's errors, a type-ahead's options). It can ask the
app to reconnect as Slack does (`disconnect`, reason `refresh_requested`: the old connection
stays open until the app has opened a new one) or drop the connection without a word.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from websockets.exceptions import ConnectionClosed
from websockets.protocol import State
from websockets.sync.server import Server, ServerConnection, serve

from tests.support.emulator import APP_ID
from tests.support.signing import slash_command_body

#: the app-level token of the tests' app (what `SlackProxy.app_token` accepts)
APP_TOKEN = "xapp-1-A0REFDESK-1-refdesk-test"
#: how long Slack keeps a connection open after asking for a refresh, at most (Slack: ~10 s)
REFRESH_GRACE_SECONDS = 10.0


@dataclass
class Ack:
    envelope_id: str
    #: which connection (0, 1, ...) the ack came over
    connection: int
    payload: dict[str, Any] | None


class SocketModeServer:
    def __init__(self) -> None:
        self.connections: list[ServerConnection] = []
        self.acks: list[Ack] = []
        #: every text frame the app sent that is not an ack
        self.other: list[str] = []
        self._changed = threading.Condition()
        self.server: Server = serve(self._serve, "127.0.0.1", 0, ping_interval=None)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link/?ticket={uuid.uuid4()}&app_id={APP_ID}"

    def _serve(self, connection: ServerConnection) -> None:
        with self._changed:
            index = len(self.connections)
            self.connections.append(connection)
            self._changed.notify_all()
        hello = {
            "type": "hello",
            "num_connections": 1,
            "debug_info": {"host": "refdesk-test", "approximate_connection_time": 18060},
            "connection_info": {"app_id": APP_ID},
        }
        with contextlib.suppress(ConnectionClosed, OSError):
            connection.send(json.dumps(hello))
            for raw in connection:
                message = json.loads(raw)
                with self._changed:
                    if isinstance(message, dict) and "envelope_id" in message:
                        self.acks.append(Ack(message["envelope_id"], index, message.get("payload")))
                    else:
                        self.other.append(str(raw))
                    self._changed.notify_all()

    # -- what Slack sends ------------------------------------------------------------------------

    def current(self) -> ServerConnection:
        """The newest connection still open: where Slack sends the next envelope."""
        with self._changed:
            for connection in reversed(self.connections):
                if connection.protocol.state is State.OPEN and connection.socket.fileno() != -1:
                    return connection
        raise ConnectionError("no Socket Mode connection is open")

    def send(self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool = True) -> str:
        """Send an envelope over the current connection; returns its envelope_id."""
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if kind == "events_api":
            envelope.update(retry_attempt=0, retry_reason="")
        self.current().send(json.dumps(envelope))
        return envelope_id

    def command(self, text: str, *, user_id: str, **fields: str) -> str:
        """`/reference text` as Slack sends a slash command over Socket Mode (the form, as JSON)."""
        return self.send(
            "slash_commands", dict(parse_qsl(slash_command_body(text, user_id=user_id, **fields)))
        )

    def interact(self, payload: dict[str, Any]) -> str:
        return self.send("interactive", payload)

    def event(self, event: dict[str, Any]) -> str:
        return self.send("events_api", event, accepts_response_payload=False)

    def refresh(self) -> int:
        """Slack's `disconnect` (refresh_requested) on the current connection, which is closed once
        the app has opened a new one (or after the grace period). Returns the old one's index."""
        old = self.current()
        index = self.connections.index(old)
        old.send(
            json.dumps({"type": "disconnect", "reason": "refresh_requested", "debug_info": {"host": "x"}})
        )

        def close_when_replaced() -> None:
            self.wait_connections(index + 2, timeout=REFRESH_GRACE_SECONDS)
            old.close()

        threading.Thread(target=close_when_replaced, daemon=True).start()
        return index

    def drop(self, *, reset: bool = True) -> int:
        """Cut the current connection without a close frame: with a TCP reset, or (`reset=False`)
        by closing the stream, as a proxy or a load balancer going away does."""
        connection = self.current()
        raw = connection.socket
        with contextlib.suppress(OSError):
            if reset:
                raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                raw.shutdown(socket.SHUT_RDWR)
            raw.close()
        return self.connections.index(connection)

    # -- what the test waits for -------------------------------------------------------------------

    def wait_connections(self, count: int, timeout: float = 15) -> int:
        """Wait until `count` connections were opened in all; returns how many were."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.connections) < count and time.monotonic() < deadline:
                self._changed.wait(max(0.0, deadline - time.monotonic()))
            return len(self.connections)

    def acks_of(self, envelope_id: str) -> list[Ack]:
        with self._changed:
            return [ack for ack in self.acks if ack.envelope_id == envelope_id]

    def wait_ack(self, envelope_id: str, timeout: float = 10) -> Ack | None:
        """The app's ack of the envelope, or None if none came within `timeout`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while time.monotonic() < deadline:
                found = [ack for ack in self.acks if ack.envelope_id == envelope_id]
                if found:
                    return found[0]
                self._changed.wait(max(0.0, deadline - time.monotonic()))
        return None

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(5)
