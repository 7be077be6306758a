"""The advocate's pages as one small WSGI app, mounted by `bot.serve.wsgi` next to `/slack/events`, so
any HTTP listener can serve them. Server-rendered HTML, no JavaScript.

It serves the pages it is handed (`handlers.advocate.pages` declares them): each page's path is
`/<purpose>/<key>/<token>`, the purpose being the one its links are signed for and the key the
opaque id of what the page is about; a page anyone may open (the lost-link page) is just
`/<purpose>`. Before a page's handler runs, the link is checked (a tampered, expired or other
request's link gets 403 / 410) and a POST's CSRF token (403 without it); every refusal is a page
that says what happened in words, with a 4xx status. The store's answer is one transaction; the
Slack messages it owes go out after it. A handler answers with a page, or with a file to download
(**Download my data**).
"""

from __future__ import annotations

import logging
import re
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from handlers.advocate.templating import render
from handlers.kit.desk import Desk
from handlers.kit.links import BadLink, Links
from handlers.kit.sanitize import storable
from store.errors import Unavailable

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
#: (status line, HTML body)
Reply = tuple[str, str]
#: the largest form a page takes: a customer's words may run to 10,000 characters, any script's
#: (three bytes each in UTF-8, each byte three characters once form-encoded)
MAX_FORM_BYTES = 100_000
#: the most fields a form may send (the advocate's page has one per activity, value and range)
MAX_FORM_FIELDS = 100
HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    ),
]


@dataclass(frozen=True)
class Download:
    """A file a page hands over instead of HTML (**Download my data**)."""

    filename: str
    content_type: str
    body: str


@dataclass(frozen=True)
class PageRequest:
    """A page's request once its link (and a POST's CSRF token) passed the checks."""

    #: the signed key, the opaque public id of what the page is about: a request's for the ask and
    #: the rating, a seat's for an offer, an advocate's for their own page, a nomination's for its
    #: invitation ("" on a page anyone may open)
    key: str
    token: str
    #: the posted fields (the first value of each); None for a GET
    form: dict[str, str] | None
    #: where the page's form posts back to
    action: str
    #: the CSRF token the page's form must carry back
    csrf: str = ""
    #: the path the pages are served under (WSGI's SCRIPT_NAME): a page's form that posts to another
    #: page (`Page.path`) starts with it
    root: str = ""


@dataclass(frozen=True)
class Page:
    """One of the advocate's pages: the purpose its links are signed for, which is also the first
    word of its path, and the handler that answers it.

    `signed=False`: a page anyone may open, at `/<purpose>` (no id, no token). `renewable`: its
    links are long-lived ones a person keeps (their own page, an invitation), so an expired one
    points to the lost-link page for a fresh one.
    """

    purpose: str
    respond: Callable[[Desk, PageRequest], Reply | Download]
    signed: bool = True
    renewable: bool = False

    @property
    def prefix(self) -> str:
        return f"/{self.purpose}/" if self.signed else f"/{self.purpose}"

    def url(self, links: Links, key: str | int = "") -> str:
        """The link to this page (signed for `key`), as the e-mails carry it."""
        return links.url(self.purpose, str(key)) if self.signed else f"{links.base_url}{self.prefix}"

    def path(self, links: Links, key: str | int) -> tuple[str, str]:
        """A fresh signed path to this page for `key`, and its token (a form posting there carries
        the token's CSRF)."""
        token = links.token(self.purpose, str(key))
        return f"{self.prefix}{key}/{token}", token


def problem(status: str, title: str, message: str, *, link: tuple[str, str] | None = None) -> Reply:
    """A refusal or a failure, said in words on a page of its own (with where to go next, if any:
    an address and its words)."""
    return status, render(
        "problem.html", title=title, message=message, link=link, company="", sender="", privacy_url=None
    )


