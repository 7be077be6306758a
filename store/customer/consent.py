"""The customer's say: the named advocate answers each approved ask (what they read:
`store.customer.ask_view`; ratings: `store.customer.ratings`; a colleague they name:
`store.customer.referrals`).

An approval asks the advocate (by e-mail, or through the owner in owner-led programs or when the
owner said **I'll ask them myself**) in the approval's own transaction. Each answer is one
transaction, under the request's row lock, so a link clicked twice, two tabs or an owner's button
racing the page record it once:

* **Yes, happy to help** → the request is confirmed; only now does the requester get the
  advocate's contact;
* every other answer is the customer's no: the request is *declined by the customer* (a state of
  its own, never the owner's decline) and the ask's debit reversed; besides,
  **Not for 3 months** rests the advocate 90 days (a ⛔ rule until then), **Ask me less often**
  halves their own limit of asks a quarter, **Please don't ask me again** makes them
  do-not-contact (a ⛔ rule), and **Someone else would be better** names a colleague, told to the
  owner.

The rest and the do-not-contact are read from the answers themselves (`store.rules.facts`), so an
answer changed before the needed-by date lifts the ones it set, and no other. An answer changes
at most once in a pause the program sets (`TooSoon` says how long to wait). A *first* answer is taken
whenever the ask stands, even after its needed-by date: a late yes may still help, and the
requester, told at once, decides whether to go ahead. An answer can be
changed in every direction until then: a "no" after a "yes" reverses the ask, a "yes" after a
"no" reverses that reversal (`ledger.set_ask_standing`: insert-only, each entry reversed once),
and the request follows (approved ↔ declined by the customer). A withdrawn ask cannot be answered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.act import Act
from store.addresses import AddressKey
from store.customer import answer_effects as effects
from store.customer.answer_effects import ADVOCATE
from store.customer.referrals import Colleague, passed_on, refer
from store.db import Database
from store.errors import AlreadySettled, Gone, Invalid, NotAllowed, TooSoon
from store.models import (
    Advocate,
    Consent,
    ConsentAnswer,
    ReferenceRequest,
    RequestStatus,
)
from store.outbox import queue, rewrites
from store.outbox.kinds import DeliveryKind
from store.outbox.payloads import ConsentAskPayload
from store.rules.policy import Policy

#: who answered, when the advocate answered on the page (otherwise a Slack id)
EMAIL = "email"
OWNER = "owner"
NO_ANSWERS = frozenset(set(ConsentAnswer) - {ConsentAnswer.YES})
#: the words on the page and on the owner's buttons (product.md, "Words on screen"), in their order
ANSWER_WORDS = {
    ConsentAnswer.YES: "Yes, happy to help",
    ConsentAnswer.NOT_THIS_TIME: "Not this time",
    ConsentAnswer.NOT_FOR_3_MONTHS: "Not for 3 months",
    ConsentAnswer.LESS_OFTEN: "Ask me less often",
    ConsentAnswer.NEVER: "Please don't ask me again",
    ConsentAnswer.SOMEONE_ELSE: "Someone else would be better",
}
#: how long "Not for 3 months" rests the advocate
REST = dt.timedelta(days=90)
TEXT_MAX = 1000
#: the owner's own line, which opens the e-mail
LINE_MAX = 500


def mail_recipient(advocate_id: int) -> str:
    """The outbox recipient of an e-mail to an advocate (the address is read when it is sent)."""
    return f"advocate:{advocate_id}"


def advocate_of_recipient(recipient: str) -> int:
    prefix, _, number = recipient.partition(":")
    if prefix != "advocate" or not number.isdigit():
        raise ValueError(f"{recipient!r} is not an advocate recipient")
    return int(number)


def owner_of(request: ReferenceRequest) -> str | None:
    """Who records the customer's answer in Slack: the account's owner, else whoever approved."""
    return request.account.owner_slack_id or request.decided_by


def check_line(line: str) -> str:
    """The owner's own line, trimmed; `Invalid` when it is too long for an opening line."""
    line = " ".join(line.split())
    if len(line) > LINE_MAX:
        raise Invalid({"line": f"Keep your line under {LINE_MAX} characters: it opens the e-mail."})
    return line


