"""What every evidence module shares: the limits of the words, the one test of "usable today", an
item read under its row lock, and the expiry arithmetic in whole years."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_
from sqlalchemy.orm import Session

from store.errors import Gone, Invalid
from store.links import is_safe_link
from store.models import Evidence, EvidenceStatus

#: the longest words kept: a paragraph or two, and far below what a page's form may carry
TEXT_MAX = 10_000
SOURCE_MAX = 500
NO_LONGER_USABLE = "These words were withdrawn or have expired: they can no longer be used. Nothing changed."


def usable(today: dt.date) -> ColumnElement[bool]:
    """Approved and not yet expired on `today` (the program's day): the one filter every surface
    that shows evidence to a requester reads through, so a withdrawal or an expiry hides an item
    everywhere at once."""
    return and_(Evidence.status == EvidenceStatus.APPROVED, Evidence.expires_on > today)


def is_usable(item: Evidence, today: dt.date) -> bool:
    return item.status == EvidenceStatus.APPROVED and item.expires_on is not None and item.expires_on > today


def get(session: Session, evidence_id: int, *, lock: bool = False) -> Evidence:
    item = session.get(Evidence, evidence_id, with_for_update=lock)
    if item is None:
        raise Gone(f"no evidence {evidence_id}")
    return item


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (29 February → 28 February in a year without one)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def renewal_until(expires_on: dt.date, years: int, today: dt.date, max_years: int) -> dt.date:
    """Where **Renew** takes an expiry: another period from it (from today, once it passed), never
    past the longest approval from today."""
    return min(add_years(max(expires_on, today), years), add_years(today, max_years))


def check_words(text: str, link: str | None, *, needs_link: bool) -> tuple[str, str | None]:
    """The words and link as kept, or `Invalid` naming what is wrong with them."""
    words = text.strip()
    errors = {}
    if not words:
        errors["text"] = "Write the words: a sentence or a figure."
    elif len(words) > TEXT_MAX:
        errors["text"] = f"Keep it under {TEXT_MAX:,} characters (it has {len(words):,})."
    page = (link or "").strip() or None
    if page is not None and not is_safe_link(page):
        errors["link"] = "Enter a full link starting with https://, without spaces or < > |"
    elif page is None and needs_link:
        errors["link"] = "This kind of evidence is a link: enter the page's address."
    if errors:
        raise Invalid(errors)
    return words, page
