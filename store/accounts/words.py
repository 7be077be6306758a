"""The words of a search (`/reference find`, the request modal's search): the activity they name,
the terms left, and how a term matches an account's folded fields — read by `store.accounts.find`
in SQL and in Python alike, so a term matches the same accounts both ways."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Row, or_

from store.models import Account, normalize
from store.rules.policy import Activity, Policy

#: words that carry no meaning in "fintech case study for a bank in emea"
STOP_WORDS = frozenset({"a", "an", "and", "for", "in", "of", "on", "or", "the", "to", "with", "at", "by"})
#: the words used, at most: each is five LIKEs in one OR, and SQLite refuses an expression deeper
#: than 1,000 (a pasted paragraph); twenty words describe any deal
MAX_TERMS = 20


def parse_words(policy: Policy, text: str) -> tuple[tuple[str, ...], Activity | None]:
    """Split `"fintech case study"` into (("fintech",), the case study activity).

    The longest activity name or key found in the text wins, so "video case study" is a video
    case study, not a case study with the word "video". Only the first `MAX_TERMS` distinct words
    count.
    """
    words = normalize(text)
    activity = None
    spans: list[tuple[int, str, Activity]] = []
    for candidate in policy.activities.values():
        for label in {normalize(candidate.name), candidate.key.replace("_", " "), candidate.key}:
            if re.search(rf"(?<!\w){re.escape(label)}(?!\w)", words):
                spans.append((len(label), label, candidate))
    if spans:
        _, label, activity = max(spans, key=lambda span: span[0])
        words = re.sub(rf"(?<!\w){re.escape(label)}(?!\w)", " ", words, count=1)
    terms = tuple(
        dict.fromkeys(word for word in re.split(r"[\s,;/]+", words) if word and word not in STOP_WORDS)
    )[:MAX_TERMS]
    return terms, activity


def like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def term_matches(term: str) -> ColumnElement[bool]:
    pattern = like(term)
    return or_(
        Account.industry_key.like(pattern, escape="\\"),
        Account.name_key.like(pattern, escape="\\"),
        Account.products_key.like(pattern, escape="\\"),
        Account.region_key.like(pattern, escape="\\"),
        Account.segment_key.like(pattern, escape="\\"),
    )


class Named(Protocol):
    """What `named` reads of an account that matched."""

    name: str
    industry: str
    segment: str
    region: str


def named(terms: tuple[str, ...], fits: Sequence[Named]) -> tuple[str, str, str]:
    """The industry, segment and region a search names (`SearchNeed`)."""
    if not fits:
        return " ".join(terms), "", ""
    named = []
    for field in ("industry", "segment", "region"):
        values = [getattr(fit, field) for fit in sorted(fits, key=lambda fit: fit.name.casefold())]
        held = [value for value in values if value and any(term in normalize(value) for term in terms)]
        shared = {normalize(value) for value in values}
        named.append(held[0] if held else values[0] if len(shared) == 1 else "")
    return named[0], named[1], named[2]


def matched(terms: tuple[str, ...], row: Row[Any]) -> tuple[str, ...]:
    """The words an account matched, as `term_matches` matched them (in its folded fields)."""
    haystack = " ".join((row.industry_key, row.name_key, row.products_key, row.region_key, row.segment_key))
    return tuple(term for term in terms if term in haystack)
