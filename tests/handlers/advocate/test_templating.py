"""Policy names inside the advocate's sentences: the right article, acronyms kept."""

from __future__ import annotations

import pytest

from handlers.advocate.templating import a_noun, noun


@pytest.mark.parametrize(
    ("name", "with_article"),
    [
        ("Reference call with a prospect", "a reference call with a prospect"),
        ("Analyst briefing under NDA", "an analyst briefing under NDA"),
        ("Early access / beta", "an early access / beta"),
        ("CEO dinner", "a CEO dinner"),
    ],
)
def test_a_policy_name_reads_as_a_noun_in_a_sentence(name: str, with_article: str) -> None:
    assert a_noun(name) == with_article
    assert noun(name) == with_article.split(" ", 1)[1]
