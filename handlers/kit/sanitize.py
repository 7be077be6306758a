"""Text no database can store never gets past the door: NUL bytes and lone UTF-16 surrogates.

JSON may carry `\\u0000` or an unpaired `\\ud800`; Python decodes both into a `str`, but PostgreSQL
refuses NUL in text and neither driver can encode a lone surrogate, so a search, an event id or a
typed reason holding one would fail deep in the store. Cleaning every string of the payload once,
before any listener runs, keeps SQLite and PostgreSQL alike and every listener simple.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _clean_text(text: str) -> str:
    return UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)


def clean(node: Any) -> Any:
    """`node` with every string cleaned; dicts and lists are cleaned in place (listeners share them)."""
    if isinstance(node, str):
        return _clean_text(node) if UNSTORABLE.search(node) else node
    if isinstance(node, dict):
        for key, value in node.items():
            node[key] = clean(value)
    elif isinstance(node, list):
        node[:] = [clean(item) for item in node]
    return node


def storable_text(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse:
    clean(body)
    return next()


def register(app: App) -> None:
    app.middleware(storable_text)
