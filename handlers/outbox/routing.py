"""How a delivery kind is sent: its transport (Slack or e-mail, by the route's type), its renderer,
and the fallback that tells someone when it can never arrive.

Each kind has exactly one route, declared in `handlers.routes` and handed to the sender with the
desk (`Desk.routes`): the sender reads routes, it imports no surface. A fallback does not send
anything itself; it returns the keys of the deliveries it owed, and the sender sends them once
the batch at hand is done, so nothing starts a send from inside a send.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from handlers.outbox.messages import Mail, Outgoing
from store.outbox.kinds import DeliveryKind
from store.outbox.queue import DeliveryJob

#: the desk renderers read (`handlers.kit.desk.Desk` in the app)
D = TypeVar("D")

#: what to do when a delivery can never arrive; gets the error, returns the keys it owed
Fallback = Callable[[D, DeliveryJob, str], Sequence[str]]


@dataclass(frozen=True)
class SlackRoute(Generic[D]):
    """Sent to Slack: `render` returns the messages to post or rewrite now (none: nothing to say)."""

    render: Callable[[D, DeliveryJob], list[Outgoing]]
    fallback: Fallback[D] | None = None


@dataclass(frozen=True)
class MailRoute(Generic[D]):
    """Sent by SMTP to the advocate the recipient names (`advocate:<id>`): `compose` returns the
    e-mail now, or None when there is nothing left to ask."""

    compose: Callable[[D, DeliveryJob], Mail | None]
    fallback: Fallback[D] | None = None


Route = SlackRoute[D] | MailRoute[D]
#: every delivery kind → how it is sent
Routes = Mapping[DeliveryKind, Route[D]]
