"""The HTTP server of a `refdesk` process (`bot.process.http.HttpServer`, waitress) on loopback:
a body is closed once it is written, so an `Answer` lets the work after an ack go on then."""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.process.http import HttpServer, StartResponse, WsgiApp
from bot.serve.wsgi import Answer
from handlers.kit.acks import WRITE_WAIT
from tests.support.postgres import free_port


@pytest.fixture
def serving() -> Iterator[Callable[[WsgiApp], str]]:
    """Serve a WSGI app on loopback; its URL."""
    servers: list[tuple[HttpServer, threading.Thread]] = []

    def serve(app: WsgiApp) -> str:
        port = free_port()
        server = HttpServer(app, "127.0.0.1", port, threads=2)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{port}/"

    yield serve
    for server, thread in servers:
        server.stop(within=1.0)
        thread.join(timeout=2.0)


def test_an_answer_says_it_was_written_once_the_client_has_it(serving: Callable[[WsgiApp], str]) -> None:
    """The listener's work after its ack waits on this event, which the server sets by closing
    the answer once it has written it; were it never closed, every such work would wait out
    `WRITE_WAIT`."""
    written = threading.Event()

    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        start_response("200 OK", [("Content-Length", "2")])
        return Answer([b"ok"], written)

    url = serving(app)
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.read() == b"ok"
    assert written.wait(10 * WRITE_WAIT), "the answer's close was never called by the server"


def test_a_body_that_is_not_a_list_is_read_and_closed(serving: Callable[[WsgiApp], str]) -> None:
    closed = threading.Event()

    class Body:
        """An iterable with a `close` of its own (PEP 3333), as a streamed page would be."""

        def __iter__(self) -> Iterator[bytes]:
            yield from (b"he", b"llo")

        def close(self) -> None:
            closed.set()

    def app(environ: dict[str, Any], start_response: StartResponse) -> Body:
        start_response("200 OK", [("Content-Length", "5")])
        return Body()

    url = serving(app)
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.read() == b"hello"
    assert closed.wait(1.0), "the body's close was never called"
