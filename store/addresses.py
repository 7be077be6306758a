"""E-mail addresses of people outside the company: the one check of an address, and the keyed
fingerprint the program keeps of the people who asked to be removed.

One check everywhere an address comes in (the nomination modal, every CSV import), so an address
one path accepts is never refused by another. The check is deliberately small: one `@`, a dotted
domain, no white space or control characters, and what a database column holds; whether the
mailbox exists only the mail server can say.

A removed person's address is kept only as `AddressKey.fingerprint`: an HMAC-SHA256 under a secret
from the settings, so the table of fingerprints alone cannot be checked against a list of
addresses (a plain hash of an e-mail can, by hashing the list).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass

#: the longest address SMTP carries (RFC 5321: 64 + 1 + 255), and the columns that hold one
ADDRESS_MAX = 320
_SHAPE = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


class BadAddress(ValueError):
    """Not an e-mail address; the message says why, in words for the person who typed it."""


def clean_address(text: str) -> str:
    """The address as the program keeps it (trimmed, lower-cased), or `BadAddress`."""
    address = text.strip().lower()
    if not address:
        raise BadAddress("the e-mail address is empty")
    if len(address) > ADDRESS_MAX:
        raise BadAddress(f"an e-mail address is at most {ADDRESS_MAX} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in address) or not _SHAPE.match(address):
        raise BadAddress(f"{text.strip()[:80]!r} is not an e-mail address")
    return address


@dataclass(frozen=True)
class AddressKey:
    """The secret the fingerprints of removed people's addresses are keyed with (from the settings).

    Changing it makes every fingerprint kept so far unrecognisable: the people removed under the
    old key could be imported again. `docs/operating.md` says to set it once and keep it.
    """

    secret: bytes

    def fingerprint(self, address: str) -> str:
        return hmac.new(self.secret, address.strip().lower().encode(), hashlib.sha256).hexdigest()