def ask_at_approval(
    session: Session, request: ReferenceRequest, mode: str, now: dt.datetime, *, line: str = ""
) -> tuple[str, ...]:
    """Inside the approval's transaction: ask the named advocate (e-mail when they have an address
    and the program mails, with the owner's `line` first, else the owner's buttons). Returns the
    delivery keys owed."""
    assert request.advocate_id is not None, "an approval names the advocate"
    advocate = session.get_one(Advocate, request.advocate_id)
    if mode == EMAIL and not advocate.email:
        mode = OWNER
    session.add(
        Consent(
            request_id=request.id,
            advocate_id=advocate.id,
            mode=mode,
            note="",
            times="",
            version=0,
            asked_at=now,
            owner_line=check_line(line) if mode == EMAIL else "",
        )
    )
    session.flush()
    if mode == EMAIL:
        key = f"consent-mail:{request.id}"
        queue.enqueue(
            session,
            key=key,
            kind=DeliveryKind.CONSENT_EMAIL,
            recipient=mail_recipient(advocate.id),
            now=now,
            request_id=request.id,
        )
        return (key,)
    return _owe_owner_ask(session, request, now, reminder=False, removed=advocate.forgotten_at is not None)


#: why an ask of someone removed from the program can be neither answered nor reminded of
REMOVED = "They were removed from the program at their request: they are not to be asked. Nothing changed."


def asks_a_removed_person(session: Session, request_id: int) -> bool:
    """Whether the request's ask names an advocate removed from the program since ("Remove me")."""
    removed = select(Advocate.forgotten_at.is_not(None)).join(Consent, Consent.advocate_id == Advocate.id)
    return bool(session.scalar(removed.where(Consent.request_id == request_id)))


def _owe_owner_ask(
    session: Session,
    request: ReferenceRequest,
    now: dt.datetime,
    *,
    reminder: bool,
    overdue: bool = False,
    removed: bool | None = None,
) -> tuple[str, ...]:
    """The owner's DM with the answers as buttons: asked in person, not answered in time, or
    still unanswered past the needed-by date (each once); never about someone removed since
    (`removed`: whether the one asked was, when the caller has them at hand)."""
    owner = owner_of(request)
    if removed is None:
        removed = asks_a_removed_person(session, request.id)
    if owner is None or removed:
        return ()
    key = f"consent-{'late' if overdue else 'remind' if reminder else 'ask'}:{request.id}"
    added = queue.enqueue(
        session,
        key=key,
        kind=DeliveryKind.CONSENT_ASK,
        recipient=owner,
        now=now,
        request_id=request.id,
        payload=ConsentAskPayload(reminder=reminder, overdue=overdue),
    )
    return (key,) if added else ()


@dataclass(frozen=True)
class Answered:
    request_id: int
    answer: str
    #: False when the same answer was already recorded (a second click: nothing new said)
    changed: bool
    delivery_keys: tuple[str, ...] = ()
    #: the colleague named on the page was passed to the owner (`referrals.passed_on`)
    referred: bool = False


