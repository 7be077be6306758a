"""E-mail addresses: one rule for every address the program keeps and every address it writes.

The import refuses an address by it (`line N: reason`), and the sender writes `To` and
`Reply-To` with it, so an address that got in can be carried by an e-mail, and one that still
cannot (kept before this rule, or written by hand) fails at once instead of every lease. The rule
is email-validator's syntax check without a DNS look-up: ASCII only (the sender does not speak
SMTPUTF8), no quoted local part, no IP literal, no special-use domain such as `localhost`.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


def mail_address(text: str) -> str:
    """`text` as an e-mail carries it (the domain lower-cased), or `ValueError` saying why it cannot."""
    try:
        return str(validate_email(text, check_deliverability=False, allow_smtputf8=False).normalized)
    except EmailNotValidError as bad:
        raise ValueError(str(bad)) from None
