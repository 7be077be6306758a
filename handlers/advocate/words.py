"""**Share a few words**: the advocate writes a sentence or a figure in their own words.

    GET  /words/<public id>/<token>     the form, their words so far, how their words helped
    POST /words/<public id>/<token>     keep the words (waiting for approval), then the approval
                                        page of the new item (`handlers.advocate.evidence_page`)

Linked from the e-mail after an activity is done (the rating e-mail), and from the advocate's
own page. The form carries a key of its own (`nonce`), so a double click or a reload of the answer
keeps one item.
"""

from __future__ import annotations

import re
import secrets

from handlers.advocate import evidence_page, voice
from handlers.advocate.templating import render
from handlers.advocate.web import Page, PageRequest, Reply, problem
from handlers.kit.desk import Desk
from store.customer.consent import ADVOCATE
from store.errors import Gone, Invalid
from store.evidence import capture, view
from store.evidence.items import TEXT_MAX
from store.evidence.view import WordsView

NONCE = re.compile(r"[A-Za-z0-9_\-]{16,64}")
THANKS = "Thank you. Now say how we may use your words."


def respond(desk: Desk, request: PageRequest, *, item_page: Page) -> Reply:
    """The form (GET), or the words posted to it; a new item's approval form posts to `item_page`
    (`handlers.advocate.pages` binds it)."""
    try:
        shown = view.words(desk.db, desk.policy, view.advocate_of(desk.db, request.key), desk.today())
    except Gone:
        return problem("404 Not Found", "Page not found", "We could not find you in the program.")
    if request.form is None:
        return _page(desk, shown, request, item_page)
    form = request.form
    nonce, kind, text = form.get("nonce", ""), form.get("kind", ""), form.get("text", "")
    try:
        if not NONCE.fullmatch(nonce):
            raise Invalid({"nonce": "This form is out of date: please send your words again."})
        evidence_id = capture.share(
            desk.db,
            desk.policy,
            shown.advocate_id,
            kind,
            text,
            desk.act(ADVOCATE),
            source_key=f"words:{shown.advocate_id}:{nonce}",
        )
    except Invalid as invalid:
        error = next(iter(invalid.errors.values()), "Please check your words.")
        return _page(
            desk, shown, request, item_page, status="400 Bad Request", error=error, kind=kind, text=text
        )
    return evidence_page.show_new(desk, item_page, evidence_id, request, THANKS)


def _page(
    desk: Desk,
    shown: WordsView,
    request: PageRequest,
    item_page: Page,
    *,
    status: str = "200 OK",
    error: str | None = None,
    kind: str = "",
    text: str = "",
) -> Reply:
    assert desk.links is not None
    items = [(line, request.root + item_page.path(desk.links, line.public_id)[0]) for line in shown.items]
    body = render(
        "words.html",
        title="Share a few words",
        shown=shown,
        items=items,
        helped=shown.helped.words(),
        action=request.action,
        csrf=desk.links.csrf(request.token),
        nonce=secrets.token_urlsafe(24),
        error=error,
        kind=kind,
        text=text,
        text_max=TEXT_MAX,
        **voice.page_values(voice.voice(desk, shown.owner_id, shown.owner_email, wait=False)),
    )
    return status, body
