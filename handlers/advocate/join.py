"""The invitation to join (flow 16), linked from the e-mail a nominated contact gets:

    GET  /join/<public id>/<token>     what being an advocate means for them, what we might ask
    POST /join/<public id>/<token>     **Join the program** (with what they tick) or **No, thanks**

The link proves the address (double opt-in). Joining makes them an advocate with exactly the
activities they ticked, each its own consent, and hands them the link to their own page.
"""

from __future__ import annotations

from handlers.advocate import voice
from handlers.advocate.templating import render
from handlers.advocate.web import Page, PageRequest, Reply, problem
from handlers.kit.desk import Desk
from handlers.outbox.sender import send_soon
from store.bench import joining, views
from store.bench.views import NominationView
from store.errors import AlreadySettled, Gone, Invalid
from store.models import NominationStatus

JOIN, NO = "join", "no"
#: the two answers, as the page says them (product.md, "Words on screen")
ANSWER_WORDS = {JOIN: "Join the program", NO: "No, thanks"}
#: what being an advocate means for *them*: the five kinds of social capital, in their terms
WHAT_IT_MEANS = (
    "meeting peers who solve the same problems as you",
    "learning early: betas, previews and training before anyone else",
    "building your reputation: speaking slots, bylines and case studies about your work",
    "recognition for what you and your team have done",
    "a say in the product: roadmap sessions and a line to the people who build it",
)
#: checkbox names: one field per activity (a form keeps the first value of a repeated name)
FIELD = "do_"


def _around(desk: Desk, view: NominationView) -> dict[str, object]:
    """Who the invitation comes from: the account's owner, by name, at the company."""
    return voice.page_values(voice.voice(desk, view.owner_id, view.owner_email, wait=False))


def _closed() -> Reply:
    return problem("410 Gone", "This invitation is closed", "Nothing more to answer here. Thank you.")


def respond(desk: Desk, request: PageRequest, *, profile: Page) -> Reply:
    """The invitation (GET) or the answer posted to it (its CSRF already checked); `profile` is
    the advocate's own page, linked once they joined."""
    try:
        view = views.nomination(desk.db, desk.policy, request.key)
    except Gone:
        return problem("404 Not Found", "Page not found", "This invitation no longer exists.")
    if view.email is None or view.status not in (
        NominationStatus.INVITED,
        NominationStatus.JOINED,
        NominationStatus.NO_THANKS,
    ):
        return _closed()
    if request.form is None:
        return _page(desk, view, request, profile)
    given = request.form.get("answer", "")
    try:
        if given == JOIN:
            chosen = tuple(key for key in desk.policy.activities if request.form.get(FIELD + key) == "yes")
            moved = joining.join(desk.db, desk.policy, view.id, chosen, now=desk.now(), key=desk.address_key)
        elif given == NO:
            moved = joining.no_thanks(desk.db, view.id, now=desk.now(), key=desk.address_key)
        else:
            return _page(
                desk, view, request, profile, status="400 Bad Request", error="Pick one of the answers."
            )
    except Invalid as invalid:
        error = next(iter(invalid.errors.values()), "Please check your answer.")
        return _page(desk, view, request, profile, status="400 Bad Request", error=error)
    except (AlreadySettled, Gone):
        return _closed()
    send_soon(desk, moved.delivery_keys)
    return _page(desk, views.nomination(desk.db, desk.policy, view.id), request, profile)


def _page(
    desk: Desk,
    view: NominationView,
    request: PageRequest,
    profile: Page,
    *,
    status: str = "200 OK",
    error: str | None = None,
) -> Reply:
    assert desk.links is not None
    if view.status == NominationStatus.JOINED and view.advocate_public_id is not None:
        page = profile.url(desk.links, view.advocate_public_id)
        body = render("joined.html", title="Welcome", view=view, page=page, **_around(desk, view))
        return status, body
    rules = desk.policy.rules
    body = render(
        "join.html",
        title="Would you join our customer advocate program?",
        view=view,
        activities=list(desk.policy.activities.values()),
        ticked=set(view.activity_keys),
        field=FIELD,
        means=WHAT_IT_MEANS,
        most=rules.advocate_max_asks_in_window,
        window=rules.advocate_window_days,
        rest=rules.advocate_rest_days,
        words=ANSWER_WORDS,
        said_no=view.status == NominationStatus.NO_THANKS,
        csrf=request.csrf,
        action=request.action,
        error=error,
        **_around(desk, view),
    )
    return status, body
