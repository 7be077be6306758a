"""The HTTP server of a `refdesk` process — waitress, a production WSGI server — and its orderly stop.

waitress serves until its connections are closed and has no "stop accepting, finish what you
have" of its own, so `HttpServer.stop` does it from another thread while the server's loop runs:
in the loop's thread (waitress's trigger runs the step there) it accepts the connections the
kernel already completed, so none is reset, and closes the listening socket; then it waits until
no request is in flight, being received or being written (at most `within` seconds), and closes
every connection, which ends the loop.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from bot.errors import CliError

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

#: how often the stop looks whether the server has finished its requests
DRAIN_POLL_SECONDS = 0.02
#: waitress's request threads, `refdesk serve --threads`' default (why 16: docs/performance.md)
THREADS = 16


class HttpServer:
    def __init__(self, app: WsgiApp, host: str, port: int, threads: int = THREADS) -> None:
        import waitress

        self._lock = threading.Lock()
        self._in_flight = 0
        try:
            self.server: Any = waitress.create_server(
                self._counted(app),
                host=host,
                port=port,
                threads=threads,
                ident="refdesk",
                clear_untrusted_proxy_headers=True,
            )
        except OSError as exc:
            raise CliError(
                f"cannot listen on {host}:{port} ({exc.strerror or exc}): choose another --port or --host"
            ) from None

    def _counted(self, app: WsgiApp) -> WsgiApp:
        """`app`, counted in flight until its body is in hand. A list body is handed to waitress
        as it is, so waitress calls its `close` once it has written it (PEP 3333): an `Answer`
        says so, and the listener's work after its ack goes on then. Any other body is read here
        and closed."""

        def counted(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
            with self._lock:
                self._in_flight += 1
            try:
                body = app(environ, start_response)
                if isinstance(body, list):
                    return body
                try:
                    return list(body)
                finally:
                    close = getattr(body, "close", None)
                    if close is not None:
                        close()
            finally:
                with self._lock:
                    self._in_flight -= 1

        return counted

    def run(self) -> None:
        """Serve until `stop` has closed every connection."""
        self.server.run()

    def stop(self, within: float) -> float:
        """Stop accepting, let what is in flight finish (at most `within` s), then close; returns
        the seconds it took."""
        from waitress import wasyncore

        started = time.monotonic()
        self._in_loop(self._close_listener)
        deadline = started + within
        while self._busy() and time.monotonic() < deadline:
            time.sleep(DRAIN_POLL_SECONDS)
        self._in_loop(lambda: wasyncore.close_all(self.server._map))
        self.server.task_dispatcher.shutdown(
            cancel_pending=True, timeout=max(0.1, deadline - time.monotonic())
        )
        return time.monotonic() - started

    def _in_loop(self, step: Callable[[], None]) -> None:
        """Run `step` in the server loop's thread, and wait until it has run (at most a second)."""
        done = threading.Event()

        def run_step() -> None:
            try:
                step()
            finally:
                done.set()

        self.server.trigger.pull_trigger(run_step)
        done.wait(1.0)

    def _close_listener(self) -> None:
        from waitress import wasyncore

        server = self.server
        server.accepting = False
        while True:  # the connections the kernel completed before the stop are served, not reset
            before = len(server._map)
            try:
                server.handle_accept()
            except OSError:
                break
            if len(server._map) == before:
                break
        wasyncore.dispatcher.close(server)

    def _busy(self) -> bool:
        from waitress.channel import HTTPChannel

        with self._lock:
            if self._in_flight:
                return True
        return any(
            channel.requests or channel.total_outbufs_len or channel.request is not None
            for channel in list(self.server._map.values())
            if isinstance(channel, HTTPChannel)
        )
