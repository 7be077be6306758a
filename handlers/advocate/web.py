"""The advocate's pages: answer an ask, rate an activity. Server-rendered HTML, no JavaScript.

A small WSGI app of its own (`AnswerPages`), mounted by `bot.server` next to `/slack/events`, so
any HTTP listener can serve it:

    GET  /answer/<request id>/<token>   the ask, the relationship statement, the four answers
    POST /answer/<request id>/<token>   record the answer (CSRF-checked), then the confirmation
    GET  /rate/<request id>/<token>     "Was this a good use of your time?"
    POST /rate/<request id>/<token>     record the rating once
    GET/POST /offer/<seat id>/<token>   an offer's invitation (`handlers.advocate.offer`)

Every refusal is a page that says what happened in words, with a 4xx status: a tampered, expired
or other request's link (403 / 410), a form without its CSRF token (403), an ask already closed
(409). The store's answer is one transaction; the Slack messages it owes go out after it.
"""

from __future__ import annotations

import logging
import re
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from handlers.advocate import offer
from handlers.advocate.templating import render
from handlers.kit.desk import Desk
from handlers.kit.links import BadLink, Purpose
from handlers.outbox.sender import send_soon
from store.customer import ask_view, consent, ratings
from store.customer.ask_view import AskView
from store.customer.consent import ANSWER_WORDS
from store.errors import AlreadySettled, Gone, Invalid, Unavailable
from store.models import ConsentAnswer

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
ROUTE = re.compile(r"^/(answer|rate|offer)/([0-9]{1,10})/([A-Za-z0-9_.\-]{1,400})$")
MAX_FORM_BYTES = 16_000
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
#: what each answer means, said to the advocate on the confirmation page
CONSEQUENCES = {
    ConsentAnswer.YES: "We will pass your contact details, note and times to the person who asked. "
    "They will be in touch.",
    ConsentAnswer.NOT_THIS_TIME: "No problem: we will not go ahead with this one.",
    ConsentAnswer.NOT_THIS_QUARTER: "No problem: we will not ask you again before the quarter ends.",
    ConsentAnswer.NEVER: "Understood: we will not ask you for references again.",
}


@dataclass(frozen=True)
class Page:
    status: str
    body: str


