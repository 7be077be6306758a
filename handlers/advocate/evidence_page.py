"""One item of the advocate's words, on their page (its e-mails: `handlers.advocate.evidence_mails`):

    GET  /evidence/<public id>/<token>     the exact words; waiting: **Where we may use it**,
                                           **Name me as** and until when, then **Approve**;
                                           approved: as approved, with **Renew**; always
                                           "Change the words" and **Withdraw**
    POST /evidence/<public id>/<token>     `do` = approve | renew | edit | withdraw

The link and the CSRF token are checked before this runs (`handlers.advocate.web`). Every answer
shows the page again as things now stand, with a line saying what happened; a form showing words
that changed since it was opened approves nothing (409, the new words shown).
"""

from __future__ import annotations

import datetime as dt

from handlers.advocate import voice
from handlers.advocate.templating import render
from handlers.advocate.web import Page, PageRequest, Reply, problem
from handlers.kit.desk import Desk
from handlers.kit.forms import as_id
from store.customer.consent import ADVOCATE
from store.errors import AlreadySettled, Changed, Gone, Invalid
from store.evidence import approval, capture, view
from store.evidence.approval import Approval
from store.evidence.capture import EvidenceDraft
from store.evidence.items import TEXT_MAX
from store.evidence.view import ItemView
from store.rules.evidence_policy import PLACES

#: what each answer did, said above the page
DONE = {
    "approve": "Thank you: we may use your words as you said, until the date below.",
    "renew": "Renewed: we may use your words until the date below.",
    "edit": "Your new words are saved. We will not use them until you approve them below.",
    "withdraw": "Withdrawn: we will not use these words again.",
}


def respond(desk: Desk, request: PageRequest) -> Reply:
    """The item's page (GET), or an answer posted to it."""
    try:
        evidence_id = view.id_of(desk.db, request.key)
    except Gone:
        return _gone()
    if request.form is None:
        return show(desk, evidence_id, request.action, request.token)
    form = request.form
    act = desk.act(ADVOCATE)
    do = form.get("do", "")
    try:
        if do == "approve":
            approval.approve(desk.db, desk.policy, evidence_id, _version(form), _approval(form), act)
        elif do == "renew":
            approval.renew(desk.db, desk.policy, evidence_id, _day(form.get("expires_on", "")), act)
        elif do == "edit":
            capture.edit(
                desk.db,
                desk.policy,
                evidence_id,
                EvidenceDraft(None, None, None, form.get("text", "")),
                act,
            )
        elif do == "withdraw":
            approval.withdraw(desk.db, evidence_id, act)
        else:
            raise Invalid({"do": "Pick one of the buttons on the page."})
    except Invalid as invalid:
        error = next(iter(invalid.errors.values()), "Please check your answer.")
        return show(desk, evidence_id, request.action, request.token, status="400 Bad Request", error=error)
    except Changed:
        said = "Your words were changed since you opened this page: here they are now, to approve or not."
        return show(desk, evidence_id, request.action, request.token, status="409 Conflict", error=said)
    except AlreadySettled:
        return show(desk, evidence_id, request.action, request.token, status="409 Conflict")
    except Gone:
        return _gone()
    return show(desk, evidence_id, request.action, request.token, notice=DONE[do])


def show(
    desk: Desk,
    evidence_id: int,
    action: str,
    token: str,
    *,
    status: str = "200 OK",
    notice: str | None = None,
    error: str | None = None,
    text: str | None = None,
) -> Reply:
    """The page as things now stand; `text` keeps what was typed into a change that was refused."""
    assert desk.links is not None
    try:
        item = view.item(desk.db, desk.policy, evidence_id, desk.today())
    except Gone:
        return _gone()
    body = render(
        "evidence.html",
        title=_title(item),
        item=item,
        places=list(PLACES.items()),
        helped=item.helped.words(),
        action=action,
        csrf=desk.links.csrf(token),
        notice=notice,
        error=error,
        text=item.text if text is None else text,
        text_max=TEXT_MAX,
        **voice.page_values(voice.voice(desk, item.owner_id, item.owner_email, wait=False)),
    )
    return status, body


def show_new(desk: Desk, page: Page, evidence_id: int, request: PageRequest, notice: str) -> Reply:
    """The page of an item just written on another page (**Share a few words**): its form posts here."""
    assert desk.links is not None
    try:
        public_id = view.item(desk.db, desk.policy, evidence_id, desk.today()).public_id
    except Gone:
        return _gone()
    path, token = page.path(desk.links, public_id)
    return show(desk, evidence_id, request.root + path, token, notice=notice)


def _title(item: ItemView) -> str:
    if item.withdrawn:
        return "Your words are withdrawn"
    if item.awaiting:
        return f"{item.advocate_name}, may we use your words?"
    return "Your words, as we may use them" if item.usable else "Your words have expired"


def _version(form: dict[str, str]) -> int:
    version = as_id(form.get("version", ""))
    if version is None:
        raise Invalid({"version": "This form is out of date: open the link from the e-mail again."})
    return version


def _approval(form: dict[str, str]) -> Approval:
    years = as_id(form.get("years", ""))
    return Approval(
        places=tuple(place for place in PLACES if form.get(f"place_{place}") == "yes"),
        name_as=form.get("name_as", ""),
        years=years if years is not None and years < 100 else 0,
    )


def _day(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise Invalid(
            {"expires_on": "This form is out of date: open the link from the e-mail again."}
        ) from None


def _gone() -> Reply:
    return problem("404 Not Found", "Page not found", "These words are no longer in the program.")
