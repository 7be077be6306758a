"""What the work on this thread is about — the delivery being sent, the job being run, the Slack
payload being answered and who sent it — for every log line that work writes.

Set where the work starts (`tagged(...)`: the sender per delivery, the scheduler per job, the
server per payload) and read by `bot.logs`, which puts the fields on each log record: JSON logs
(`REFDESK_LOG_FORMAT=json`) show them as fields a machine can filter on. It lives at the bottom
of the store so that every layer can tag its work; it holds nothing but these names.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType

#: the fields, as JSON log lines name them
FIELDS = ("delivery_key", "delivery_kind", "job", "payload_kind", "slack_user")

_current: ContextVar[Mapping[str, str]] = ContextVar("log_fields", default=MappingProxyType({}))


@contextmanager
def tagged(**fields: str | None) -> Iterator[None]:
    """Within the block, log lines carry these fields (those given as None are left as they are)."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown log fields: {sorted(unknown)}")
    merged = {**_current.get(), **{name: value for name, value in fields.items() if value}}
    token = _current.set(MappingProxyType(merged))
    try:
        yield
    finally:
        _current.reset(token)


def current() -> Mapping[str, str]:
    """The fields of the work on this thread (empty outside any `tagged` block)."""
    return _current.get()
