"""Every kind of message the outbox holds, each with the payload type it carries.

A kind is one enum member, and the member says what a row of that kind stores: its name (the
value, written in the database, so it never changes) and its payload type (None: it carries no
data). `enqueue` checks a payload against its kind, so no code path can owe a delivery whose data
does not fit. How a kind is sent (Slack or e-mail) and rendered is the handlers' business: each
kind has one route there (`handlers.routes`), and a test fails when one is missing.
"""

from __future__ import annotations

import enum

from store.outbox.fields import Payload
from store.outbox.payloads import (
    AdjustmentPayload,
    AnsweredPayload,
    ChannelHelpPayload,
    ConsentAskPayload,
    DigestPayload,
    EvidencePayload,
    GapAsksPayload,
    HomeRefreshPayload,
    LoggedPayload,
    NominationPayload,
    NothingFitsPayload,
    NudgePayload,
    OfferSeatPayload,
    ReferralPayload,
    RemovedPayload,
)


class DeliveryKind(enum.StrEnum):
    """What a delivery says, and the payload type it carries."""

    payload: type[Payload] | None

    def __new__(cls, value: str, payload: type[Payload] | None = None) -> DeliveryKind:
        member = str.__new__(cls, value)
        member._value_ = value
        member.payload = payload
        return member

    #: the decider's DM with Approve / Decline
    DECISION_REQUEST = "decision_request"
    #: an admin's DM with Approve (override) / Decline about a request its owner decides, owed
    #: with the request and sent only if a ⛔ rule blocks it when it goes out (else nothing)
    OVERRIDE_REQUEST = "override_request"
    #: the requester's receipt ("sent to the owner")
    CONFIRMATION = "request_confirmation"
    #: the requester told the decision
    OUTCOME = "request_outcome"
    #: every message about a decided request rewritten in place
    REFRESH = "request_refresh"
    SLA_REMINDER = "sla_reminder"
    SLA_ESCALATION = "sla_escalation"
    FOLLOWUP = "followup"
    FOLLOWUP_REMINDER = "followup_reminder"
    #: the follow-up question rewritten with its answer
    FOLLOWUP_CLOSED = "followup_closed"
    NUDGE = "giveback_nudge", NudgePayload
    #: the receipt of a logged give
    LOGGED = "value_logged", LoggedPayload
    #: the admin's receipt of an adjustment
    ADJUSTED = "balance_adjusted", AdjustmentPayload
    #: the account's owner told an admin adjusted its balance
    ADJUSTMENT_NOTICE = "adjustment_notice", AdjustmentPayload
    DIGEST = "digest", DigestPayload
    #: the admins told the digest could not be posted in its channel
    DIGEST_CHANNEL_HELP = "digest_channel_help", ChannelHelpPayload
    #: an App Home republished (a view, not a message)
    HOME_REFRESH = "home_refresh", HomeRefreshPayload
    #: the owner's DM about a reserved offer seat, with the answer / Delivered / Release buttons
    OFFER_SEAT = "offer_seat", OfferSeatPayload
    #: that DM rewritten after the seat moved on
    OFFER_SEAT_REFRESH = "offer_seat_refresh", OfferSeatPayload
    #: the digest's chart, uploaded to the program channel once per week
    DIGEST_CHART = "digest_chart", DigestPayload
    #: the advocate's e-mail asking them to answer an approved ask (its recipient is `advocate:<id>`)
    CONSENT_EMAIL = "consent_email"
    #: the owner's DM with the answers as buttons (asked in person, or no answer in time)
    CONSENT_ASK = "consent_ask", ConsentAskPayload
    #: the requester or the owner told what the advocate answered
    CONSENT_ANSWERED = "consent_answered", AnsweredPayload
    #: the advocate's e-mail after the activity: "Was this a good use of your time?"
    RATING_EMAIL = "rating_email"
    #: the advocate's e-mail invitation to a reserved offer seat
    OFFER_INVITE = "offer_invite", OfferSeatPayload
    #: the owner's (or the admins') DM about a nomination, with **Invite them** / **Not now**; the
    #: same again as a reminder after a week without a decision
    NOMINATION_DECISION = "nomination_decision", NominationPayload
    #: those DMs rewritten once the nomination moved on (no buttons left)
    NOMINATION_REFRESH = "nomination_refresh", NominationPayload
    #: the nominator (and, for the contact's answer, the owner) told how a nomination went
    NOMINATION_NEWS = "nomination_news", NominationPayload
    #: the contact's e-mail invitation to join, on the owner's behalf (recipient `nominee:<id>`);
    #: the same again as a reminder after a week without an answer
    NOMINATION_INVITE = "nomination_invite", NominationPayload
    #: a fresh link to the advocate's own page, asked for on the lost-link page
    ADVOCATE_LINK = "advocate_link"
    #: the owner told that an advocate of their account was removed from the program
    ADVOCATE_REMOVED = "advocate_removed", RemovedPayload
    #: the owner told the colleague an advocate named ("Someone else would be better")
    REFERRAL = "referral", ReferralPayload
    #: the requester withdrew an approved ask: the advocate's e-mail, "no longer needed"
    WITHDRAWN_EMAIL = "withdrawn_email"
    #: ...and the owner's DM saying so
    WITHDRAWN_NOTICE = "withdrawn_notice"
    #: the advocate's e-mail asking them to approve words an admin drafted or changed
    EVIDENCE_APPROVAL = "evidence_approval", EvidencePayload
    #: the advocate's e-mail before their approved words expire: Renew, edit or Withdraw
    EVIDENCE_RENEWAL = "evidence_renewal", EvidencePayload
    #: the admins' one DM a day listing that day's **Nothing fits** needs
    NOTHING_FITS = "nothing_fits", NothingFitsPayload
    #: an owner's weekly ask to close the gaps their accounts are in, with **Nominate**
    COVERAGE_GAPS = "coverage_gaps", GapAsksPayload
    #: the coverage heat map, uploaded to the program channel beside the week's digest
    COVERAGE_CHART = "coverage_chart", DigestPayload


def check_payload(kind: DeliveryKind, payload: Payload | None) -> None:
    """Refuse to owe a delivery whose data does not fit its kind (a programming error)."""
    expected = kind.payload
    if (payload is None and expected is not None) or (payload is not None and type(payload) is not expected):
        wanted = expected.__name__ if expected else "no payload"
        raise TypeError(f"a {kind} delivery takes {wanted}, not {type(payload).__name__}")
