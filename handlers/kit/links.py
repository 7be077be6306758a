"""The advocate's links: signed, single-purpose, bound to one request, expiring (itsdangerous).

A link is `<public url>/<purpose>/<id>/<token>`, the purpose being the page's
(`handlers.advocate.pages` declares them). The token signs the id with a key derived for its
purpose (itsdangerous's salt), so an answer link does not open the rating page, a token for one
request does not open another, and an edited token fails its signature.
The forms on the pages carry a CSRF token derived from the link token under a salt of its own:
a form posted from anywhere else lacks it. The one page anyone may open (the lost-link page, which
has no link token) carries a signed timestamp of its own instead (`form_token`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
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
    secret: str
    base_url: str
    max_age: dt.timedelta

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret, salt=f"refdesk.link.{purpose}")

    def token(self, purpose: str, request_id: int) -> str:
        return str(self._serializer(purpose).dumps({"request": request_id}))

    def url(self, purpose: str, request_id: int) -> str:
        return f"{self.base_url}/{purpose}/{request_id}/{self.token(purpose, request_id)}"

    def check(self, purpose: str, request_id: int, token: str) -> None:
        """Raise `BadLink` unless `token` is this purpose's, for this request, and not too old."""
        try:
            data = self._serializer(purpose).loads(token, max_age=int(self.max_age.total_seconds()))
        except SignatureExpired:
            raise BadLink(expired=True) from None
        except BadSignature:
            raise BadLink(expired=False) from None
        if not isinstance(data, dict) or data.get("request") != request_id:
            raise BadLink(expired=False)

    def form_token(self, purpose: str) -> str:
        """The CSRF token of a page anyone may open (it has no link token to derive one from):
        a signed timestamp for that page, good for `FORM_MAX_AGE`."""
        return str(URLSafeTimedSerializer(self.secret, salt=f"refdesk.form.{purpose}").dumps(purpose))

    def form_ok(self, purpose: str, sent: str) -> bool:
        try:
            data = URLSafeTimedSerializer(self.secret, salt=f"refdesk.form.{purpose}").loads(
                sent, max_age=int(FORM_MAX_AGE.total_seconds())
            )
        except BadSignature:  # SignatureExpired is one
            return False
        return bool(data == purpose)

    def csrf(self, token: str) -> str:
        digest = hashlib.sha256(token.encode()).hexdigest()
        return str(URLSafeSerializer(self.secret, salt="refdesk.csrf").dumps(digest))

    def csrf_ok(self, token: str, sent: str) -> bool:
        return hmac.compare_digest(self.csrf(token), sent)
