"""E-mail to advocates over SMTP (smtplib), multipart text + HTML, with a bounded wait.

`REFDESK_SMTP_URL` is read here into what `smtplib` needs (`SmtpServer`), refusing in words
what it cannot use; the URL holds a password, so errors name the part at fault, never the URL.
`Mailer.send` raises what smtplib raises; `handlers.outbox.mail` sorts it into "try again
later" and "never": a temporary failure (a 4xx at any step, a dropped connection, a timeout) is
retried from the outbox, a permanent refusal (5xx), or an address no e-mail can carry, is given
up on and the owner asked instead.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
import urllib.parse
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parseaddr

from handlers.outbox.messages import Mail
from store.addresses import mail_address

DEFAULT_PORTS = {"smtp": 587, "smtps": 465}
STARTTLS_PORT = 587


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    #: "smtps": TLS from the first byte; "smtp": STARTTLS when offered (and required on 587)
    scheme: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def requires_starttls(self) -> bool:
        return self.scheme == "smtp" and self.port == STARTTLS_PORT


def parse_smtp_url(url: str) -> SmtpServer:
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValueError("not a URL with a valid port") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise ValueError("the scheme must be smtp:// or smtps://")
    if not parts.hostname:
        raise ValueError("no host")
    return SmtpServer(
        host=parts.hostname,
        port=port or DEFAULT_PORTS[parts.scheme],
        scheme=parts.scheme,
        username=urllib.parse.unquote(parts.username) if parts.username else None,
        password=urllib.parse.unquote(parts.password) if parts.password else None,
    )


def one_line(text: str) -> str:
    """Header text: a name from the CRM must not start a header of its own."""
    return " ".join(text.split())


def message_id(delivery_key: str, sender: str) -> str:
    """The same delivery always has the same Message-ID, so a resend is recognisably the same mail."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "refdesk.invalid"
    return f"<{hashlib.sha256(delivery_key.encode()).hexdigest()[:32]}@{domain}>"


def _address(name: str, address: str) -> Address | None:
    """A header address that passes the rule (`store.addresses`); None when `address` fails it
    (a reply then goes to the sender rather than the e-mail failing)."""
    try:
        return Address(one_line(name), addr_spec=mail_address(address))
    except (ValueError, IndexError, HeaderParseError):
        return None


@dataclass(frozen=True)
class Mailer:
    server: SmtpServer
    sender: str
    timeout: float = 10.0

    def build(self, mail: Mail, delivery_key: str) -> EmailMessage:
        """The e-mail as it goes out; `ValueError` when no e-mail can carry its recipient's address.

        From names the person the program speaks for (`mail.from_name`) at the program's own
        address, never a bare address. Addresses pass the rule the import checks them by
        (`store.addresses`) and go in as `Address` objects, never as header text: an owner's
        address with a comma in it cannot become two Reply-To addresses. An owner's address that
        fails the rule is left out (replies then go to the sender), since the advocate can still
        be asked without it.
        """
        message = EmailMessage()
        address = parseaddr(self.sender)[1] or self.sender
        message["From"] = (
            Address(one_line(mail.from_name), addr_spec=address) if mail.from_name else self.sender
        )
        message["To"] = Address(one_line(mail.to_name), addr_spec=mail_address(mail.to_address))
        message["Subject"] = one_line(mail.subject)
        message["Message-ID"] = message_id(delivery_key, self.sender)
        reply_to = _address(mail.reply_to_name, mail.reply_to) if mail.reply_to else None
        if reply_to is not None:
            message["Reply-To"] = reply_to
        message.set_content(mail.text)
        message.add_alternative(mail.html, subtype="html")
        return message

    def send(self, message: EmailMessage) -> None:
        """Hand `message` to the server; raises what smtplib raises (`handlers.outbox.mail` sorts it)."""
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
