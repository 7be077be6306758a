"""Every delivery kind's route: how the sender renders it, in one explicit map (not decorators
run at import time, where a module nobody imported meant a kind nobody could send)."""

from __future__ import annotations

from handlers.accounts import adjust
from handlers.digest import fairness, weekly
from handlers.giveback import log
from handlers.home import tab
from handlers.offers import commands
from handlers.outbox.sender import Renderers, Route
from handlers.requests import customer_say, followups, renderers
from store.outbox.kinds import DeliveryKind


def routes() -> Renderers:
    """Every Slack delivery kind → its renderer, and the fallback of those that have someone to tell.

    The e-mail kinds (`MAIL_KINDS`) are sent by `handlers.outbox.mail` instead."""
    return {
        DeliveryKind.DECISION_REQUEST: Route(
            renderers.render_decision_request, renderers.decider_unreachable
        ),
        DeliveryKind.CONFIRMATION: Route(renderers.render_confirmation),
        DeliveryKind.OUTCOME: Route(renderers.render_outcome),
        DeliveryKind.REFRESH: Route(renderers.render_refresh),
        DeliveryKind.SLA_REMINDER: Route(followups.render_sla_reminder),
        DeliveryKind.SLA_ESCALATION: Route(followups.render_sla_escalation),
        DeliveryKind.FOLLOWUP: Route(followups.render_followup),
        DeliveryKind.FOLLOWUP_REMINDER: Route(followups.render_followup_reminder),
        DeliveryKind.FOLLOWUP_CLOSED: Route(followups.render_followup_closed),
        DeliveryKind.NUDGE: Route(log.render_nudge),
        DeliveryKind.LOGGED: Route(log.render_logged),
        DeliveryKind.ADJUSTED: Route(adjust.render_adjusted),
        DeliveryKind.ADJUSTMENT_NOTICE: Route(adjust.render_adjustment_notice),
        DeliveryKind.DIGEST: Route(weekly.render_digest, weekly.digest_channel_unreachable),
        DeliveryKind.DIGEST_CHANNEL_HELP: Route(weekly.render_channel_help),
        DeliveryKind.HOME_REFRESH: Route(tab.render_home_refresh),
        DeliveryKind.OFFER_SEAT: Route(commands.render_seat),
        DeliveryKind.OFFER_SEAT_REFRESH: Route(commands.render_seat_refresh),
        DeliveryKind.DIGEST_CHART: Route(fairness.render_digest_chart),
        DeliveryKind.CONSENT_ASK: Route(customer_say.render_consent_ask),
        DeliveryKind.CONSENT_ANSWERED: Route(customer_say.render_consent_answered),
    }
