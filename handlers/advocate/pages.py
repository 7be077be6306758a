"""The advocate's pages, each declared once: the purpose its links are signed for (the first word
of its path) and its handler. The server mounts what this list declares, and the e-mails link to
these pages by the same declarations, so a new page is one line here and a handler."""

from __future__ import annotations

from handlers.advocate import answer, offer
from handlers.advocate.web import AdvocatePages, Page
from handlers.kit.desk import Desk

#: answer an ask (the signed id is the request's)
ANSWER = Page("answer", answer.respond_answer)
#: rate an activity afterwards (the request's)
RATE = Page("rate", answer.respond_rate)
#: answer an offer's invitation (the seat's)
OFFER = Page("offer", offer.respond)

PAGES = (ANSWER, RATE, OFFER)


def advocate_site(desk: Desk) -> AdvocatePages:
    """The pages as one WSGI app, for the server to mount beside Slack's route."""
    return AdvocatePages(desk, PAGES)
