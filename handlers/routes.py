"""Every delivery kind's route, one entry each: its transport (a `SlackRoute` or a `MailRoute`),
its renderer and, for the kinds with someone to tell when they can never arrive, its fallback.

The sender reads this map from the desk it is handed (`bot.app` puts it there) and imports no
surface; a kind's stored name and payload type are the store's (`store.outbox.kinds`). One
explicit map, not decorators run at import time, where a module nobody imported meant a kind
nobody could send; a test fails when a kind has no route.
"""

from __future__ import annotations

from handlers.accounts import adjust
from handlers.advocate import evidence_mails, mails
from handlers.bench import decide
from handlers.coverage import gaps, in_digest, nothing_fits
from handlers.digest import fairness, weekly
from handlers.giveback import log_value, nudge
from handlers.home import tab
from handlers.kit.desk import Desk
from handlers.offers import seats
from handlers.outbox.routing import MailRoute, Routes, SlackRoute
from handlers.requests import customer_say, followups, renderers, withdraw
from store.outbox.kinds import DeliveryKind

ROUTES: Routes[Desk] = {
    DeliveryKind.DECISION_REQUEST: SlackRoute(
        renderers.render_decision_request, fallback=renderers.decider_unreachable
    ),
    DeliveryKind.OVERRIDE_REQUEST: SlackRoute(renderers.render_override_request),
    DeliveryKind.CONFIRMATION: SlackRoute(renderers.render_confirmation),
    DeliveryKind.OUTCOME: SlackRoute(renderers.render_outcome),
    DeliveryKind.REFRESH: SlackRoute(renderers.render_refresh),
    DeliveryKind.SLA_REMINDER: SlackRoute(followups.render_sla_reminder),
    DeliveryKind.SLA_ESCALATION: SlackRoute(followups.render_sla_escalation),
    DeliveryKind.FOLLOWUP: SlackRoute(followups.render_followup),
    DeliveryKind.FOLLOWUP_REMINDER: SlackRoute(followups.render_followup_reminder),
    DeliveryKind.FOLLOWUP_CLOSED: SlackRoute(followups.render_followup_closed),
    DeliveryKind.NUDGE: SlackRoute(nudge.render_nudge),
    DeliveryKind.LOGGED: SlackRoute(log_value.render_logged),
    DeliveryKind.ADJUSTED: SlackRoute(adjust.render_adjusted),
    DeliveryKind.ADJUSTMENT_NOTICE: SlackRoute(adjust.render_adjustment_notice),
    DeliveryKind.DIGEST: SlackRoute(weekly.render_digest, fallback=weekly.digest_channel_unreachable),
    DeliveryKind.DIGEST_CHANNEL_HELP: SlackRoute(weekly.render_channel_help),
    DeliveryKind.DIGEST_CHART: SlackRoute(fairness.render_digest_chart),
    DeliveryKind.HOME_REFRESH: SlackRoute(tab.render_home_refresh),
    DeliveryKind.OFFER_SEAT: SlackRoute(seats.render_seat),
    DeliveryKind.OFFER_SEAT_REFRESH: SlackRoute(seats.render_seat_refresh),
    DeliveryKind.CONSENT_ASK: SlackRoute(customer_say.render_consent_ask),
    DeliveryKind.CONSENT_ANSWERED: SlackRoute(customer_say.render_consent_answered),
    DeliveryKind.CONSENT_EMAIL: MailRoute(mails.compose_ask, fallback=mails.ask_owner_instead),
    DeliveryKind.RATING_EMAIL: MailRoute(mails.compose_rating),
    DeliveryKind.OFFER_INVITE: MailRoute(mails.compose_invitation, fallback=mails.invitation_to_owner),
    DeliveryKind.EVIDENCE_APPROVAL: MailRoute(evidence_mails.compose_approval),
    DeliveryKind.EVIDENCE_RENEWAL: MailRoute(evidence_mails.compose_renewal),
    DeliveryKind.NOMINATION_DECISION: SlackRoute(decide.render_decision),
    DeliveryKind.NOMINATION_REFRESH: SlackRoute(decide.render_refresh),
    DeliveryKind.NOMINATION_NEWS: SlackRoute(decide.render_news),
    DeliveryKind.NOMINATION_INVITE: MailRoute(
        mails.compose_join_invitation, fallback=mails.join_invitation_undeliverable
    ),
    DeliveryKind.ADVOCATE_LINK: MailRoute(mails.compose_fresh_link),
    DeliveryKind.ADVOCATE_REMOVED: SlackRoute(decide.render_removed),
    DeliveryKind.REFERRAL: SlackRoute(customer_say.render_referral),
    DeliveryKind.WITHDRAWN_EMAIL: MailRoute(mails.compose_withdrawn),
    DeliveryKind.WITHDRAWN_NOTICE: SlackRoute(withdraw.render_withdrawn_notice),
    DeliveryKind.NOTHING_FITS: SlackRoute(nothing_fits.render_nothing_fits),
    DeliveryKind.COVERAGE_GAPS: SlackRoute(gaps.render_gap_asks),
    DeliveryKind.COVERAGE_CHART: SlackRoute(in_digest.render_coverage_chart),
}
