"""Plain-text tables for the terminal: every `refdesk` command that prints columns aligns them here."""

from __future__ import annotations

from collections.abc import Sequence


def aligned(head: Sequence[str], rows: Sequence[Sequence[str]], *, left: int = 1) -> list[str]:
    """The head, a rule of dashes, then the rows: each column as wide as its widest cell, the first
    `left` columns flush left (names), the others flush right (figures)."""
    widths = [max(len(row[i]) for row in (head, *rows)) for i in range(len(head))]

    def line(cells: Sequence[str]) -> str:
        padded = [
            c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(padded).rstrip()

    return [line(head), "  ".join("-" * w for w in widths), *(line(row) for row in rows)]
