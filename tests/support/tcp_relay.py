"""A TCP relay on 127.0.0.1 that a test controls, to stage a network partition.

Put between the app and its PostgreSQL server, it forwards both ways until `freeze()`: from then
on it moves no byte in either direction but keeps every connection open and accepts new ones, as
a partitioned network looks to both ends (no reply, no reset). `thaw()` delivers what was held,
in order, and forwards again. A side that closed while frozen is closed on the other side once
thawed. Both return once the relay has switched, so what the test sends next is held (or not).
One thread serves every connection; `close()` stops it within a tenth of a second.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from types import TracebackType

POLL_SECONDS = 0.05
CHUNK = 65536


class TcpRelay:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.setblocking(False)
        self.port: int = self._listener.getsockname()[1]
        self._state = threading.Lock()
        self._wanted = True  # forwarding wanted: True, or frozen: False
        self._switched = threading.Event()
        self._stopping = threading.Event()
        self._peers: dict[socket.socket, socket.socket] = {}
        self._thread = threading.Thread(target=self._run, name="tcp-relay", daemon=True)
        self._thread.start()

    def freeze(self) -> None:
        """Hold every byte from now on; connections stay open."""
        self._switch(False)

    def thaw(self) -> None:
        self._switch(True)

    def _switch(self, flowing: bool) -> None:
        with self._state:
            self._wanted = flowing
            self._switched.clear()
        if not self._switched.wait(timeout=5):
            raise RuntimeError("the relay did not switch within 5 s")

    def close(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        for sock in [self._listener, *self._peers]:
            sock.close()
        self._peers.clear()

    def __enter__(self) -> TcpRelay:
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _value: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.close()

    def _run(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            watching = True
            while not self._stopping.is_set():
                with self._state:
                    flowing = self._wanted
                if flowing != watching:
                    # frozen: stop reading, so bytes wait in the kernel's buffers as on a dead link
                    for sock in self._peers:
                        if flowing:
                            selector.register(sock, selectors.EVENT_READ)
                        else:
                            selector.unregister(sock)
                    watching = flowing
                with self._state:
                    if self._wanted == watching:
                        self._switched.set()
                for key, _ in selector.select(timeout=POLL_SECONDS):
                    sock = key.fileobj
                    assert isinstance(sock, socket.socket)
                    if sock is self._listener:
                        self._accept(selector, watching)
                    elif sock in self._peers:
                        self._forward(selector, sock)

    def _accept(self, selector: selectors.BaseSelector, watching: bool) -> None:
        try:
            client, _ = self._listener.accept()
        except BlockingIOError:
            return
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()
            return
        client.setblocking(True)
        upstream.settimeout(5)
        client.settimeout(5)
        self._peers[client] = upstream
        self._peers[upstream] = client
        if watching:
            selector.register(client, selectors.EVENT_READ)
            selector.register(upstream, selectors.EVENT_READ)

    def _forward(self, selector: selectors.BaseSelector, sock: socket.socket) -> None:
        peer = self._peers[sock]
        try:
            data = sock.recv(CHUNK)
            if data:
                peer.sendall(data)
                return
        except OSError:
            pass
        for end in (sock, peer):
            with contextlib.suppress(KeyError, ValueError):
                selector.unregister(end)
            self._peers.pop(end, None)
            end.close()
