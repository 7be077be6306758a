"""The customer funnel in words, one wording for the digest and `refdesk report`: asked, answered,
yes, done, time to a yes, the answers by kind, and the asks still waiting after 5 days."""

from __future__ import annotations

from handlers.kit.blocks import duration
from store.customer.consent import ANSWER_WORDS
from store.digest.funnel import UNANSWERED_AFTER, Funnel
from store.models import ConsentAnswer
from store.rules.policy import counted

FUNNEL_TITLE = "🤝 The customer's side"


def funnel_lines(f: Funnel) -> list[str]:
    """The funnel's lines; each rate carries its counts."""
    answered = f" ({f.answered / f.asked:.0%} of those asked)".replace("%", " %") if f.asked else ""
    lines = [
        f"Asked {f.asked} · answered {f.answered} · yes {f.yes} · done {f.done}",
        f"Customers who answered: {counted(f.answered, 'answer')}{answered}",
        f"Time to a yes (median): {duration(f.time_to_yes)}",
    ]
    if f.answers:
        lines.append(
            "Answers: " + " · ".join(f"{ANSWER_WORDS[ConsentAnswer(a)]} {n}" for a, n in f.answers.items())
        )
    days = UNANSWERED_AFTER.days
    lines.append(f"Unanswered after {days} days: {counted(f.unanswered, 'ask')}")
    return lines
