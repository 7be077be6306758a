"""Sending the outbox's e-mail kinds (`MAIL_KINDS`) by SMTP instead of Slack.

Rendered at send time from current data, like the Slack messages: an ask answered meanwhile (by
the owner's buttons) is not mailed any more. A mail that can never go (no mail settings, the
address refused) is given up on and the owner gets the four answers as buttons instead.
A temporary failure is retried with the outbox's back-off; a mail whose server went silent after
the data was sent may arrive twice, with the same Message-ID, so mail readers show it once.
"""

from __future__ import annotations

import logging
import smtplib

from handlers.advocate import offer
from handlers.advocate.templating import render
from handlers.kit.desk import Desk
from handlers.kit.links import Purpose
from handlers.outbox.sender import backoff, send_soon
from handlers.outbox.smtp import Mail
from store.customer import ask_view, consent
from store.errors import Gone
from store.offers import invitations
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.outbox.payloads import OfferSeatPayload
from store.outbox.queue import DeliveryJob

log = logging.getLogger(__name__)


def compose(desk: Desk, job: DeliveryJob) -> Mail | None:
    """The e-mail this delivery sends now; None when there is nothing left to ask."""
    if job.kind == DeliveryKind.OFFER_INVITE:
        return offer.compose(desk, job)
    assert job.request_id is not None and desk.links is not None
    try:
        ask = ask_view.view(desk.db, desk.policy, job.request_id, desk.today())
    except Gone:
        return None
    if not ask.advocate_email:
        return None
    if job.kind == DeliveryKind.CONSENT_EMAIL:
        if not ask.open or ask.answer is not None:
            return None
        values = {"ask": ask, "link": desk.links.url(Purpose.ANSWER, ask.request_id)}
        subject = f"{ask.activity_name}: would you help?"
        name = "mail_ask"
    else:
        if ask.rated:
            return None
        values = {"ask": ask, "link": desk.links.url(Purpose.RATE, ask.request_id)}
        subject = "Was this a good use of your time?"
        name = "mail_rate"
    return Mail(
        ask.advocate_name,
        ask.advocate_email,
        subject,
        render(f"{name}.txt", **values),
        render(f"{name}.html", **values),
        reply_to=ask.owner_email,
    )


def send_mail(desk: Desk, job: DeliveryJob) -> bool:
    """One attempt at an e-mail delivery; True when the SMTP server took it."""
    if desk.mailer is None or desk.links is None:
        _never(desk, job, "mail settings missing")
        return False
    mail = compose(desk, job)
    if mail is None:
        queue.mark_sent(desk.db, job, desk.now())
        return False
    try:
        desk.mailer.send(desk.mailer.build(mail, job.key))
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
        _never(desk, job, f"refused by the mail server ({exc.__class__.__name__})")
        return False
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code >= 500:
            _never(desk, job, f"refused by the mail server ({exc.smtp_code})")
            return False
        _later(desk, job, f"mail server answered {exc.smtp_code}")
        return False
    except (smtplib.SMTPException, OSError) as exc:
        _later(desk, job, f"mail server unreachable ({exc.__class__.__name__})")
        return False
    queue.mark_sent(desk.db, job, desk.now())
    log.info("delivery %s: e-mailed advocate %s", job.key, job.recipient)
    return True


def _later(desk: Desk, job: DeliveryJob, error: str) -> None:
    delay = backoff(desk, job.attempts)
    log.warning("delivery %s: %s; retrying in %ss", job.key, error, int(delay.total_seconds()))
    queue.mark_retry(desk.db, job, desk.now(), delay, error)


def _never(desk: Desk, job: DeliveryJob, error: str) -> None:
    log.warning("delivery %s failed for good: %s; the owner is asked instead", job.key, error)
    queue.mark_failed(desk.db, job, error)
    if job.kind == DeliveryKind.CONSENT_EMAIL and job.request_id is not None:
        send_soon(desk, consent.fall_back_to_owner(desk.db, job.request_id, desk.now()))
    if job.kind == DeliveryKind.OFFER_INVITE:
        seat_id = OfferSeatPayload.from_dict(job.data).seat_id
        send_soon(desk, invitations.invitation_undeliverable(desk.db, seat_id, desk.now()))
