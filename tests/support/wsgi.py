"""Calling the app's WSGI layer in-process, signed as Slack signs: the whole stack, no socket."""

from __future__ import annotations

import io
import urllib.parse
from typing import Any
from urllib.parse import urlencode

from bot.serve.wsgi import SLACK_PATH, SlackWsgi
from tests.support.signing import signed_headers

FORM = "application/x-www-form-urlencoded"


def signed_post(wsgi: SlackWsgi, secret: str, body: str, content_type: str = FORM) -> tuple[int, str]:
    """One signed POST to `/slack/events`; (HTTP status, response body)."""
    raw = body.encode()
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": SLACK_PATH,
        "QUERY_STRING": "",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(raw)),
        "wsgi.input": io.BytesIO(raw),
    }
    for name, value in signed_headers(secret, body, content_type=content_type).items():
        if name != "Content-Type":
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    status: list[str] = []

    def start_response(line: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
        status.append(line)

    chunks = wsgi(environ, start_response)
    try:
        return int(status[0].split()[0]), b"".join(chunks).decode()
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:  # as a WSGI server does once it has written the body (PEP 3333)
            close()


def get(app: Any, path: str) -> tuple[int, str]:
    """One GET of `path` from a WSGI app (e.g. the advocate's pages); (HTTP status, body)."""
    return _call(app, {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": ""})


def post_form(app: Any, path: str, body: bytes) -> tuple[int, str]:
    """One POST of an url-encoded form (`body` as the browser sends it) to `path`; (status, body)."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "CONTENT_TYPE": FORM,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    return _call(app, environ)


def _call(app: Any, environ: dict[str, Any]) -> tuple[int, str]:
    status: list[str] = []

    def start_response(line: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
        status.append(line)

    chunks = app(environ, start_response)
    return int(status[0].split()[0]), b"".join(chunks).decode()


def post_fields(app: Any, path: str, fields: dict[str, str]) -> tuple[int, str]:
    """One form POST of `fields` to `path` of a WSGI app (e.g. the advocate's pages); (HTTP status, body)."""
    return post_form(app, path, urllib.parse.urlencode(fields).encode())


def page(
    app: Any, method: str, path: str, form: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    """One GET or form POST of `path` from a WSGI app: (HTTP status, headers, body)."""
    raw = urlencode(form or {}).encode()
    environ: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": ""}
    if method == "POST":
        environ.update(CONTENT_TYPE=FORM, CONTENT_LENGTH=str(len(raw)), **{"wsgi.input": io.BytesIO(raw)})
    answer: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(line: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
        answer.append((line, headers))

    chunks = app(environ, start_response)
    line, headers = answer[0]
    return int(line.split()[0]), dict(headers), b"".join(chunks).decode()
