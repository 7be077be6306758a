"""`REFDESK_SMTP_URL` read into what `smtplib` needs, refusing in words what it cannot use.

The URL holds a password: errors name the part at fault, never the URL itself.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field

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
