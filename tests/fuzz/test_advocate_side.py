"""The advocate's side, fuzzed like Slack's: whatever a browser may post to the answer and rating
pages — NUL bytes, lone surrogates, bytes that are not UTF-8, hostile and very long text, any
answer — through the real WSGI layer; and hostile names, brought in by the CRM import, in the
e-mails that carry them. Never a 5xx or a traceback, nothing unstorable stored, people's text
never markup or a header of its own."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st
from sqlalchemy import select

from handlers.advocate.pages import ANSWER, RATE
from handlers.outbox.sender import deliver
from handlers.outbox.smtp import Mailer, SmtpServer
from store.customer import consent
from store.imports.importer import import_advocates
from store.imports.rows import ImportFileError
from store.models import Advocate, Consent, ConsentAnswer, Rating, ReferenceRequest
from store.requests import asking, deciding
from store.requests.asking import Draft
from tests.fuzz.checks import assert_polite
from tests.fuzz.conftest import examples
from tests.fuzz.harness import ADMIN, SELLER, Harness
from tests.fuzz.strategies import text
from tests.support.mailbox import Mailbox, html_part, text_part

pytestmark = pytest.mark.fuzz

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
ANSWERS = [*(str(a) for a in ConsentAnswer), "", "maybe", "yes\x00", "YES"]
SCORES = ["1", "3", "5", "0", "6", "", "x", "\x00", "５"]
ADDRESS = "fuzz.advocate@acme.example"


def form(fields: dict[str, str]) -> bytes:
    """Url-encoded as a browser sends it; a lone surrogate as the bytes it would be (not UTF-8)."""
    return "&".join(
        urllib.parse.quote_plus(name.encode("utf-8", "surrogatepass"))
        + "="
        + urllib.parse.quote_plus(value.encode("utf-8", "surrogatepass"))
        for name, value in fields.items()
    ).encode()


@given(
    page=st.sampled_from([ANSWER, RATE]),
    answer=st.sampled_from(ANSWERS),
    score=st.sampled_from(SCORES),
    note=text(),
    times=text(),
    raw=st.booleans(),
)
@settings(max_examples=examples(80))
def test_whatever_a_browser_posts_to_the_advocate_s_pages_gets_a_page_and_stores_only_text(
    harness: Harness, page: object, answer: str, score: str, note: str, times: str, raw: bool
) -> None:
    harness.refresh_slots()
    request_id = harness.slots["approved"]
    links = harness.desk.links
    assert links is not None and page in (ANSWER, RATE)
    purpose = page.purpose  # type: ignore[attr-defined]
    with harness.db.transaction(readonly=True) as session:
        key = session.get_one(ReferenceRequest, request_id).public_id  # what the e-mail's link carries
    token = links.token(purpose, key)
    fields = {
        "csrf": links.csrf(token),
        "answer": answer,
        "score": score,
        "note": note,
        "times": times,
        "comment": note,
    }
    # `raw`: the note's bytes as they are (a broken browser), not percent-escaped
    body = form(fields) + (b"&note=" + note.encode("utf-8", "surrogatepass") if raw else b"")

    outcome = harness.send(body, path=f"/{purpose}/{key}/{token}")

    assert_polite(outcome)
    assert outcome.status in (200, 400, 409, 429), outcome.report()
    with harness.db.transaction(readonly=True) as session:
        said = session.get(Consent, request_id)
        comments = session.scalars(select(Rating.comment).where(Rating.request_id == request_id)).all()
    stored = [said.note, said.times] if said is not None else []
    assert not [value for value in [*stored, *comments] if UNSTORABLE.search(value)], stored


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox().start()
    yield box
    box.stop()


def advocates_file(path: Path, name: str, title: str) -> Path:
    """A CRM export of one advocate, written as the CRM would (lone surrogates as their bytes)."""
    lines = io.StringIO()
    writer = csv.writer(lines)
    writer.writerow(["account", "name", "title", "email", "activities"])
    writer.writerow(["Acme Corp", name, title, ADDRESS, "reference_call"])
    path.write_bytes(lines.getvalue().encode("utf-8", "surrogatepass"))
    return path


@given(name=text(), title=text())
@settings(max_examples=examples(30))
def test_hostile_names_the_import_lets_in_reach_the_e_mail_as_text_never_markup_or_headers(
    harness: Harness, mailbox: Mailbox, tmp_path_factory: pytest.TempPathFactory, name: str, title: str
) -> None:
    path = advocates_file(tmp_path_factory.mktemp("crm") / "advocates.csv", name, title)
    try:
        imported = import_advocates(harness.db, path, harness.desk.policy)
    except ImportFileError as refused:  # not UTF-8 (a lone surrogate): the file is refused by line
        assert "line 2" in str(refused)
        return
    if imported.bad_rows:  # a NUL byte, a name too long or empty: refused by line, nothing written
        note(f"refused: {imported.bad_rows}")
        assert imported.bad_rows[0].startswith("line 2: ")
        return
    with harness.db.transaction(readonly=True) as session:
        advocate = session.scalars(select(Advocate).where(Advocate.email == ADDRESS)).one()
        kept_name = advocate.name
    submitted = asking.submit(
        harness.db,
        harness.desk.policy,
        Draft(account_id=harness.accounts["Acme Corp"], activity="reference_call", advocate_id=advocate.id),
        harness.desk.act(SELLER),
        source_key=f"fuzz-mail:{len(mailbox.messages)}:{hash((name, title))}",
    )
    deciding.decide(
        harness.db,
        harness.desk.policy,
        submitted.request_id,
        harness.desk.act(ADMIN),
        approve=True,
        override_reason="fuzz set-up",
        consent_mode=consent.EMAIL,
    )
    mailing = dataclasses.replace(
        harness.desk,
        mailer=Mailer(SmtpServer("127.0.0.1", mailbox.port, "smtp"), "Reference Desk <refdesk@example.com>"),
        consent_mode=consent.EMAIL,
        executor=None,
    )
    before = len(mailbox.messages)

    assert deliver(mailing, [f"consent-mail:{submitted.request_id}"]) == 1
    mail = mailbox.wait_for(before + 1)[-1]

    assert [a.addr_spec for a in mail["To"].addresses] == [ADDRESS]
    assert "\n" not in str(mail["Subject"]) and "\n" not in str(mail["To"])
    assert set(mail.keys()) <= {
        "From",
        "To",
        "Subject",
        "Message-ID",
        "Reply-To",
        "Content-Type",
        "MIME-Version",
    }
    html = html_part(mail)
    if "<" in kept_name:
        assert kept_name not in html, "the name reached the HTML unescaped"
    assert "<script" not in html.lower()
    assert text_part(mail)
