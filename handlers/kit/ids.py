"""Every action id and modal callback id the app puts on screen, in one place.

A button is often drawn by one surface and answered by another (the decision DM offers
**Request** on alternative accounts; App Home shows **Approve**), so the ids live here rather than
in the listener modules: surfaces import this, never each other.
"""

from __future__ import annotations

import enum


class Action(enum.StrEnum):
    """`action_id`s of buttons and selects (and of the type-ahead options they load)."""

    # asking
    ACCOUNT = "account"
    ACTIVITY = "activity"
    REQUEST_ACCOUNT = "request_account"
    CANCEL_REQUEST = "cancel_request"
    # deciding
    APPROVE = "approve"
    DECLINE = "decline"
    APPROVE_OVERRIDE = "approve_override"
    #: the e-mail Approve sends, with the owner's own line and whom to ask (the approval modal)
    PREVIEW = "approve_preview"
    #: approve, the owner asking the advocate in person and recording their answer
    ASK_MYSELF = "approve_ask_myself"
    #: the requester takes back an approved ask that is not done
    WITHDRAW = "withdraw"
    # giving back
    LOG_VALUE = "log_value"
    #: the advocate picker of the modals with an account input (its options: the account's people)
    LOG_ADVOCATE = "log_advocate"
    # the customer's say: the owner records what the advocate said in person
    CONSENT_YES = "consent_yes"
    CONSENT_NOT_THIS_TIME = "consent_not_this_time"
    CONSENT_NOT_FOR_3_MONTHS = "consent_not_for_3_months"
    CONSENT_LESS_OFTEN = "consent_less_often"
    CONSENT_NEVER = "consent_never"
    CONSENT_SOMEONE_ELSE = "consent_someone_else"
    # closing the loop
    DONE = "followup_done"
    FELL_THROUGH = "followup_fell_through"
    # giving first: offers and their seats
    NEW_OFFER = "new_offer"
    EDIT_OFFER = "edit_offer"
    CLOSE_OFFER = "close_offer"
    OFFER_IT = "offer_it"
    SEAT_YES = "seat_yes"
    SEAT_NO = "seat_no"
    DELIVERED = "seat_delivered"
    RELEASE_SEAT = "seat_release"
    # evidence: a customer's approved words
    EVIDENCE_USE = "evidence_use"
    EVIDENCE_NEW = "evidence_new"
    EVIDENCE_EDIT = "evidence_edit"
    # growing the bench: nominating a contact, and the owner's decision
    NOMINATE = "nominate"
    NOMINATION_INVITE = "nomination_invite"
    NOMINATION_NOT_NOW = "nomination_not_now"
    # coverage: find's answer says nothing fits (a gap's Nominate is the bench's)
    NOTHING_FITS = "nothing_fits"


#: the buttons that decide a request, wherever they are shown
DECISION_ACTIONS = frozenset(
    {Action.APPROVE, Action.DECLINE, Action.APPROVE_OVERRIDE, Action.PREVIEW, Action.ASK_MYSELF}
)
#: the buttons that move an offer's seat, wherever they are shown
SEAT_ACTIONS = frozenset(
    {Action.OFFER_IT, Action.SEAT_YES, Action.SEAT_NO, Action.DELIVERED, Action.RELEASE_SEAT}
)


class View(enum.StrEnum):
    """`callback_id`s of modals."""

    REQUEST = "request_modal"
    DECLINE = "decline_modal"
    OVERRIDE = "override_modal"
    LOG_VALUE = "log_value_modal"
    VALUE_LOGGED = "value_logged"
    ADJUST = "adjust_modal"
    ADJUSTED = "balance_adjusted"
    DONE = "followup_done_modal"
    FELL_THROUGH = "followup_fell_through_modal"
    NOTICE = "notice"
    OFFER = "offer_modal"
    OFFER_SAVED = "offer_saved"
    #: the owner approves with a choice: whom to ask (a request that named nobody, or another
    #: person), their own line in the e-mail (**Preview**), or asking in person
    PICK_ADVOCATE = "pick_advocate_modal"
    #: **Offer it** for an account with several advocates: whom the seat is offered to
    OFFER_ADVOCATE = "offer_advocate_modal"
    #: **Use this**: for which deal and where; answered with the words to copy
    EVIDENCE_USE = "evidence_use_modal"
    EVIDENCE_USED = "evidence_used"
    #: an admin drafts (or changes) a customer's words for them to approve
    EVIDENCE_DRAFT = "evidence_draft_modal"
    EVIDENCE_DRAFTED = "evidence_drafted"
    #: `/reference nominate`, **Nominate**: a contact proposed as an advocate
    NOMINATE = "nominate_modal"
    #: **Not now** on a nomination: the reason the nominator reads
    NOMINATION_NOT_NOW = "nomination_not_now_modal"
    #: **Nothing fits**: what the prospect needed
    NOTHING_FITS = "nothing_fits_modal"
