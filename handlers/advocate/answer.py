"""The advocate's answer to an ask, and their rating of the activity afterwards:

    GET  /answer/<public id>/<token>   the ask, who asks and why them, the statement, the answers
    POST /answer/<public id>/<token>   record the answer, then the confirmation
    GET  /rate/<public id>/<token>     "Was this a good use of your time?"
    POST /rate/<public id>/<token>     record the rating once

The link and the form's CSRF token are checked before these run (`handlers.advocate.web`). An ask
already closed gets a 409 page that says so; one the requester withdrew says it is no longer
needed. The page names the owner who asks and the company (`handlers.advocate.voice`), says who
reads the note and who will be in touch after a yes, and never shows points, the opportunity's
name or the internal context.
"""

from __future__ import annotations

from collections.abc import Callable

from handlers.advocate import voice
from handlers.advocate.templating import long_date, render
from handlers.advocate.voice import Voice
from handlers.advocate.web import PageRequest, Reply, problem
from handlers.kit.desk import Desk
from handlers.outbox.sender import send_soon
from store.customer import ask_view, consent, ratings
from store.customer.ask_view import AskView
from store.customer.consent import ANSWER_WORDS
from store.customer.referrals import Colleague
from store.errors import AlreadySettled, Gone, Invalid, TooSoon
from store.evidence import figures
from store.models import ConsentAnswer, RequestStatus
from store.rules.policy import counted

#: the fields of the page's form a refused answer shows again as typed
TYPED = ("note", "times", "colleague_name", "colleague_title", "colleague_email")


def consequence(ask: AskView, said: Voice, colleague: str) -> str:
    """What the answer just given means, said to the advocate on the confirmation page."""
    answer = ConsentAnswer(ask.answer)
    if answer is ConsentAnswer.YES:
        return (
            f"{said.requester_name} now has your contact details, note and times, and will write to "
            "you to agree the details."
        )
    if answer is ConsentAnswer.NOT_FOR_3_MONTHS and ask.rest_until:
        return f"No problem: we will not ask you again before {long_date(ask.rest_until)}."
    if answer is ConsentAnswer.LESS_OFTEN:
        most = counted(ask.asks_per_quarter or 1, "time")
        return f"Understood: from now on we will ask you at most {most} a quarter. Thank you for saying so."
    if answer is ConsentAnswer.NEVER:
        return (
            "Understood, and thank you for everything you have done with us. We will not ask you for "
            f"references again; {said.owner_name} remains your contact for everything else."
        )
    if answer is ConsentAnswer.SOMEONE_ELSE and colleague:
        return (
            f"Thank you: we passed {colleague}'s details to {said.owner_name}, who decides whether "
            "to ask them. Nobody contacts them before."
        )
    if answer is ConsentAnswer.SOMEONE_ELSE:
        return f"Thank you: we told {said.owner_name} that someone else would be better."
    return "No problem: we will not go ahead with this one. Thank you for letting us know."


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
        ask = ask_view.view_by_public_id(desk.db, desk.policy, request.key, desk.today())
    except Gone:
        return problem("404 Not Found", "Page not found", "This ask no longer exists.")
    return show(desk, ask, request)


def _common(desk: Desk, ask: AskView) -> dict[str, object]:
    """What every page about an ask shows around it: who sends it, for which company."""
    return voice.page_values(voice.of_ask(desk, ask, wait=False))


def _ask_page(
    desk: Desk,
    ask: AskView,
    request: PageRequest,
    *,
    status: str = "200 OK",
    error: str | None = None,
    typed: dict[str, str] | None = None,
) -> Reply:
    assert desk.links is not None
    values = {"note": ask.note, "times": ask.times, **dict.fromkeys(TYPED[2:], "")}
    body = render(
        "answer.html",
        title=f"{ask.advocate_name}, {ask.invitation}",
        ask=ask,
        why=voice.why_you(ask),
        words=ANSWER_WORDS,
        choices=list(ANSWER_WORDS.items()),
        someone_else=ConsentAnswer.SOMEONE_ELSE.value,
        typed={**values, **(typed or {})},
        csrf=desk.links.csrf(request.token),
        action=request.action,
        error=error,
        helped=figures.helped_on_ask(desk.db, desk.policy, ask.request_id, desk.today()).words(),
        **_common(desk, ask),
    )
    return status, body


def _answer(desk: Desk, ask: AskView, request: PageRequest) -> Reply:
    form = request.form or {}
    colleague = Colleague(
        form.get("colleague_name", ""), form.get("colleague_title", ""), form.get("colleague_email", "")
    )
    try:
        done = consent.answer(
            desk.db,
            desk.policy,
            ask.request_id,
            form.get("answer", ""),
            desk.act(consent.ADVOCATE),
            note=form.get("note", ""),
            times=form.get("times", ""),
            pause=desk.answer_pause,
            colleague=colleague,
            key=desk.address_key,
        )
    except Invalid as invalid:
        typed = {name: form.get(name, "") for name in TYPED}
        return _ask_page(desk, ask, request, status="400 Bad Request", error=_first(invalid), typed=typed)
    except AlreadySettled:
        if ask.status == RequestStatus.WITHDRAWN:
            return problem(
                "409 Conflict",
                "This ask is no longer needed",
                "The person who asked withdrew it: there is nothing to answer. Thank you for being "
                "willing to help.",
            )
        return problem(
            "409 Conflict", "This ask is closed", "It can no longer be answered or changed. Thank you."
        )
    except TooSoon as soon:
        error = f"You changed your answer a moment ago. You can change it again in {soon.minutes} min."
        return _ask_page(desk, ask, request, status="429 Too Many Requests", error=error)
    send_soon(desk, done.delivery_keys)
    now = ask_view.view(desk.db, desk.policy, ask.request_id, desk.today())
    common = _common(desk, now)
    named = " ".join(colleague.name.split()) if done.referred else ""
    assert isinstance(common["voice"], Voice)
    body = render(
        "answered.html",
        title="Thank you",
        ask=now,
        words=ANSWER_WORDS,
        consequence=consequence(now, common["voice"], named),
        back=request.action,
        **common,
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
        **_common(desk, ask),
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
    return "200 OK", render("rated.html", title="Thank you", ask=ask, **_common(desk, ask))


def _first(invalid: Invalid) -> str:
    return next(iter(invalid.errors.values()), "Please check your answer.")
