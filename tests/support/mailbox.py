"""A real SMTP server on loopback (aiosmtpd, in the test process) that keeps what it receives, and
can greylist: refuse each recipient the first time with a 450, as many servers treat a sender
they have not seen before."""

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

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        with self.box.lock:
            self.box.rcpts.append(address)
            first_time = self.box.rcpts.count(address) == 1
        if self.box.greylist and first_time:
            return "450 4.2.0 Greylisted, please try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.box.lock:
            self.box.messages.append(message)
        return "250 OK"


class Mailbox:
    def __init__(self, *, greylist: bool = False) -> None:
        self.messages: list[EmailMessage] = []
        #: every RCPT TO the server was given, refused or not
        self.rcpts: list[str] = []
        self.greylist = greylist
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
