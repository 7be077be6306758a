"""An offer's invitation page, **Yes, count me in** / **No, thanks** (its e-mail: `handlers.advocate.mails`).

    GET  /offer/<public id>/<token>   the offer in plain words (title, description, closes on)
    POST /offer/<public id>/<token>   record the answer (CSRF-checked), then the confirmation

Served by `handlers.advocate.web` once the link's signature is checked (the signed key is the
seat's opaque id), so the invitation shares the answer page's headers, refusals and look. The page says
nothing about points, seats left or other customers. The first answer wins, whether it came from
this page or the owner's buttons; the same answer sent again shows the confirmation again. Once
the offer has closed, the page takes no answer, and the store records no yes from either side.
"""

from __future__ import annotations

from handlers.advocate import voice
from handlers.advocate.templating import render
from handlers.advocate.web import PageRequest, Reply, problem
from handlers.kit.desk import Desk
from handlers.outbox.sender import send_soon
from store.errors import AlreadySettled, Gone, Invalid, NotAllowed
from store.models import SeatStatus
from store.offers import invitations, seat_changes
from store.offers.invitations import Invitation

#: the two answers, as the page and the owner's buttons say them (product.md, "Words on screen")
YES, NO = "yes", "no"
ANSWER_WORDS = {YES: "Yes, count me in", NO: "No, thanks"}
#: what each answer means, said on the confirmation page
CONSEQUENCES = {
    YES: "Thank you: your account team will be in touch with the details.",
    NO: "No problem: your place goes to someone else. Thank you for letting us know.",
}
#: the seat status each answer leads to
ANSWER_OF_STATUS = {SeatStatus.ACCEPTED: YES, SeatStatus.DELIVERED: YES, SeatStatus.DECLINED: NO}


def _common(desk: Desk, invitation: Invitation) -> dict[str, object]:
    """Who offers it, for which company: the account's owner by name (a page does not wait on Slack)."""
    return voice.page_values(voice.voice(desk, invitation.owner_id, invitation.owner_email, wait=False))


def respond(desk: Desk, request: PageRequest) -> Reply:
    """The invitation's page (GET) or the answer posted to it (its CSRF already checked)."""
    form = request.form
    try:
        invitation = invitations.invitation(desk.db, desk.policy, request.key, desk.today())
    except Gone:
        return _gone()
    seat_id = invitation.seat_id
    if form is None:
        return _page(desk, invitation, request)
    given = form.get("answer", "")
    if given not in ANSWER_WORDS:
        error = "Pick one of the two answers."
        return _page(desk, invitation, request, status="400 Bad Request", error=error)
    if not invitation.open:
        return _settled(desk, invitation, given)
    try:
        seat = seat_changes.answer_from_advocate(
            desk.db,
            desk.policy,
            seat_id,
            given == YES,
            email=invitation.advocate_email or "",
            now=desk.now(),
            today=desk.today(),
        )
    except (AlreadySettled, NotAllowed, Invalid):  # answered, or closed, since the page was read
        try:
            now = invitations.invitation(desk.db, desk.policy, seat_id, desk.today())
        except Gone:  # they were removed from the program meanwhile
            return _gone()
        return _settled(desk, now, given)
    send_soon(desk, seat.delivery_keys)
    return _answered(desk, invitation, given)


def _settled(desk: Desk, invitation: Invitation, given: str) -> Reply:
    """An answer to an invitation already answered or closed: the same answer is thanked again."""
    if ANSWER_OF_STATUS.get(SeatStatus(invitation.status)) == given:
        return _answered(desk, invitation, given)
    return problem(
        "409 Conflict",
        "This offer can no longer be answered",
        "It was already answered or has closed. If that is not what you meant, please reply to "
        "the e-mail and tell your account team.",
    )


def _page(
    desk: Desk,
    invitation: Invitation,
    request: PageRequest,
    *,
    status: str = "200 OK",
    error: str | None = None,
) -> Reply:
    assert desk.links is not None
    body = render(
        "offer.html",
        title=f"For you: {invitation.title}",
        offer=invitation,
        choices=list(ANSWER_WORDS.items()),
        answered=ANSWER_WORDS.get(ANSWER_OF_STATUS.get(SeatStatus(invitation.status), "")),
        csrf=desk.links.csrf(request.token),
        action=request.action,
        error=error,
        **_common(desk, invitation),
    )
    return status, body


def _answered(desk: Desk, invitation: Invitation, given: str) -> Reply:
    body = render(
        "offer_answered.html",
        title="Thank you",
        offer=invitation,
        said=ANSWER_WORDS[given],
        consequence=CONSEQUENCES[given],
        **_common(desk, invitation),
    )
    return "200 OK", body


def _gone() -> Reply:
    return problem("404 Not Found", "Page not found", "This invitation no longer exists.")