class AdvocatePages:
    """The WSGI app of the pages it is handed."""

    def __init__(self, desk: Desk, pages: Sequence[Page]) -> None:
        self.desk = desk
        self.pages = {page.purpose: page for page in pages}
        words = "|".join(re.escape(page.purpose) for page in pages if page.signed) or "(?!)"
        self.route = re.compile(rf"^/({words})/([A-Za-z0-9_\-]{{1,40}})/([A-Za-z0-9_.\-]{{1,400}})$")
        #: the pages anyone may open, by path; the first is where a lost link is mailed again
        self.open_pages = {page.prefix: page for page in pages if not page.signed}

    @property
    def prefixes(self) -> tuple[str, ...]:
        """The paths this app answers, for the server to mount it on."""
        return tuple(page.prefix for page in self.pages.values())

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            reply = self._route(environ)
            if isinstance(reply, Download):
                data = reply.body.encode()
                start_response(
                    "200 OK",
                    [
                        ("Content-Type", reply.content_type),
                        ("Content-Disposition", f'attachment; filename="{reply.filename}"'),
                        *[header for header in HEADERS if header[0] != "Content-Type"],
                        ("Content-Length", str(len(data))),
                    ],
                )
                return [data]
            status, body = reply
        except Unavailable:
            status, body = problem(
                "503 Service Unavailable",
                "Please try again",
                "We could not save or read this just now. Nothing was lost: please try again in a minute.",
            )
        except Exception:
            log.exception("the advocate's page failed")
            status, body = problem(
                "500 Internal Server Error",
                "Something went wrong",
                "We could not show this page. Please try again later.",
            )
        data = body.encode()
        start_response(status, [*HEADERS, ("Content-Length", str(len(data)))])
        return [data]

    def _route(self, environ: dict[str, Any]) -> Reply | Download:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        match = self.route.match(path)
        if match is None and path not in self.open_pages:
            return problem("404 Not Found", "Page not found", "This address does not lead to an ask.")
        if method not in ("GET", "HEAD", "POST"):
            return problem(
                "405 Method Not Allowed", "Not allowed", "This page is read or sent, nothing else."
            )
        links = self.desk.links
        if links is None:
            return problem("404 Not Found", "Page not found", "This program does not serve this page.")
        if match is None:
            return self._open_page(self.open_pages[path], links, environ, method)
        page, key, token = self.pages[match[1]], match[2], match[3]
        try:
            links.check(page.purpose, key, token)
        except BadLink as bad:
            if bad.expired and page.renewable and self.open_pages:
                lost = next(iter(self.open_pages.values()))
                return problem(
                    "410 Gone",
                    "This link has expired",
                    "Links in our e-mails work for a limited time. Type your e-mail address on the "
                    "next page and we will send you a fresh one.",
                    link=(lost.url(links), "Get a fresh link"),
                )
            if bad.expired:
                return problem(
                    "410 Gone",
                    "This link has expired",
                    "Links in our e-mails work for a limited time. Please ask your account team "
                    "for a new one.",
                )
            return problem(
                "403 Forbidden",
                "This link does not work",
                "The link is incomplete or was changed. Please open it again from the e-mail, "
                "copying the whole address.",
            )
        root = environ.get("SCRIPT_NAME", "")
        action = root + environ.get("PATH_INFO", "")
        if method == "POST" and _length(environ) > MAX_FORM_BYTES:
            return problem(
                "413 Content Too Large",
                "This is too long",
                "What you sent is longer than this page takes. Please shorten it and send it again.",
            )
        form = _form(environ) if method == "POST" else None
        if method == "POST" and (form is None or not links.csrf_ok(token, form.get("csrf", ""))):
            return problem(
                "403 Forbidden",
                "This form has expired",
                "Please open the link from the e-mail again and send your answer from there.",
            )
        return page.respond(self.desk, PageRequest(key, token, form, action, links.csrf(token), root))

    def _open_page(self, page: Page, links: Links, environ: dict[str, Any], method: str) -> Reply | Download:
        """A page anyone may open: its form carries a signed timestamp as its CSRF token."""
        action = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        form = _form(environ) if method == "POST" else None
        if method == "POST" and (form is None or not links.form_ok(page.purpose, form.get("csrf", ""))):
            return problem(
                "403 Forbidden",
                "This form has expired",
                "Please open the page again and send it from there.",
                link=(page.url(links), "Open it again"),
            )
        return page.respond(self.desk, PageRequest("", "", form, action, links.form_token(page.purpose)))


def _length(environ: dict[str, Any]) -> int:
    """The body's declared length (0 when none or not a number)."""
    try:
        return max(int(environ.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _form(environ: dict[str, Any]) -> dict[str, str] | None:
    """The posted form's fields (the first value of each), or None when it is not a small form.

    Its text goes through the same door as Slack's (`handlers.kit.sanitize`): a NUL byte or a lone
    surrogate is no more storable because it came from a browser, and bytes that are not UTF-8
    become U+FFFD as percent-escapes that are not do (`parse_qs`'s default).
    """
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return None
    length = _length(environ)
    if not 0 < length <= MAX_FORM_BYTES:
        return None
    try:
        raw = environ["wsgi.input"].read(length).decode("utf-8", errors="replace")
        fields = urllib.parse.parse_qs(
            raw, keep_blank_values=True, strict_parsing=False, max_num_fields=MAX_FORM_FIELDS
        )
    except ValueError:
        return None
    return {storable(name): storable(values[0]) for name, values in fields.items() if values}
