"""The advocate's answer to an ask, and their rating of the activity afterwards:

    GET  /answer/<request id>/<token>   the ask, the relationship statement, the four answers
    POST /answer/<request id>/<token>   record the answer, then the confirmation
    GET  /rate/<request id>/<token>     "Was this a good use of your time?"
    POST /rate/<request id>/<token>     record the rating once

The link and the form's CSRF token are checked before these run (`handlers.advocate.web`). An ask
already closed gets a 409 page that says so.
"""

from __future__ import annotations

from collections.abc import Callable

from handlers.advocate.templating import render
from handlers.advocate.web import PageRequest, Reply, problem
from handlers.kit.desk import Desk
from handlers.outbox.sender import send_soon
from store.customer import ask_view, consent, ratings
from store.customer.ask_view import AskView
from store.customer.consent import ANSWER_WORDS
from store.errors import AlreadySettled, Gone, Invalid
from store.evidence import figures
from store.models import ConsentAnswer

#: what each answer means, said to the advocate on the confirmation page
CONSEQUENCES = {
    ConsentAnswer.YES: "We will pass your contact details, note and times to the person who asked. "
    "They will be in touch.",
    ConsentAnswer.NOT_THIS_TIME: "No problem: we will not go ahead with this one.",
    ConsentAnswer.NOT_THIS_QUARTER: "No problem: we will not ask you again before the quarter ends.",
    ConsentAnswer.NEVER: "Understood: we will not ask you for references again.",
}


def respond_answer(desk: Desk, request: PageRequest) -> Reply:
    """The ask (GET) or the answer posted to it."""
    return _about_an_ask(desk, request, _answer if request.form is not None else _ask_page)


def respond_rate(desk: Desk, request: PageRequest) -> Reply:
    """The rating page (GET) or the rating posted to it."""
    return _about_an_ask(desk, request, _rate if request.form is not None else _rate_page)


def _about_an_ask(
    desk: Desk, request: PageRequest, show: Callable[[Desk, AskView, PageRequest], Reply]
) -> Reply:
    try:
        ask = ask_view.view(desk.db, desk.policy, request.thing_id, desk.today())
    except Gone:
        return problem("404 Not Found", "Page not found", "This ask no longer exists.")
    return show(desk, ask, request)


def _common(ask: AskView) -> dict[str, object]:
    return {"sender": ask.owner_email or "your account team at the company"}


def _ask_page(
    desk: Desk, ask: AskView, request: PageRequest, *, status: str = "200 OK", error: str | None = None
) -> Reply:
    assert desk.links is not None
    body = render(
        "answer.html",
        title=f"Would you help with a {ask.activity_name.lower()}?",
        ask=ask,
        words=ANSWER_WORDS,
        choices=list(ANSWER_WORDS.items()),
        csrf=desk.links.csrf(request.token),
        action=request.action,
        error=error,
        helped=figures.helped_on_ask(desk.db, desk.policy, ask.request_id, desk.today()).words(),
        **_common(ask),
    )
    return status, body


def _answer(desk: Desk, ask: AskView, request: PageRequest) -> Reply:
    form = request.form or {}
    try:
        done = consent.answer(
            desk.db,
            ask.request_id,
            form.get("answer", ""),
            desk.act(consent.ADVOCATE),
            note=form.get("note", ""),
            times=form.get("times", ""),
        )
    except Invalid as invalid:
        return _ask_page(desk, ask, request, status="400 Bad Request", error=_first(invalid))
    except AlreadySettled:
        return problem(
            "409 Conflict", "This ask is closed", "It can no longer be answered or changed. Thank you."
        )
    send_soon(desk, done.delivery_keys)
    now = ask_view.view(desk.db, desk.policy, ask.request_id, desk.today())
    body = render(
        "answered.html",
        title="Thank you",
        ask=now,
        words=ANSWER_WORDS,
        consequence=CONSEQUENCES[ConsentAnswer(done.answer)],
        back=request.action,
        **_common(now),
    )
    return "200 OK", body


def _rate_page(
    desk: Desk, ask: AskView, request: PageRequest, *, status: str = "200 OK", error: str | None = None
) -> Reply:
    assert desk.links is not None
    body = render(
        "rate.html",
        title="Was this a good use of your time?",
        ask=ask,
        csrf=desk.links.csrf(request.token),
        action=request.action,
        error=error,
        **_common(ask),
    )
    return status, body


def _rate(desk: Desk, ask: AskView, request: PageRequest) -> Reply:
    form = request.form or {}
    score = form.get("score", "")
    if score not in {"1", "2", "3", "4", "5"}:
        return _rate_page(desk, ask, request, status="400 Bad Request", error="Pick a rating from 1 to 5.")
    try:
        ratings.rate_by_advocate(desk.db, ask.request_id, int(score), form.get("comment", ""), desk.now())
    except Invalid as invalid:
        return _rate_page(desk, ask, request, status="400 Bad Request", error=_first(invalid))
    except AlreadySettled:
        return problem("409 Conflict", "Not ready to rate", "This activity has not taken place yet.")
    return "200 OK", render("rated.html", title="Thank you", ask=ask, **_common(ask))


def _first(invalid: Invalid) -> str:
    return next(iter(invalid.errors.values()), "Please check your answer.")
