"""A lost link (flow 18): the page anyone may open to have a fresh link to their own page mailed.

    GET  /link   the address field
    POST /link   the e-mail owed if the address is known; the same answer whether or not it is

The answer never says whether the address is in the program, and a person gets at most one such
e-mail an hour (`store.bench.lost_link`), so the page can neither find out who is an advocate nor
flood anyone's inbox. The address typed is not kept.
"""

from __future__ import annotations

from handlers.advocate import voice
from handlers.advocate.templating import render
from handlers.advocate.web import PageRequest, Reply
from handlers.kit.desk import Desk
from handlers.outbox.sender import send_soon
from store.addresses import ADDRESS_MAX
from store.bench import lost_link


def respond(desk: Desk, request: PageRequest) -> Reply:
    if request.form is None:
        return "200 OK", _form(desk, request)
    typed = request.form.get("email", "").strip()[:ADDRESS_MAX]
    if not typed:
        return "400 Bad Request", _form(desk, request, error="Type your e-mail address.")
    send_soon(desk, lost_link.owe_fresh_links(desk.db, typed, desk.now()))
    assert desk.links is not None
    days = int(desk.links.max_age.total_seconds() // 86400)
    return "200 OK", render(
        "link_sent.html", title="Check your inbox", typed=typed, days=days, **_around(desk)
    )


def _around(desk: Desk) -> dict[str, object]:
    """The page speaks for the company: nobody is known yet."""
    return voice.page_values(voice.voice(desk, None, None, wait=False))


def _form(desk: Desk, request: PageRequest, error: str | None = None) -> str:
    return render(
        "lost_link.html",
        title="Get a fresh link to your page",
        csrf=request.csrf,
        action=request.action,
        error=error,
        **_around(desk),
    )
