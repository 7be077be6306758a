"""Which links the program accepts: well-formed http(s) URLs that cannot smuggle Slack markup.

A CRM link is shown as `<url|deal name>` in mrkdwn, where `<`, `>` and `|` are control
characters: a "link" holding them could post `<!channel>`, a mention or a disguised link into an
owner's DM. So a link is accepted only when it parses as http(s) with a host and holds none of
them, no white space and no control characters.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

#: long enough for any CRM's record URL, short enough for a Slack link
LINK_MAX = 2000
FORBIDDEN = frozenset("<>|\"'`\\")


def is_safe_link(text: str) -> bool:
    if not text or len(text) > LINK_MAX:
        return False
    if any(ch in FORBIDDEN or ch.isspace() or unicodedata.category(ch).startswith("C") for ch in text):
        return False
    try:
        parts = urlsplit(text)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(parts.hostname) and port_ok