class AnswerPages:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            page = self._route(environ)
        except Unavailable:
            page = self._problem(
                "503 Service Unavailable",
                "Please try again",
                "We could not save or read this just now. Nothing was lost: please try again in a minute.",
            )
        except Exception:
            log.exception("the advocate's page failed")
            page = self._problem(
                "500 Internal Server Error",
                "Something went wrong",
                "We could not show this page. Please try again later.",
            )
        data = page.body.encode()
        start_response(page.status, [*HEADERS, ("Content-Length", str(len(data)))])
        return [data]

    def _route(self, environ: dict[str, Any]) -> Page:
        match = ROUTE.match(environ.get("PATH_INFO", ""))
        if match is None:
            return self._problem("404 Not Found", "Page not found", "This address does not lead to an ask.")
        purpose, request_id, token = Purpose(match[1]), int(match[2]), match[3]
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD", "POST"):
            return self._problem(
                "405 Method Not Allowed", "Not allowed", "This page is read or sent, nothing else."
            )
        links = self.desk.links
        if links is None:
            return self._problem("404 Not Found", "Page not found", "This program does not serve this page.")
        try:
            links.check(purpose, request_id, token)
        except BadLink as bad:
            if bad.expired:
                return self._problem(
                    "410 Gone",
                    "This link has expired",
                    "Links in our e-mails work for a limited time. Please ask your account team "
                    "for a new one.",
                )
            return self._problem(
                "403 Forbidden",
                "This link does not work",
                "The link is incomplete or was changed. Please open it again from the e-mail, "
                "copying the whole address.",
            )
        action = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        form = _form(environ) if method == "POST" else None
        if method == "POST" and (form is None or not links.csrf_ok(token, form.get("csrf", ""))):
            return self._problem(
                "403 Forbidden",
                "This form has expired",
                "Please open the link from the e-mail again and send your answer from there.",
            )
        if purpose is Purpose.OFFER:  # an offer's invitation: the signed id is the seat's
            return Page(*offer.respond(self.desk, request_id, token, form, action))
        try:
            ask = ask_view.view(self.desk.db, self.desk.policy, request_id, self.desk.today())
        except Gone:
            return self._problem("404 Not Found", "Page not found", "This ask no longer exists.")
        if form is not None:
            if purpose is Purpose.ANSWER:
                return self._answer(ask, form, token, action)
            return self._rate(ask, form, token, action)
        if purpose is Purpose.ANSWER:
            return self._ask_page(ask, token, action)
        return self._rate_page(ask, token, action)

    def _common(self, ask: AskView) -> dict[str, object]:
        return {"sender": ask.owner_email or "your account team at the company"}

    def _problem(self, status: str, title: str, message: str) -> Page:
        body = render("problem.html", title=title, message=message, sender="Reference Desk")
        return Page(status, body)

    def _ask_page(
        self, ask: AskView, token: str, action: str, *, status: str = "200 OK", error: str | None = None
    ) -> Page:
        assert self.desk.links is not None
        body = render(
            "answer.html",
            title=f"Would you help with a {ask.activity_name.lower()}?",
            ask=ask,
            words=ANSWER_WORDS,
            choices=list(ANSWER_WORDS.items()),
            csrf=self.desk.links.csrf(token),
            action=action,
            error=error,
            **self._common(ask),
        )
        return Page(status, body)

    def _answer(self, ask: AskView, form: dict[str, str], token: str, action: str) -> Page:
        try:
            done = consent.answer(
                self.desk.db,
                ask.request_id,
                form.get("answer", ""),
                self.desk.act(consent.ADVOCATE),
                note=form.get("note", ""),
                times=form.get("times", ""),
            )
        except Invalid as invalid:
            return self._ask_page(ask, token, action, status="400 Bad Request", error=_first(invalid))
        except AlreadySettled:
            return self._problem(
                "409 Conflict", "This ask is closed", "It can no longer be answered or changed. Thank you."
            )
        send_soon(self.desk, done.delivery_keys)
        now = ask_view.view(self.desk.db, self.desk.policy, ask.request_id, self.desk.today())
        body = render(
            "answered.html",
            title="Thank you",
            ask=now,
            words=ANSWER_WORDS,
            consequence=CONSEQUENCES[ConsentAnswer(done.answer)],
            back=action,
            **self._common(now),
        )
        return Page("200 OK", body)

    def _rate_page(
        self, ask: AskView, token: str, action: str, *, status: str = "200 OK", error: str | None = None
    ) -> Page:
        assert self.desk.links is not None
        body = render(
            "rate.html",
            title="Was this a good use of your time?",
            ask=ask,
            csrf=self.desk.links.csrf(token),
            action=action,
            error=error,
            **self._common(ask),
        )
        return Page(status, body)

    def _rate(self, ask: AskView, form: dict[str, str], token: str, action: str) -> Page:
        score = form.get("score", "")
        if score not in {"1", "2", "3", "4", "5"}:
            return self._rate_page(
                ask, token, action, status="400 Bad Request", error="Pick a rating from 1 to 5."
            )
        try:
            ratings.rate_by_advocate(
                self.desk.db, ask.request_id, int(score), form.get("comment", ""), self.desk.now()
            )
        except Invalid as invalid:
            return self._rate_page(ask, token, action, status="400 Bad Request", error=_first(invalid))
        except AlreadySettled:
            return self._problem(
                "409 Conflict", "Not ready to rate", "This activity has not taken place yet."
            )
        return Page("200 OK", render("rated.html", title="Thank you", ask=ask, **self._common(ask)))


def _first(invalid: Invalid) -> str:
    return next(iter(invalid.errors.values()), "Please check your answer.")


def _form(environ: dict[str, Any]) -> dict[str, str] | None:
    """The posted form's fields (the first value of each), or None when it is not a small form."""
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if not 0 < length <= MAX_FORM_BYTES:
        return None
    try:
        raw = environ["wsgi.input"].read(length).decode("utf-8")
        fields = urllib.parse.parse_qs(raw, keep_blank_values=True, strict_parsing=False, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        return None
    return {name: values[0] for name, values in fields.items() if values}
