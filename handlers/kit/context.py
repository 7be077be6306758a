"""How listeners get what they need: one Bolt middleware puts the desk and the act in every
request's context, and Bolt hands each listener (and each later middleware) what it names.

So a listener is a plain module-level function, as in slack-samples' starter template, whose
parameters say what it uses: Bolt's own (`ack`, `body`, `action`, `view`, `respond`, `client`,
...) and ours, `desk` (the program's services, `handlers.kit.desk.Desk`) and `act` (who acts,
now: `store.act.Act`). A test calls one with a desk and an act of its own; nothing is captured
in a closure. This middleware is the only place that holds the desk.

It also hands listeners the desk's own Web API client (`bot.slack_client`: its timeouts, no post
retried inside a call, every call timed for `/metrics`) instead of the plain one Bolt builds for
each request: one workspace, one bot token, so every call the app makes goes through one client.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import BoltContext, BoltResponse

from handlers.kit.desk import Desk

Middleware = Callable[[BoltContext, Callable[[], BoltResponse]], BoltResponse]


def hand_over(desk: Desk) -> Middleware:
    """The middleware that gives every listener `desk` and `act` (the clicking person, now)."""

    def put_in_context(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse:
        context["desk"] = desk
        context["act"] = desk.act(context.user_id or "")
        if desk.client is not None:
            context["client"] = desk.client
        return next()

    return put_in_context
