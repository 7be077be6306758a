"""Sending one e-mail delivery by SMTP.

Composed at send time from current data, like the Slack messages: an ask answered meanwhile (by
the owner's buttons) is not mailed any more. A mail that can never go (no mail settings, the
address refused) is `Undeliverable`: the sender records it and the kind's fallback asks the owner
instead, and so is an address no e-mail can carry (`store.addresses`). A temporary failure — a
4xx at any step, RCPT included, as a greylisting server answers a first-time sender — is retried
with the outbox's back-off; only a 5xx is final. A mail whose server went silent after the data
was sent may arrive twice, with the same Message-ID, so mail readers show it once.
"""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from handlers.outbox.attempts import backoff, put_back
from handlers.outbox.messages import NotYet, Undeliverable
from handlers.outbox.outbound import Outbound
from handlers.outbox.routing import MailRoute
from store.outbox import queue
from store.outbox.queue import DeliveryJob

log = logging.getLogger(__name__)


def send(desk: Outbound, job: DeliveryJob, route: MailRoute[Any]) -> bool:
    """One attempt at an e-mail delivery; True when the SMTP server took it."""
    if desk.mailer is None:
        raise Undeliverable("mail settings missing")
    try:
        mail = route.compose(desk, job)
    except NotYet as wait:  # what it says is not known yet (who signs it): shortly, not never
        _later(desk, job, str(wait))
        return False
    if mail is None:
        queue.mark_said_nothing(desk.db, job, desk.now())
        return False
    try:
        message = desk.mailer.build(mail, job.key)
    except ValueError as bad:
        raise Undeliverable(f"no e-mail can carry the address: {bad}") from None
    try:
        desk.mailer.send(message)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as exc:
        code = _refusal_code(exc)
        if code >= 500:
            raise Undeliverable(f"refused by the mail server ({code})") from None
        _later(desk, job, f"mail server answered {code}")
        return False
    except (smtplib.SMTPException, OSError) as exc:
        _later(desk, job, f"mail server unreachable ({exc.__class__.__name__})")
        return False
    queue.mark_sent(desk.db, job, desk.now())
    log.info("delivery %s: e-mailed advocate %s", job.key, job.recipient)
    return True


def _refusal_code(exc: smtplib.SMTPRecipientsRefused | smtplib.SMTPResponseException) -> int:
    """The server's code; for refused recipients (one here) the lowest, so a 4xx is retried."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return min((code for code, _ in exc.recipients.values()), default=550)
    return exc.smtp_code


def _later(desk: Outbound, job: DeliveryJob, error: str) -> None:
    delay = backoff(desk, job.attempts)
    log.warning("delivery %s: %s; retrying in %ss", job.key, error, int(delay.total_seconds()))
    put_back(desk, job, delay, error, in_doubt=False)
