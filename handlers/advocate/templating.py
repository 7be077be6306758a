"""The Jinja2 templates of the advocate's pages and e-mails (package data: handlers/advocate/templates)."""

from __future__ import annotations

import datetime as dt
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


@cache
def environment() -> Environment:
    """HTML templates escape every value; the plain-text e-mail templates do not need to."""
    env = Environment(
        loader=PackageLoader("handlers.advocate", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["noun"] = noun
    env.filters["a_noun"] = a_noun
    env.filters["long_date"] = long_date
    return env


def long_date(day: dt.date) -> str:
    """A date as the advocate reads it, the one way pages and e-mails write one: "10 December 2026"."""
    return f"{day.day} {day:%B %Y}"


def noun(name: str) -> str:
    """A policy name inside a sentence: "Analyst briefing under NDA" → "analyst briefing under NDA".

    Only the first letter is lowered (and not in an acronym), so "NDA" or "CEO" keep their case.
    """
    return name if name[1:2].isupper() else name[:1].lower() + name[1:]


def a_noun(name: str) -> str:
    """The name with its article: "a reference call with a prospect", "an analyst briefing"."""
    words = noun(name)
    return f"{'an' if words[:1].lower() in 'aeiou' else 'a'} {words}"


def render(name: str, **values: object) -> str:
    return environment().get_template(name).render(**values)
