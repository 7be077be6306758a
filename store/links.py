"""Which links the program accepts: well-formed http(s) URLs that cannot smuggle Slack markup; and
which CRM deal a request's link names.

A CRM link is shown as `<url|deal name>` in mrkdwn, where `<`, `>` and `|` are control
characters: a "link" holding them could post `<!channel>`, a mention or a disguised link into an
owner's DM. So a link is accepted only when it parses as http(s) with a host and holds none of
them, no white space and no control characters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
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


def link_key(link: str) -> str:
    """A link as compared: scheme and host case-folded, no trailing slash (paths keep their case:
    Salesforce ids are case-sensitive)."""
    parts = urlsplit(link.strip())
    rest = link.strip()[len(parts.scheme) + 3 + len(parts.netloc) :]
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{rest}".rstrip("/")


def link_tokens(link: str) -> list[str]:
    """The parts of a link's path and query that could be a CRM id, in the order they appear."""
    parts = urlsplit(link.strip())
    return [token for token in re.split(r"[/?&=#;]+", f"{parts.path}?{parts.query}") if token]


@dataclass
class DealIndex:
    """Which opportunity a request's CRM link names: the same link, or a link that carries the
    opportunity's CRM id as one of its parts (Salesforce's `/Opportunity/006…/view`, HubSpot's
    `/deal/98765`); an exact link wins, else the CRM id found last in the link (a HubSpot link
    carries the portal's id before the deal's)."""

    by_link: dict[str, int] = field(default_factory=dict)
    by_crm: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, opportunities: Iterable[tuple[int, str, str | None]]) -> DealIndex:
        """From (opportunity id, CRM id, link) rows: a use of evidence's link is matched the same way."""
        index = cls()
        for opportunity_id, crm_id, link in opportunities:
            index.add(opportunity_id, crm_id, link)
        return index

    def add(self, opportunity_id: int, crm_id: str, link: str | None) -> None:
        self.by_crm[crm_id] = opportunity_id
        if link:
            self.by_link[link_key(link)] = opportunity_id

    def find(self, crm_link: str) -> int | None:
        found = self.by_link.get(link_key(crm_link))
        if found is None:
            found = next((self.by_crm[t] for t in reversed(link_tokens(crm_link)) if t in self.by_crm), None)
        return found
