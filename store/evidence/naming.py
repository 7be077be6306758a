"""**Name me as**: the four ways an advocate lets their words be attributed, and the exact words each
gives. The approval page shows every choice as it will read, and the approved one is kept as it
read that day (`Evidence.attributed_as`), so the attribution shown is always the one approved.
"""

from __future__ import annotations

from store.models import NameAs

#: how each choice is put on the approval page, before the words it gives
NAME_AS_WORDS: dict[NameAs, str] = {
    NameAs.NAME_TITLE_COMPANY: "My name, title and company",
    NameAs.TITLE_COMPANY: "My title and company",
    NameAs.COMPANY: "My company only",
    NameAs.ANONYMOUS: "Anonymous",
}


def attribution(name_as: NameAs, *, name: str, title: str, company: str, industry: str) -> str:
    """The attribution as it reads: "Jane Roe, CTO, Acme Health" … "A customer in Healthcare"."""
    if name_as is NameAs.ANONYMOUS:
        return f"A customer in {industry}" if industry else "A customer"
    parts = {
        NameAs.NAME_TITLE_COMPANY: (name, title, company),
        NameAs.TITLE_COMPANY: (title, company),
        NameAs.COMPANY: (company,),
    }[name_as]
    return ", ".join(part for part in parts if part)


def choices(*, name: str, title: str, company: str, industry: str) -> list[tuple[NameAs, str, str]]:
    """Every choice: (its key, how the page puts it, the attribution it gives)."""
    return [
        (key, words, attribution(key, name=name, title=title, company=company, industry=industry))
        for key, words in NAME_AS_WORDS.items()
    ]
