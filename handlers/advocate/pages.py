"""The advocate's pages, each declared once: the purpose its links are signed for (the first word
of its path) and its handler. The server mounts what this list declares, and the e-mails link to
these pages by the same declarations, so a new page is one line here and a handler."""

from __future__ import annotations

from functools import partial

from handlers.advocate import answer, evidence_page, join, lost_link, offer, profile, words
from handlers.advocate.web import AdvocatePages, Page
from handlers.kit.desk import Desk

#: answer an ask (the signed id is the request's)
ANSWER = Page("answer", answer.respond_answer)
#: rate an activity afterwards (the request's)
RATE = Page("rate", answer.respond_rate)
#: answer an offer's invitation (the seat's)
OFFER = Page("offer", offer.respond)
#: one item of the advocate's words: approve, renew, change, withdraw (the item's public id)
EVIDENCE = Page("evidence", evidence_page.respond)
#: **Share a few words**: the advocate writes some (the advocate's public id); the approval posts to EVIDENCE
WORDS = Page("words", partial(words.respond, item_page=EVIDENCE))
#: the advocate's own page: preferences, dates not to ask, their data (the advocate's)
PROFILE = Page("me", partial(profile.respond, share=WORDS), renewable=True)
#: a nominated contact's invitation to join (the nomination's); once joined it links `PROFILE`
JOIN = Page("join", partial(join.respond, profile=PROFILE), renewable=True)
#: a lost link: anyone types an address, a fresh link is mailed if it is known
LOST_LINK = Page("link", lost_link.respond, signed=False)

PAGES = (ANSWER, RATE, OFFER, EVIDENCE, WORDS, PROFILE, JOIN, LOST_LINK)


def advocate_site(desk: Desk) -> AdvocatePages:
    """The pages as one WSGI app, for the server to mount beside Slack's route."""
    return AdvocatePages(desk, PAGES)
