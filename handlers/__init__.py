"""The Slack surface: one module per surface, wired here in one place.

Each surface with listeners has `register(app, desk)`; the words of `/reference` are mapped to
the surfaces that answer them here too, so a new sub-command is one line in this file. So is
each delivery kind's renderer, in one explicit map (not decorators run at import time, where a
module nobody imported meant a kind nobody could send).
"""

from __future__ import annotations

from slack_bolt import App

from handlers import (
    adjust,
    commands,
    customer_say,
    decision_outbox,
    decisions,
    dedupe,
    digest,
    digest_fairness,
    errors,
    find,
    followups,
    giveback,
    home,
    offers,
    requests,
    sanitize,
    status,
)
from handlers.delivery import Renderers, Route
from handlers.desk import Desk
from store.outbox.kinds import DeliveryKind

#: `/reference WORD ...` → the surface that answers it
SUBCOMMANDS: dict[str, commands.SubCommand] = {
    "help": commands.help_command,
    "find": find.answer_find,
    "status": status.answer_status,
    "log": giveback.log_command,
    "adjust": adjust.adjust_command,
    "offer": offers.offer_command,
    "offers": offers.offers_command,
    "give": offers.give_command,
}


def renderers() -> Renderers:
    """Every Slack delivery kind → its renderer, and the fallback of those that have someone to tell.

    The e-mail kinds (`MAIL_KINDS`) are sent by `handlers.mail_delivery` instead."""
    return {
        DeliveryKind.DECISION_REQUEST: Route(
            decision_outbox.render_decision_request, decision_outbox.decider_unreachable
        ),
        DeliveryKind.CONFIRMATION: Route(decision_outbox.render_confirmation),
        DeliveryKind.OUTCOME: Route(decision_outbox.render_outcome),
        DeliveryKind.REFRESH: Route(decision_outbox.render_refresh),
        DeliveryKind.SLA_REMINDER: Route(followups.render_sla_reminder),
        DeliveryKind.SLA_ESCALATION: Route(followups.render_sla_escalation),
        DeliveryKind.FOLLOWUP: Route(followups.render_followup),
        DeliveryKind.FOLLOWUP_REMINDER: Route(followups.render_followup_reminder),
        DeliveryKind.FOLLOWUP_CLOSED: Route(followups.render_followup_closed),
        DeliveryKind.NUDGE: Route(giveback.render_nudge),
        DeliveryKind.LOGGED: Route(giveback.render_logged),
        DeliveryKind.ADJUSTED: Route(adjust.render_adjusted),
        DeliveryKind.ADJUSTMENT_NOTICE: Route(adjust.render_adjustment_notice),
        DeliveryKind.DIGEST: Route(digest.render_digest, digest.digest_channel_unreachable),
        DeliveryKind.DIGEST_CHANNEL_HELP: Route(digest.render_channel_help),
        DeliveryKind.HOME_REFRESH: Route(home.render_home_refresh),
        DeliveryKind.OFFER_SEAT: Route(offers.render_seat),
        DeliveryKind.OFFER_SEAT_REFRESH: Route(offers.render_seat_refresh),
        DeliveryKind.DIGEST_CHART: Route(digest_fairness.render_digest_chart),
        DeliveryKind.CONSENT_ASK: Route(customer_say.render_consent_ask),
        DeliveryKind.CONSENT_ANSWERED: Route(customer_say.render_consent_answered),
    }


def register_all(app: App, desk: Desk) -> None:
    errors.register(app)
    sanitize.register(app)
    dedupe.register(app, desk)
    commands.register(app, desk, SUBCOMMANDS, fallback=requests.ask)
    requests.register(app, desk)
    decisions.register(app, desk)
    giveback.register(app, desk)
    adjust.register(app, desk)
    followups.register(app, desk)
    home.register(app, desk)
    offers.register(app, desk)
    customer_say.register(app, desk)
