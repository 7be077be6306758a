"""The advocate's e-mails — the ask, the thank-you that asks for a rating (and invites them to
**Share a few words**), "no longer needed" after a withdrawal, and an offer's invitation — composed
at send time from current data (an ask answered meanwhile, by the owner's buttons, is not mailed any
more), and what happens when one can never be sent: the owner is asked instead. The e-mails about
their words are `handlers.advocate.evidence_mails`'.

Each comes from the account's owner, by name, at the company customers know, at the program's
address, with replies going to the owner (`handlers.advocate.voice`). These are the routes'
composers and fallbacks (`handlers.routes`); the SMTP transport that sends them is the outbox's
(`handlers.outbox.mail`).
"""

from __future__ import annotations

from handlers.advocate import voice
from handlers.advocate.evidence_mails import share_link
from handlers.advocate.offer import ANSWER_WORDS
from handlers.advocate.pages import ANSWER, OFFER, RATE
from handlers.advocate.templating import render
from handlers.advocate.voice import Voice
from handlers.kit.desk import Desk
from handlers.kit.links import Links
from handlers.outbox.messages import Mail, Undeliverable
from store.customer import ask_view, consent
from store.customer.ask_view import AskView
from store.errors import Gone
from store.evidence import figures
from store.models import RequestStatus
from store.offers import invitations
from store.outbox.payloads import OfferSeatPayload
from store.outbox.queue import DeliveryJob


def _links(desk: Desk) -> Links:
    """The signed links every e-mail carries; without them no e-mail can be sent at all."""
    if desk.links is None:
        raise Undeliverable("mail settings missing")
    return desk.links


def _ask(desk: Desk, job: DeliveryJob) -> AskView | None:
    """The ask as its advocate reads it, or None when it is gone or they have no address."""
    assert job.request_id is not None
    try:
        ask = ask_view.view(desk.db, desk.policy, job.request_id, desk.today())
    except Gone:
        return None
    return ask if ask.advocate_email else None


def _mail(ask: AskView, said: Voice, subject: str, template: str, **values: object) -> Mail:
    assert ask.advocate_email is not None
    shared = {
        "ask": ask,
        "voice": said,
        "account": ask.account_name,
        "subject": subject,
        "stop_on_page": False,
    }
    shared.update(values)
    return Mail(
        ask.advocate_name,
        ask.advocate_email,
        subject,
        render(f"{template}.txt", **shared),
        render(f"{template}.html", **shared),
        reply_to=said.reply_to,
        reply_to_name=said.owner.name if said.owner else "",
        from_name=said.sender,
    )


def ask_mail(desk: Desk, ask: AskView, said: Voice, link: str) -> Mail:
    """The ask, as the advocate reads it: what **Preview** shows the owner, and what is sent."""
    return _mail(
        ask,
        said,
        f"{said.sender}: {ask.invitation}",
        "mail_ask",
        link=link,
        why=voice.why_you(ask),
        stop_on_page=True,
        helped=figures.helped_on_ask(desk.db, desk.policy, ask.request_id, desk.today()).words(),
    )


def compose_ask(desk: Desk, job: DeliveryJob) -> Mail | None:
    """Would you help? Not once the ask is answered or closed."""
    links = _links(desk)
    ask = _ask(desk, job)
    if ask is None or not ask.open or ask.answer is not None:
        return None
    return ask_mail(desk, ask, voice.of_ask(desk, ask, wait=True), ANSWER.url(links, ask.public_id))


def came_of_it(ask: AskView) -> str:
    """What the requester said came of it, for the advocate's thank-you ("" when not said)."""
    if ask.deal_closed:
        return "It helped: the deal closed."
    if ask.deal_moved:
        return "It helped: the deal moved forward."
    return ""


def compose_rating(desk: Desk, job: DeliveryJob) -> Mail | None:
    """Thank you, what came of it, and "Was this a good use of your time?". Not once they rated it."""
    links = _links(desk)
    ask = _ask(desk, job)
    if ask is None or ask.rated or not ask.said_yes:
        return None
    said = voice.of_ask(desk, ask, wait=True)
    link = RATE.url(links, ask.public_id)
    return _mail(
        ask,
        said,
        "Thank you: was this a good use of your time?",
        "mail_rate",
        link=link,
        came_of_it=came_of_it(ask),
        share=share_link(desk, job),
    )


def compose_withdrawn(desk: Desk, job: DeliveryJob) -> Mail | None:
    """No longer needed, thank you for being willing. Not if they had said no (nothing to undo)."""
    ask = _ask(desk, job)
    if ask is None or ask.status != RequestStatus.WITHDRAWN or ask.answer not in (None, "yes"):
        return None
    said = voice.of_ask(desk, ask, wait=True)
    return _mail(ask, said, f"{said.sender}: no longer needed, thank you", "mail_withdrawn")


def compose_invitation(desk: Desk, job: DeliveryJob) -> Mail | None:
    """The invitation to a seat now; None when there is nothing left to ask (answered, closed, no address)."""
    links = _links(desk)
    seat_id = OfferSeatPayload.from_dict(job.data).seat_id
    try:
        invitation = invitations.invitation(desk.db, desk.policy, seat_id, desk.today())
    except Gone:
        return None
    if not invitation.advocate_email or not invitation.open:
        return None
    said = voice.voice(desk, invitation.owner_id, invitation.owner_email, wait=True)
    subject = f"{said.sender}: for you, {invitation.title}"
    values = {
        "offer": invitation,
        "link": OFFER.url(links, invitation.public_id),
        "words": ANSWER_WORDS,
        "voice": said,
        "account": invitation.account_name,
        "subject": subject,
        "stop_on_page": False,
    }
    return Mail(
        invitation.advocate_name,
        invitation.advocate_email,
        subject,
        render("mail_offer.txt", **values),
        render("mail_offer.html", **values),
        reply_to=said.reply_to,
        reply_to_name=said.owner.name if said.owner else "",
        from_name=said.sender,
    )


def ask_owner_instead(desk: Desk, job: DeliveryJob, error: str) -> tuple[str, ...]:
    """The ask can never be e-mailed: the owner gets the answers as buttons instead."""
    if job.request_id is None:
        return ()
    return consent.fall_back_to_owner(desk.db, job.request_id, desk.now())


def invitation_to_owner(desk: Desk, job: DeliveryJob, error: str) -> tuple[str, ...]:
    """The invitation can never be e-mailed: the seat is the owner's to record, their card says so."""
    seat_id = OfferSeatPayload.from_dict(job.data).seat_id
    return invitations.invitation_undeliverable(desk.db, seat_id, desk.now())
