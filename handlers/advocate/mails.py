"""The advocate's e-mails: the ask, the rating request (which invites them to **Share a few
words**) and an offer's invitation, composed at send time from current data (an ask answered
meanwhile, by the owner's buttons, is not mailed any more), and what happens when one can never be
sent: the owner is asked instead. The e-mails about their words are `handlers.advocate.evidence_mails`'.

These are the routes' composers and fallbacks (`handlers.routes`); the SMTP transport that sends
them is the outbox's (`handlers.outbox.mail`).
"""

from __future__ import annotations

from handlers.advocate.evidence_mails import share_link
from handlers.advocate.offer import ANSWER_WORDS
from handlers.advocate.pages import ANSWER, OFFER, RATE
from handlers.advocate.templating import render
from handlers.kit.desk import Desk
from handlers.kit.links import Links
from handlers.outbox.messages import Mail, Undeliverable
from store.customer import ask_view, consent
from store.customer.ask_view import AskView
from store.errors import Gone
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


def _mail(ask: AskView, subject: str, template: str, link: str, **more: object) -> Mail:
    assert ask.advocate_email is not None
    values = {"ask": ask, "link": link, **more}
    return Mail(
        ask.advocate_name,
        ask.advocate_email,
        subject,
        render(f"{template}.txt", **values),
        render(f"{template}.html", **values),
        reply_to=ask.owner_email,
    )


def compose_ask(desk: Desk, job: DeliveryJob) -> Mail | None:
    """Would you help? Not once the ask is answered or closed."""
    links = _links(desk)
    ask = _ask(desk, job)
    if ask is None or not ask.open or ask.answer is not None:
        return None
    return _mail(ask, f"{ask.activity_name}: would you help?", "mail_ask", ANSWER.url(links, ask.request_id))


def compose_rating(desk: Desk, job: DeliveryJob) -> Mail | None:
    """Was this a good use of your time? Not once they rated it."""
    links = _links(desk)
    ask = _ask(desk, job)
    if ask is None or ask.rated:
        return None
    share = share_link(desk, job)
    return _mail(
        ask, "Was this a good use of your time?", "mail_rate", RATE.url(links, ask.request_id), share=share
    )


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
    values = {"offer": invitation, "link": OFFER.url(links, seat_id), "words": ANSWER_WORDS}
    return Mail(
        invitation.advocate_name,
        invitation.advocate_email,
        f"For you: {invitation.title}",
        render("mail_offer.txt", **values),
        render("mail_offer.html", **values),
        reply_to=invitation.owner_email,
    )


def ask_owner_instead(desk: Desk, job: DeliveryJob, error: str) -> tuple[str, ...]:
    """The ask can never be e-mailed: the owner gets the four answers as buttons instead."""
    if job.request_id is None:
        return ()
    return consent.fall_back_to_owner(desk.db, job.request_id, desk.now())


def invitation_to_owner(desk: Desk, job: DeliveryJob, error: str) -> tuple[str, ...]:
    """The invitation can never be e-mailed: the seat is the owner's to record, their card says so."""
    seat_id = OfferSeatPayload.from_dict(job.data).seat_id
    return invitations.invitation_undeliverable(desk.db, seat_id, desk.now())
