"""E-mail to advocates over SMTP (smtplib), multipart text + HTML, with a bounded wait.

`Mailer.send` raises what smtplib raises; `handlers.outbox.mail` sorts it into "try again
later" and "never": a temporary failure (a 4xx, a dropped connection, a timeout) is retried from
the outbox, a permanent refusal (5xx) is given up on and the owner asked instead.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parseaddr

from bot.mail_settings import SmtpServer


def one_line(text: str) -> str:
    """Header text: a name from the CRM must not start a header of its own."""
    return " ".join(text.split())


def message_id(delivery_key: str, sender: str) -> str:
    """The same delivery always has the same Message-ID, so a resend is recognisably the same mail."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "refdesk.invalid"
    return f"<{hashlib.sha256(delivery_key.encode()).hexdigest()[:32]}@{domain}>"


@dataclass(frozen=True)
class Mail:
    to_name: str
    to_address: str
    subject: str
    text: str
    html: str
    #: the account's owner: the program writes on their behalf, so replies go to them
    reply_to: str | None = None


@dataclass(frozen=True)
class Mailer:
    server: SmtpServer
    sender: str
    timeout: float = 10.0

    def build(self, mail: Mail, delivery_key: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = Address(one_line(mail.to_name), addr_spec=mail.to_address)
        message["Subject"] = one_line(mail.subject)
        message["Message-ID"] = message_id(delivery_key, self.sender)
        if mail.reply_to:
            message["Reply-To"] = one_line(mail.reply_to)
        message.set_content(mail.text)
        message.add_alternative(mail.html, subtype="html")
        return message

    def send(self, message: EmailMessage) -> None:
        server = self.server
        context = ssl.create_default_context()
        if server.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=self.timeout, context=context
            )
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
        with client:
            client.ehlo()
            if server.scheme == "smtp" and (server.requires_starttls or client.has_extn("starttls")):
                client.starttls(context=context)
                client.ehlo()
            if server.username:
                client.login(server.username, server.password or "")
            client.send_message(message)