def answer(
    db: Database,
    policy: Policy,
    request_id: int,
    given: str,
    act: Act,
    *,
    note: str = "",
    times: str = "",
    pause: dt.timedelta = dt.timedelta(0),
    colleague: Colleague | None = None,
    key: AddressKey | None = None,
) -> Answered:
    """Record the advocate's answer: `act.user` is `ADVOCATE` on the page, or the owner or an admin
    who heard it. **Someone else would be better** on the page names the `colleague`. An answer
    changed less than `pause` ago cannot change again yet (`TooSoon`): each change tells the
    requester and the owner, and a link clicked thirty times in a second must not owe sixty DMs
    (nor queue everyone else's messages behind them). `key` recognises a colleague removed from
    the program, who is not passed on."""
    try:
        choice = ConsentAnswer(given)
    except ValueError:
        raise Invalid({"answer": "Pick one of the answers."}) from None
    note, times = note.strip(), times.strip()
    if len(note) > TEXT_MAX or len(times) > TEXT_MAX:
        raise Invalid({"note": f"Keep it under {TEXT_MAX} characters."})
    named = None
    if choice is ConsentAnswer.SOMEONE_ELSE and act.user == ADVOCATE:
        if colleague is None:
            raise Invalid({"colleague_name": "Tell us who would be better: their name and e-mail."})
        named = colleague.checked()
    with db.transaction() as session:
        request = session.get(ReferenceRequest, request_id, with_for_update=True)
        consent = session.get(Consent, request_id, with_for_update=True)
        if request is None or consent is None:
            raise Gone(f"no ask for request {request_id}")
        if asks_a_removed_person(session, request_id):
            raise Gone(f"request {request_id} asks a removed advocate", why=REMOVED)
        owner = owner_of(request)
        if act.user != ADVOCATE and not act.may_act_for(owner):
            raise NotAllowed("record the customer's answer", (owner,) if owner else ())
        before = ConsentAnswer(consent.answer) if consent.answer else None
        check_open(request, before, act.today)
        if before is choice:
            consent.note, consent.times = note or consent.note, times or consent.times
            return Answered(request.id, choice, changed=False)
        if before is not None and consent.answered_at is not None:
            wait = consent.answered_at + pause - act.now
            if wait > dt.timedelta(0):
                raise TooSoon(wait)
        if choice in NO_ANSWERS and before not in NO_ANSWERS:
            effects.decline_by_customer(session, request, act)
        elif choice is ConsentAnswer.YES and before in NO_ANSWERS:
            effects.confirm_after_all(session, request, act)
        consent.answer = choice
        consent.note, consent.times = note, times
        consent.answered_by, consent.answered_at = act.user, act.now
        consent.rest_until = act.today + REST if choice is ConsentAnswer.NOT_FOR_3_MONTHS else None
        consent.version += 1
        if named is not None:
            named = passed_on(session, key, named)
        keys = effects.owe_told(
            session, request, consent, before, owner, act.user, act.now, referred=named is not None
        )
        if choice is ConsentAnswer.LESS_OFTEN:
            effects.ask_less_often(session, policy, consent.advocate_id)
        if named is not None:
            keys += refer(session, request, consent.advocate_id, named, owner, act.now)
        keys += (
            rewrites.owe_rewrite(
                session, request.id, request.requester_id, f"answer:{consent.version}", act.now
            ),
        )
        return Answered(request.id, choice, changed=True, delivery_keys=keys, referred=named is not None)


def check_open(request: ReferenceRequest, before: ConsentAnswer | None, today: dt.date) -> None:
    """An answer can be given while the ask stands, and changed until the needed-by date."""
    answerable = RequestStatus.CUSTOMER_DECLINED if before in NO_ANSWERS else RequestStatus.APPROVED
    if request.status != answerable:
        raise AlreadySettled(request.status)
    if before is not None and request.needed_by is not None and today > request.needed_by:
        raise AlreadySettled(before, ADVOCATE)


def owe_reminders(db: Database, *, now: dt.datetime, after: dt.timedelta) -> list[str]:
    """Asks e-mailed `after` ago and still unanswered: the owner gets the answers as buttons,
    once per request (the key says so, whichever replica or run gets there first)."""
    with db.transaction() as session:
        waiting = session.scalars(
            select(ReferenceRequest)
            .join(Consent, Consent.request_id == ReferenceRequest.id)
            .where(
                Consent.mode == EMAIL,
                Consent.answer.is_(None),
                Consent.asked_at <= now - after,
                ReferenceRequest.status == RequestStatus.APPROVED,
            )
            .order_by(ReferenceRequest.id)
        ).all()
        return [key for request in waiting for key in _owe_owner_ask(session, request, now, reminder=True)]


def fall_back_to_owner(db: Database, request_id: int, now: dt.datetime) -> tuple[str, ...]:
    """The e-mail can never arrive (no address, refused, mail switched off): the owner gets the
    answers as buttons instead, once."""
    with db.transaction() as session:
        request = session.get(ReferenceRequest, request_id)
        if request is None or request.status != RequestStatus.APPROVED:
            return ()
        return _owe_owner_ask(session, request, now, reminder=True)


def owe_overdue(session: Session, request: ReferenceRequest, now: dt.datetime) -> tuple[str, ...]:
    """Inside the follow-ups' claim: an ask still waiting for the customer past its needed-by date
    goes to the owner to record what the customer said (once), instead of "How did it go?"."""
    return _owe_owner_ask(session, request, now, reminder=True, overdue=True)
