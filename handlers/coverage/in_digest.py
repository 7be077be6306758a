"""The digest's coverage part: the window in one sentence and the five largest gaps in words, as
Block Kit and as lines for `refdesk digest --dry-run`; and the heat map's weekly upload beside the
digest. A part of its own, so the digest's other parts change without touching it."""

from __future__ import annotations

import datetime as dt

from handlers.coverage.chart import draw, title
from handlers.coverage.words import gap_sentences, summary
from handlers.kit.blocks import Block, context, escape, section
from handlers.kit.desk import Desk
from handlers.outbox.messages import Outgoing, Upload
from store.coverage.figures import DEFAULT_DAYS, Coverage, coverage
from store.outbox.payloads import DigestPayload
from store.outbox.queue import DeliveryJob
from store.periods import Period

HEADING = "🧭 Where we are short"


def coverage_now(desk: Desk) -> Coverage:
    """The program's coverage over the default window, cut the policy's way."""
    today = desk.today()
    since = today - dt.timedelta(days=DEFAULT_DAYS)
    return coverage(desk.db, desk.policy, since=since, today=today, tz=desk.tz)


def coverage_blocks(cover: Coverage, desk: Desk) -> list[Block]:
    gaps = gap_sentences(cover, desk.policy, escape)
    lines = "\n".join(gaps) if gaps else "No gap: every need in the window was filled or can still be."
    return [section(f"*{HEADING}*\n{summary(cover)}.\n{lines}")]


def coverage_lines(cover: Coverage, desk: Desk) -> list[str]:
    """The same for a terminal."""
    return ["", HEADING, summary(cover) + ".", *(gap_sentences(cover, desk.policy, str) or ["(no gap)"])]


def render_coverage_chart(desk: Desk, job: DeliveryJob) -> list[Outgoing]:
    """The heat map as one file in the program channel, once a week (it is a delivery)."""
    period = Period.of_label(DigestPayload.from_dict(job.data).period, desk.tz)
    cover = coverage_now(desk)
    heading = title(cover, desk.policy)
    words = summary(cover)
    upload = Upload(f"coverage-{period.label}.png", heading, draw(cover, desk.policy, heading), words)
    return [Outgoing(heading, [context(f"{escape(heading)} · {escape(words)}")], upload=upload)]
