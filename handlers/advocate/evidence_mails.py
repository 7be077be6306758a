"""The advocate's e-mails about their words, composed at send time from the item as it is then
(words approved or withdrawn meanwhile have nothing left to ask): approve words the team drafted
or changed, and renew words about to expire (**Renew**, change or **Withdraw**, one click each on
the item's page, where each answer is a button: a link alone never changes anything, so a mail
scanner opening it cannot renew or withdraw).

The **Share a few words** paragraph of the rating e-mail is `share_link`'s.
"""

from __future__ import annotations

from handlers.advocate import voice
from handlers.advocate.pages import EVIDENCE, WORDS
from handlers.advocate.templating import render
from handlers.kit.desk import Desk
from handlers.outbox.messages import Mail, Undeliverable
from store.customer.consent import advocate_of_recipient
from store.errors import Gone
from store.evidence import view
from store.evidence.view import ItemView
from store.outbox.payloads import EvidencePayload
from store.outbox.queue import DeliveryJob

#: how much of the words an e-mail quotes (the page shows them whole)
EXCERPT = 600


def _item(desk: Desk, job: DeliveryJob) -> ItemView | None:
    """The item the e-mail is about, unless it is gone, its words changed since, or no address."""
    payload = EvidencePayload.from_dict(job.data)
    try:
        item = view.item(desk.db, desk.policy, payload.evidence_id, desk.today())
    except Gone:
        return None
    return item if item.version == payload.version and item.advocate_email else None


def _mail(desk: Desk, item: ItemView, subject: str, template: str) -> Mail:
    """From the account's owner by name, replies to them, like every e-mail to an advocate
    (`handlers.advocate.voice`)."""
    if desk.links is None:
        raise Undeliverable("mail settings missing")
    assert item.advocate_email is not None
    said = voice.voice(desk, item.owner_id, item.owner_email, wait=True)
    values = {
        "item": item,
        "voice": said,
        "account": item.account_name,
        "subject": subject,
        "stop_on_page": False,
        "link": EVIDENCE.url(desk.links, item.public_id),
        "excerpt": item.text if len(item.text) <= EXCERPT else item.text[: EXCERPT - 1] + "…",
        "helped": item.helped.words(),
    }
    return Mail(
        item.advocate_name,
        item.advocate_email,
        subject,
        render(f"{template}.txt", **values),
        render(f"{template}.html", **values),
        reply_to=said.reply_to,
        reply_to_name=said.owner.name if said.owner else "",
        from_name=said.sender,
    )


def compose_approval(desk: Desk, job: DeliveryJob) -> Mail | None:
    """May we use your words? Not once they are approved, withdrawn or changed again."""
    item = _item(desk, job)
    if item is None or not item.awaiting:
        return None
    return _mail(desk, item, "May we use your words?", "mail_evidence_approve")


def compose_renewal(desk: Desk, job: DeliveryJob) -> Mail | None:
    """Your words expire soon: only while they are still approved and not yet expired."""
    item = _item(desk, job)
    if item is None or not item.usable or item.expires_on is None:
        return None
    return _mail(desk, item, f"Your words expire on {item.expires_on:%-d %B %Y}", "mail_evidence_renew")


def share_link(desk: Desk, job: DeliveryJob) -> str | None:
    """**Share a few words**, for an e-mail to an advocate (`advocate:<id>`): their capture page."""
    if desk.links is None:
        return None
    try:
        return WORDS.url(desk.links, view.advocate_key(desk.db, advocate_of_recipient(job.recipient)))
    except Gone:
        return None
