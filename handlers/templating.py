"""The Jinja2 templates of the advocate's pages and e-mails (package data: handlers/templates)."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


@cache
def environment() -> Environment:
    """HTML templates escape every value; the plain-text e-mail templates do not need to."""
    return Environment(
        loader=PackageLoader("handlers", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, **values: object) -> str:
    return environment().get_template(name).render(**values)
