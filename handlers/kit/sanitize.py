"""Text no database can store never gets past the door: NUL bytes and lone UTF-16 surrogates.

JSON may carry `\\u0000` or an unpaired `\\ud800`, a form `%00`; Python decodes them into a `str`,
but PostgreSQL refuses NUL in text and neither driver can encode a lone surrogate, so a search, an
event id, a typed reason or an advocate's note holding one would fail deep in the store (SQLite
would keep the NUL and pass it on). Every way text comes in goes through `storable`: Slack's
payloads here, once, before any listener runs; the advocate's forms as they are read
(`handlers.advocate.web`). That keeps SQLite and PostgreSQL alike and every listener and page
simple. (The CRM imports refuse such a row instead, by line: a file is fixed at its source.)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """`text` without NUL bytes, each lone surrogate replaced by U+FFFD."""
    if not UNSTORABLE.search(text):
        return text
    return UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)


def clean(node: Any) -> Any:
    """`node` with every string cleaned; dicts and lists are cleaned in place (listeners share them)."""
    if isinstance(node, str):
        return storable(node)
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
