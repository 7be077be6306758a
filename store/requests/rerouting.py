"""Who decides a request still waiting for a decision, when its decider changes: the admins, when
the owner cannot be reached in Slack (left, deactivated); the account's new owner, when an import
says the account changed hands. Either way the messages already sent about it are rewritten, and
an admin already owed an override DM about it gets that one, never a second DM with buttons.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from store.db import Database
from store.models import Delivery, ReferenceRequest, RequestStatus
from store.outbox import rewrites
from store.outbox.kinds import DeliveryKind
from store.requests.asking import owe_decision, request_or_gone


def reroute_to_admins(
    db: Database, request_id: int, unreachable: str, admins: frozenset[str], now: dt.datetime
) -> tuple[str, ...]:
    """The decider cannot be reached in Slack (left, deactivated): the admins decide instead.

    An admin owed an override DM about the request gets that one as their decision DM (it shows
    the buttons whenever the admins decide): posted already, it stays; not posted, it is rendered
    afresh. Owing them a second DM could post both.
    """
    with db.transaction() as session:
        request = request_or_gone(session, request_id)
        if request.status != RequestStatus.PENDING:
            return ()
        if request.decider_id == unreachable:
            request.decider_id = None
        overrides = {
            row.recipient: row.key
            for row in session.execute(
                select(Delivery.recipient, Delivery.key).where(
                    Delivery.request_id == request.id, Delivery.kind == DeliveryKind.OVERRIDE_REQUEST
                )
            )
        }
        keys = [
            _owe_buttons(session, request, admin, overrides.get(admin), now)
            for admin in sorted(admins - {unreachable})
        ]
        return (
            *keys,
            rewrites.owe_rewrite(session, request.id, request.requester_id, f"rerouted:{unreachable}", now),
        )


def hand_over(db: Database, account_id: int, owner: str, now: dt.datetime) -> tuple[str, ...]:
    """The account's owner in Slack is now `owner` (an import just committed it): its requests
    waiting for a decision are theirs to decide and are owed their decision DM, and what was sent
    about them is rewritten (the previous owner's buttons then refuse, naming who decides). A new
    owner who is an admin already owed an override DM about a request gets that one (rendered
    afresh, or as posted), not a second. Before, those requests waited for the 48-hour escalation.

    Its own short transaction, after the import's: a decision clicked meanwhile is not held
    behind a whole file's import."""
    with db.transaction() as session:
        overrides = {
            request_id: key
            for request_id, key in session.execute(
                select(Delivery.request_id, Delivery.key).where(
                    Delivery.kind == DeliveryKind.OVERRIDE_REQUEST, Delivery.recipient == owner
                )
            )
        }
        waiting = select(ReferenceRequest).where(
            ReferenceRequest.account_id == account_id,
            ReferenceRequest.status == RequestStatus.PENDING,
            or_(ReferenceRequest.decider_id.is_(None), ReferenceRequest.decider_id != owner),
        )
        keys: list[str] = []
        for request in session.scalars(waiting.with_for_update()):
            request.decider_id = owner
            keys.append(_owe_buttons(session, request, owner, overrides.get(request.id), now))
            keys.append(
                rewrites.owe_rewrite(session, request.id, request.requester_id, f"owner:{owner}", now)
            )
        return tuple(keys)


def _owe_buttons(
    session: Session, request: ReferenceRequest, person: str, override: str | None, now: dt.datetime
) -> str:
    """`person`'s DM with the buttons: the override DM they were owed about it (`override`, its
    key), rendered afresh or kept as posted; else a decision DM."""
    if override is None:
        return owe_decision(session, request, person, now)
    rewrites.render_again(session, key=override, now=now)
    return override
