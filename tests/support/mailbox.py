"""A real SMTP server on loopback (aiosmtpd, in the test process) that keeps what it receives."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.postgres import free_port


class _Keep:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.box.lock:
            self.box.messages.append(message)
        return "250 OK"


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(_Keep(self), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> Mailbox:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def wait_for(self, count: int = 1, timeout: float = 15) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                got = list(self.messages)
            if len(got) >= count or time.monotonic() > deadline:
                return got
            time.sleep(0.05)


def text_part(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None, "the e-mail has a text part"
    return str(body.get_content())


def html_part(message: EmailMessage) -> str:
    body = message.get_body(("html",))
    assert body is not None, "the e-mail has an HTML part"
    return str(body.get_content())
