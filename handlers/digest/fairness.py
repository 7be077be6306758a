"""The digest's fairness part and its chart: kept apart from the weekly figures so each can change
alone. Three short lists (the concentration with its trend, the untapped accounts, the customers
who helped) as Block Kit and as plain lines for `--dry-run`, and the chart's upload.
"""

from __future__ import annotations

from collections.abc import Callable

from handlers.digest.chart import concentration_words, draw
from handlers.digest.words import week_of
from handlers.kit.blocks import Block, context, escape, section, user
from handlers.kit.desk import Desk
from handlers.outbox.messages import Outgoing, Upload
from store.digest import fairness
from store.digest.fairness import Fairness
from store.outbox.payloads import DigestPayload
from store.outbox.queue import DeliveryJob
from store.periods import Period
from store.rules.policy import counted, points


def fairness_for(desk: Desk, period: Period) -> Fairness:
    return fairness.fairness(desk.db, desk.policy, period.start, desk.tz)


def _lists(
    f: Fairness, who: Callable[[str | None], str], esc: Callable[[str], str]
) -> list[tuple[str, list[str]]]:
    untapped = [
        f"• {esc(u.name)}: balance {points(u.balance)}, {counted(u.willing_advocates, 'willing advocate')}, "
        f"owner {who(u.owner_id)}"
        for u in f.untapped
    ]
    helped = [
        f"• {esc(h.advocate_name)} ({esc(h.account_name)})" if h.advocate_name else f"• {esc(h.account_name)}"
        for h in f.helpers
    ]
    helped = [f"{line} — {esc(h.activity_name)}" for line, h in zip(helped, f.helpers, strict=True)]
    return [
        ("🙏 Customers who said yes or helped this week — thank you", helped),
        ("🌱 Untapped: healthy accounts never asked", untapped),
    ]


def fairness_blocks(f: Fairness) -> list[Block]:
    """The concentration line, then the customers who helped and the untapped accounts."""
    blocks = [section(f"*⚖️ Spreading the asks*\n{concentration_words(f)}.")]
    for name, lines in _lists(f, lambda u: user(u), escape):
        if lines:
            blocks.append(section(f"*{name}*\n" + "\n".join(lines)))
    return blocks


def fairness_lines(f: Fairness, who: Callable[[str | None], str]) -> list[str]:
    """The same for a terminal (`refdesk digest --dry-run`), people named by `who`."""
    out = ["", "⚖️ Spreading the asks", concentration_words(f) + "."]
    for name, lines in _lists(f, who, lambda s: s):
        out += ["", name, *(lines or ["(none)"])]
    return out


def chart_title(period: Period) -> str:
    return f"Asks vs value given back, 12 weeks to the {week_of(period)}"


def chart_png(desk: Desk, period: Period) -> bytes:
    return draw(fairness_for(desk, period), chart_title(period))


def render_digest_chart(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    """The week's chart as one file in the program channel (uploaded once: it is a delivery)."""
    period = Period.of_label(DigestPayload.from_dict(job.data).period, desk.tz)
    figures = fairness_for(desk, period)
    title = chart_title(period)
    upload = Upload(
        f"reference-program-{period.label}.png", title, draw(figures, title), concentration_words(figures)
    )
    return [Outgoing(title, [context(f"{escape(title)} · {concentration_words(figures)}")], upload=upload)]
