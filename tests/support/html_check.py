"""A parser-based accessibility check of a served page: what a screen reader and a phone need.

Checks: a `lang` on <html>, a non-empty <title>, a viewport, exactly one <main>, one <h1>, every
visible form control labelled (a <label for> naming its id), radio buttons inside a <fieldset>
with a <legend>, no <script>. Returns the problems found (empty when the page passes).
"""

from __future__ import annotations

from html.parser import HTMLParser


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lang = ""
        self.title = ""
        self.in_title = False
        self.viewport = False
        self.mains = 0
        self.h1s = 0
        self.scripts = 0
        self.controls: list[tuple[str, str]] = []
        self.label_for: set[str] = set()
        self.fieldsets: list[bool] = []
        self.radios_outside_fieldset = 0
        self.fieldsets_without_legend = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang", "")
        elif tag == "title":
            self.in_title = True
        elif tag == "meta" and a.get("name") == "viewport":
            self.viewport = True
        elif tag == "main":
            self.mains += 1
        elif tag == "h1":
            self.h1s += 1
        elif tag == "script":
            self.scripts += 1
        elif tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        elif tag == "fieldset":
            self.fieldsets.append(False)
        elif tag == "legend" and self.fieldsets:
            self.fieldsets[-1] = True
        elif tag in ("input", "textarea", "select") and a.get("type") not in ("hidden", "submit"):
            self.controls.append((a.get("name", "?"), a.get("id", "")))
            if a.get("type") == "radio" and not self.fieldsets:
                self.radios_outside_fieldset += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag == "fieldset" and self.fieldsets and not self.fieldsets.pop():
            self.fieldsets_without_legend += 1

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data


def problems(html: str) -> list[str]:
    page = _Page()
    page.feed(html)
    page.close()
    found = []
    if not page.lang:
        found.append("<html> has no lang")
    if not page.title.strip():
        found.append("no <title>")
    if not page.viewport:
        found.append("no viewport meta (not readable on a phone)")
    if page.mains != 1:
        found.append(f"{page.mains} <main> landmarks, not 1")
    if page.h1s != 1:
        found.append(f"{page.h1s} <h1>, not 1")
    if page.scripts:
        found.append("the page has <script>")
    for name, control_id in page.controls:
        if not control_id or control_id not in page.label_for:
            found.append(f"control {name!r} has no <label for>")
    if page.radios_outside_fieldset:
        found.append("radio buttons outside a <fieldset>")
    if page.fieldsets_without_legend:
        found.append("a <fieldset> without a <legend>")
    return found
