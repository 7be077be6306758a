"""E-mail addresses: one rule for every address the program keeps and every address it writes, and
the keyed fingerprint the program keeps of the people who asked to be removed.

Every way in (each CSV import, the nomination modal, the advocate's lost-link page, the admins'
`refdesk advocates export|forget`) keeps an address through `clean_address`, and the sender writes
`To` and `Reply-To` through `mail_address`, so an address one path accepts is never refused by
another and an address that got in can be carried by an e-mail; one that still cannot (kept before
this rule, or written by hand) fails at once instead of every lease. The rule is email-validator's
syntax check without a DNS look-up: ASCII only (the sender does not speak SMTPUTF8), no quoted
local part, no IP literal, no special-use domain such as `localhost`.

A removed person's address is kept only as `AddressKey.fingerprint`: an HMAC-SHA256 under a secret
from the settings, so the table of fingerprints alone cannot be checked against a list of
addresses (a plain hash of an e-mail can, by hashing the list).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

#: the longest address SMTP carries (RFC 5321: 64 + 1 + 255): the size of the fields that take one
ADDRESS_MAX = 320


class BadAddress(ValueError):
    """Not an e-mail address; the message says why, in words for the person who typed it."""


def mail_address(text: str) -> str:
    """`text` as an e-mail carries it (the domain lower-cased), or `ValueError` saying why it cannot."""
    try:
        return str(validate_email(text, check_deliverability=False, allow_smtputf8=False).normalized)
    except EmailNotValidError as bad:
        raise ValueError(str(bad)) from None


def clean_address(text: str) -> str:
    """The address as the program keeps it (trimmed, lower-cased, `mail_address`'s rule), or
    `BadAddress` saying why not."""
    typed = text.strip()
    if not typed:
        raise BadAddress("the e-mail address is empty")
    try:
        return mail_address(typed.lower())
    except ValueError as bad:
        raise BadAddress(f"{typed!r} is not an e-mail address: {bad}") from None


@dataclass(frozen=True)
class AddressKey:
    """The secret the fingerprints of removed people's addresses are keyed with (from the settings).

    Changing it makes every fingerprint kept so far unrecognisable: the people removed under the
    old key could be imported again. `docs/operating.md` says to set it once and keep it.
    """

    secret: bytes

    def fingerprint(self, address: str) -> str:
        return hmac.new(self.secret, address.strip().lower().encode(), hashlib.sha256).hexdigest()
