"""The advocate's e-mails — the ask, the thank-you that asks for a rating (and invites them to
**Share a few words**), "no longer needed" after a withdrawal, an offer's invitation, a fresh link to
their own page, and a nominated contact's invitation to join — composed at send time from current
data (an ask answered meanwhile, by the owner's buttons, is not mailed any more; a person removed
meanwhile is not mailed at all), and what happens when one can never be sent: the owner is asked or
told instead. Every e-mail to an advocate ends with the shared footer (`_mail_footer.*`): a link to
their own page and how to stop. The e-mails about their words are `handlers.advocate.evidence_mails`'.

Each comes from the account's owner, by name, at the company customers know, at the program's
address, with replies going to the owner (`handlers.advocate.voice`). These are the routes'
composers and fallbacks (`handlers.routes`); the SMTP transport that sends them is the outbox's
(`handlers.outbox.mail`).
"""

from __future__ import annotations

from handlers.advocate import voice
from handlers.advocate.evidence_mails import share_link
from handlers.advocate.join import WHAT_IT_MEANS
from handlers.advocate.offer import ANSWER_WORDS
from handlers.advocate.pages import ANSWER, JOIN, OFFER, PROFILE, RATE
from handlers.advocate.templating import render
from handlers.advocate.voice import Voice
from handlers.kit.desk import Desk
from handlers.kit.links import Links
from handlers.outbox.messages import Mail, Undeliverable
from store.bench import deciding, notices, profile, views
from store.customer import ask_view, consent
from store.customer.ask_view import AskView
from store.errors import Gone
from store.evidence import figures
from store.models import NominationStatus, RequestStatus
from store.offers import invitations
from store.outbox.payloads import NominationPayload, OfferSeatPayload
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


def _their_page(desk: Desk, job: DeliveryJob) -> str:
    """The link to the advocate's own page, for the footer of every e-mail to them."""
    return PROFILE.url(_links(desk), profile.page_key(desk.db, consent.advocate_of_recipient(job.recipient)))


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


def ask_mail(desk: Desk, ask: AskView, said: Voice, link: str, page: str) -> Mail:
    """The ask, as the advocate reads it: what **Preview** shows the owner, and what is sent
    (`page`: the link to their own page, in the footer)."""
    return _mail(
        ask,
        said,
        f"{said.sender}: {ask.invitation}",
        "mail_ask",
        link=link,
        why=voice.why_you(ask),
        stop_on_page=True,
        helped=figures.helped_on_ask(desk.db, desk.policy, ask.request_id, desk.today()).words(),
        page=page,
    )


def compose_ask(desk: Desk, job: DeliveryJob) -> Mail | None:
    """Would you help? Not once the ask is answered or closed."""
    links = _links(desk)
    ask = _ask(desk, job)
    if ask is None or not ask.open or ask.answer is not None:
        return None
    return ask_mail(
        desk,
        ask,
        voice.of_ask(desk, ask, wait=True),
        ANSWER.url(links, ask.public_id),
        _their_page(desk, job),
    )


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
        page=_their_page(desk, job),
    )


def compose_withdrawn(desk: Desk, job: DeliveryJob) -> Mail | None:
    """No longer needed, thank you for being willing. Not if they had said no (nothing to undo)."""
    ask = _ask(desk, job)
    if ask is None or ask.status != RequestStatus.WITHDRAWN or ask.answer not in (None, "yes"):
        return None
    said = voice.of_ask(desk, ask, wait=True)
    return _mail(
        ask,
        said,
        f"{said.sender}: no longer needed, thank you",
        "mail_withdrawn",
        page=_their_page(desk, job),
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
        "page": _their_page(desk, job),
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


def compose_fresh_link(desk: Desk, job: DeliveryJob) -> Mail | None:
    """A fresh link to their own page (the lost-link page); None once they were removed."""
    links = _links(desk)
    try:
        mine = profile.profile(
            desk.db, desk.policy, consent.advocate_of_recipient(job.recipient), desk.today()
        )
    except Gone:
        return None
    if not mine.email:
        return None
    said = voice.voice(desk, mine.owner_id, mine.owner_email, wait=True)
    subject = f"{said.sender}: your page, what you're happy to do"
    values = {
        "who": mine.name,
        "days": int(links.max_age.total_seconds() // 86400),
        "page": PROFILE.url(links, mine.public_id),
        "voice": said,
        "account": mine.account_name,
        "subject": subject,
    }
    return _from(said, mine.name, mine.email, subject, "mail_link", values)


def compose_join_invitation(desk: Desk, job: DeliveryJob) -> Mail | None:
    """A nominated contact's invitation to join, on the owner's behalf (again, as a reminder or a
    fresh link); None once they answered, or the nomination closed, or they were removed."""
    links = _links(desk)
    try:
        view = views.nomination(desk.db, desk.policy, NominationPayload.from_dict(job.data).nomination_id)
    except Gone:
        return None
    if view.status != NominationStatus.INVITED or not view.email:
        return None
    said = voice.voice(desk, view.owner_id, view.owner_email, wait=True)
    reminder = NominationPayload.from_dict(job.data).about == notices.REMINDER
    subject = (
        f"{said.sender}: {'a reminder, ' if reminder else ''}would you join our customer advocate program?"
    )
    rules = desk.policy.rules
    values = {
        "view": view,
        "voice": said,
        "account": view.account_name,
        "subject": subject,
        "means": WHAT_IT_MEANS,
        "most": rules.advocate_max_asks_in_window,
        "window": rules.advocate_window_days,
        "link": JOIN.url(links, view.public_id),
    }
    return _from(said, view.name, view.email, subject, "mail_join", values)


def _from(
    said: Voice, name: str, address: str, subject: str, template: str, values: dict[str, object]
) -> Mail:
    """An e-mail from the account's owner, by name, at the company (`handlers.advocate.voice`)."""
    return Mail(
        name,
        address,
        subject,
        render(f"{template}.txt", **values),
        render(f"{template}.html", **values),
        reply_to=said.reply_to,
        reply_to_name=said.owner.name if said.owner else "",
        from_name=said.sender,
    )


def join_invitation_undeliverable(desk: Desk, job: DeliveryJob, error: str) -> tuple[str, ...]:
    """The invitation can never be e-mailed: whoever decided and the nominator are told."""
    nomination_id = NominationPayload.from_dict(job.data).nomination_id
    return deciding.invitation_undeliverable(desk.db, nomination_id, desk.now(), admins=desk.admins)
