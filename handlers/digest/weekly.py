"""The weekly digest in the program channel, and what happens when the app is not in that channel.

The builders are pure: the same `Digest` renders as Block Kit for Slack and as plain text for
`refdesk digest --dry-run`. Lists are cut at `LIST_MAX` lines with "and N more", so a busy week
can never push the message past Slack's 50 blocks or 3,000 characters a section.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from handlers.coverage.in_digest import coverage_blocks, coverage_now
from handlers.digest.evidence import thanks_blocks
from handlers.digest.fairness import fairness_blocks, fairness_for
from handlers.digest.funnel import FUNNEL_TITLE, funnel_lines
from handlers.digest.outcomes import outcome_lines
from handlers.digest.words import week_of
from handlers.kit.blocks import Block, context, duration, escape, fields, header, section, user
from handlers.kit.desk import Desk
from handlers.kit.people import name_of
from handlers.outbox.messages import Outgoing
from store.digest import claims, weekly
from store.digest.weekly import Digest
from store.outbox.payloads import ChannelHelpPayload, DigestPayload
from store.outbox.queue import DeliveryJob
from store.periods import Period
from store.rules.policy import points

log = logging.getLogger(__name__)

LIST_MAX = 10


def title(period: Period) -> str:
    return f"Reference program — {week_of(period)}"


def figures(d: Digest) -> list[tuple[str, str]]:
    return [
        ("Opened", str(d.opened)),
        ("Approved", str(d.approved)),
        ("Declined", str(d.declined)),
        ("Cancelled", str(d.cancelled)),
        ("Still pending", f"{d.pending} ({len(d.overdue)} overdue)"),
        ("Median time to decision", duration(d.median_decision)),
        ("Value delivered", points(d.value_delivered, signed=True)),
        *([("Activities", d.ratings)] if d.ratings else []),
    ]


Who = Callable[[str | None], str]


def _lists(d: Digest, now: dt.datetime, who: Who, esc: Callable[[str], str]) -> list[tuple[str, list[str]]]:
    """The digest's named lists (title, lines), each cut with "and N more"."""

    def cut(lines: list[str]) -> list[str]:
        return lines[:LIST_MAX] + ([f"…and {len(lines) - LIST_MAX} more"] if len(lines) > LIST_MAX else [])

    overdue = [
        f"• {esc(o.account_name)}: asked by {who(o.requester_id)} {duration(now - o.created_at)} ago, "
        f"{who(o.decider_id)} {'decides' if o.decider_id else 'decide'}"
        for o in d.overdue
    ]
    low = [
        f"• {esc(a.name)}: balance {points(a.balance)}"
        + (" (over-asked)" if a.balance < 0 else "")
        + f", owner {who(a.owner_id)}"
        for a in d.low_accounts
    ]
    givers = [
        f"• {who(g.actor_id)}: {points(g.credit, signed=True)} given back "
        f"({g.entries} time{'' if g.entries == 1 else 's'})"
        for g in d.givers
    ]
    return [
        ("⏰ Overdue decisions", cut(overdue)),
        ("🪫 Accounts running low or over-asked", cut(low)),
        ("🙌 Value delivered this week — thank you", cut(givers)),
    ]


def digest_blocks(d: Digest, now: dt.datetime) -> list[Block]:
    blocks = [header(title(d.period)), fields(figures(d))]
    for name, lines in _lists(d, now, lambda u: user(u), escape):
        if lines:
            blocks.append(section(f"*{name}*\n" + "\n".join(lines)))
    if d.funnel is not None:
        blocks.append(
            section(
                f"*{FUNNEL_TITLE} this week*\n" + "\n".join(f"• {line}" for line in funnel_lines(d.funnel))
            )
        )
    blocks.append(outcomes_section(d))
    blocks.append(
        context(
            "Figures for the week; pending, overdue and balances as of now. `/reference status` shows yours."
        )
    )
    return blocks


def named(desk: Desk) -> Who:
    """People by name for a terminal (Slack's names, looked up; "@U123" when Slack cannot say)."""
    return lambda user_id: name_of(desk.people, user_id, f"@{user_id}") if user_id else "the program admins"


def digest_text(d: Digest, now: dt.datetime, who: Who) -> str:
    """The digest for a terminal: aligned figures, then the lists, people by name (`named`)."""
    rows = figures(d)
    width = max(len(label) for label, _ in rows)
    out = [title(d.period), "=" * len(title(d.period)), ""]
    out += [f"{label.ljust(width)}  {value}" for label, value in rows]
    for name, lines in _lists(d, now, who, lambda s: s):
        out += ["", name, *(lines or ["(none)"])]
    if d.funnel is not None:
        out += ["", f"{FUNNEL_TITLE} this week", *funnel_lines(d.funnel)]
    out += ["", OUTCOMES_TITLE, *outcome_lines(d.outcomes, lambda s: s, LIST_MAX)]
    return "\n".join(out)


OUTCOMES_TITLE = "📈 What references did for revenue (quarter to date; open pipeline as of now)"


def outcomes_section(d: Digest) -> Block:
    """The outcome figures (issue 12), one section of their own beside the week's figures."""
    lines = outcome_lines(d.outcomes, escape, LIST_MAX)
    return section(f"*{OUTCOMES_TITLE}*\n" + "\n".join(f"• {line.strip()}" for line in lines))


def digest_for(desk: Desk, period: Period, sla: dt.timedelta) -> Digest:
    return weekly.build_digest(desk.db, desk.policy, period, desk.now(), sla)


def render_digest(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    """Rendered at send time from the figures of now, so a digest delayed by an outage is current."""
    payload = DigestPayload.from_dict(job.data)
    period = Period.of_label(payload.period, desk.tz)
    d = digest_for(desk, period, dt.timedelta(hours=payload.sla_hours))
    text = f"{title(period)}: {d.opened} opened, {d.approved} approved, {d.pending} pending"
    blocks = digest_blocks(d, desk.now())
    # the fairness part, the thanks for customers' words and the coverage part sit above the
    # closing context line
    blocks[-1:-1] = fairness_blocks(fairness_for(desk, period)) + thanks_blocks(desk, period)
    blocks[-1:-1] = coverage_blocks(coverage_now(desk), desk)
    return [Outgoing(text, blocks)]


def digest_channel_unreachable(desk: Desk, job: DeliveryJob, error: str) -> list[str]:
    """The app is not in the program channel (or it is gone): tell the admins how to fix it."""
    payload = DigestPayload.from_dict(job.data)
    log.error(
        "the weekly digest %s could not be posted in channel %s (%s): invite the app to the channel "
        "(/invite @Reference Desk) and run `refdesk digest` again",
        payload.period,
        job.recipient,
        error,
    )
    period = Period.of_label(payload.period, desk.tz)
    return claims.owe_channel_help(desk.db, period, job.recipient, desk.admins, desk.now())


def render_channel_help(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    payload = ChannelHelpPayload.from_dict(job.data)
    channel = payload.channel
    week = week_of(Period.of_label(payload.period, desk.tz))
    text = (
        f"I could not post the weekly reference digest ({week}) in <#{channel}>: "
        "I am not a member of that channel, or it no longer exists."
    )
    how = (
        f"*To fix it:* open <#{channel}> and type `/invite @Reference Desk` (for a private channel, "
        "use the channel's *Integrations → Add apps*), or set `REFDESK_DIGEST_CHANNEL` to a channel "
        "I am in. Then run `refdesk digest` to post this week's digest."
    )
    return [Outgoing(text, [section(text), section(how)])]
