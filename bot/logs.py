"""How a `refdesk` process logs: text for a person (the default) or JSON lines for a machine
(`REFDESK_LOG_FORMAT=json`, python-json-logger), and never a secret either way.

JSON lines carry, besides the time, level, logger and message, the fields of the work the line is
about (`store.logfields`: the delivery key and kind, the job, the Slack payload's kind and the
Slack user), so a log store can filter one delivery's story or one person's clicks. Every line,
traceback included, is scrubbed of the secret values the settings hold (tokens, the signing
secret, link keys, the SMTP and database passwords): a library that prints a URL or a request
cannot leak one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from pythonjsonlogger.json import JsonFormatter

from store import logfields

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
REDACTED = "[redacted]"


class WorkFields(logging.Filter):
    """Puts the fields of the work in hand (`store.logfields`) on each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in logfields.current().items():
            setattr(record, name, value)
        return True


class Scrubbed(logging.Formatter):
    """Another formatter's lines with every secret value replaced by `[redacted]`."""

    def __init__(self, inner: logging.Formatter, secrets: Sequence[str]) -> None:
        super().__init__()
        self.inner = inner
        # the longest first, so a secret containing another is redacted whole
        self.secrets = sorted({secret for secret in secrets if secret}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        line = self.inner.format(record)
        for secret in self.secrets:
            line = line.replace(secret, REDACTED)
        return line


def formatter(log_format: str, secrets: Sequence[str] = ()) -> logging.Formatter:
    inner: logging.Formatter
    if log_format == "json":
        inner = JsonFormatter(JSON_FORMAT, rename_fields={"levelname": "level", "name": "logger"})
    else:
        inner = logging.Formatter(TEXT_FORMAT)
    return Scrubbed(inner, secrets)


def configure(level: int, log_format: str = "text", secrets: Sequence[str] = ()) -> None:
    """The root logger writes to stderr in `log_format`, secrets scrubbed (replacing any earlier
    set-up: the settings, read after the arguments, may change the format)."""
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(log_format, secrets))
    handler.addFilter(WorkFields())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
