"""The advocate's links: signed, single-purpose, bound to one thing, expiring (itsdangerous).

A link is `<public url>/<purpose>/<key>/<token>`, the purpose being the page's
(`handlers.advocate.pages` declares them) and the key the thing's opaque id (a request's
`public_id`: never a sequential number that says how many there are or leads to the next). The
token signs the key with a secret derived for its purpose (itsdangerous's salt), so an answer link
does not open the rating page, a token for one request does not open another, and an edited token
fails its signature.
The forms on the pages carry a CSRF token derived from the link token under a salt of its own:
a form posted from anywhere else lacks it. The one page anyone may open (the lost-link page, which
has no link token) carries a signed timestamp of its own instead (`form_token`).

The secret may be several keys, the signing one first (`REFDESK_LINK_SECRET=new,old`): links
signed with any of them still open, so the key can be rotated without voiding the links sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

#: how long the form of a page anyone may open (the lost-link page) can be sent after it was shown
FORM_MAX_AGE = dt.timedelta(hours=1)


class BadLink(Exception):
    """The link cannot be used; `expired` says whether it was good once (a new one can be asked for)."""

    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


@dataclass(frozen=True)
class Links:
    #: one key, or several with the signing one first (all of them verify)
    secret: str | Sequence[str]
    base_url: str
    max_age: dt.timedelta

    @property
    def _keys(self) -> list[str]:
        """The keys as itsdangerous takes them: it signs with the last one and verifies with all."""
        return [self.secret] if isinstance(self.secret, str) else list(reversed(self.secret))

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._keys, salt=f"refdesk.link.{purpose}")

    def token(self, purpose: str, key: str) -> str:
        return str(self._serializer(purpose).dumps({"key": key}))

    def url(self, purpose: str, key: str) -> str:
        return f"{self.base_url}/{purpose}/{key}/{self.token(purpose, key)}"

    def check(self, purpose: str, key: str, token: str) -> None:
        """Raise `BadLink` unless `token` is this purpose's, for this key, and not too old."""
        try:
            data = self._serializer(purpose).loads(token, max_age=int(self.max_age.total_seconds()))
        except SignatureExpired:
            raise BadLink(expired=True) from None
        except BadSignature:
            raise BadLink(expired=False) from None
        if not isinstance(data, dict) or data.get("key") != key:
            raise BadLink(expired=False)

    def _form_serializer(self, purpose: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._keys, salt=f"refdesk.form.{purpose}")

    def form_token(self, purpose: str) -> str:
        """The CSRF token of a page anyone may open (it has no link token to derive one from):
        a signed timestamp for that page, good for `FORM_MAX_AGE`."""
        return str(self._form_serializer(purpose).dumps(purpose))

    def form_ok(self, purpose: str, sent: str) -> bool:
        try:
            data = self._form_serializer(purpose).loads(sent, max_age=int(FORM_MAX_AGE.total_seconds()))
        except BadSignature:  # SignatureExpired is one
            return False
        return bool(data == purpose)

    def csrf(self, token: str) -> str:
        digest = hashlib.sha256(token.encode()).hexdigest()
        return str(URLSafeSerializer(self._keys, salt="refdesk.csrf").dumps(digest))

    def csrf_ok(self, token: str, sent: str) -> bool:
        return hmac.compare_digest(self.csrf(token), sent)
