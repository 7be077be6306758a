"""A person's data rights on SQLite and PostgreSQL: everything held about them exported (JSON and
CSV), and erased in one transaction — the ledger's sums unchanged, what was owed to them
cancelled, their owner told, a keyed fingerprint that keeps imports and nominations from adding
them again; their words (evidence) exported with them and withdrawn and erased with them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import String, Text, func, select

from store import ledger
from store.accounts import lookup
from store.act import Act
from store.addresses import AddressKey
from store.bench import data_rights, erasure, nominating
from store.bench.nominating import CANNOT_NOMINATE, NominationDraft
from store.customer import ask_view, consent
from store.customer.referrals import Colleague
from store.db import Database
from store.errors import AlreadySettled, Gone, Invalid
from store.evidence import capture
from store.forgotten import NoAddressKey
from store.imports.importer import import_advocates
from store.models import (
    Advocate,
    Base,
    Blackout,
    Consent,
    Delivery,
    DeliveryStatus,
    EntryKind,
    Evidence,
    EvidenceStatus,
    ForgottenAddress,
    LedgerEntry,
    Nomination,
    NominationStatus,
    NpsAnswer,
    Rating,
    ReferenceRequest,
    SeatStatus,
)
from store.offers import catalog, invitations, reserve, seat_changes, seats
from store.offers.catalog import OfferDraft
from store.outbox import queue
from store.outbox.kinds import DeliveryKind
from store.requests import asking, deciding
from store.requests.asking import Draft
from store.rules.policy import Policy
from tests.support import store_seed

OWNER, SELLER = "U0OWNER01", "U0SELLER1"
NOW = store_seed.NOW
KEY = AddressKey(b"test-erasure-key")
JANE = "jane@acme.example"


def act(user: str) -> Act:
    return Act(user, frozenset(), NOW, NOW.date())


def program(db: Database, policy: Policy) -> tuple[int, int, int]:
    """Jane at Acme: asked once (she answered yes, with a note), rated it, set dates off, was
    given a seat, answered the NPS survey, wrote a few words (not approved yet); an e-mail to her
    and an open nomination of her address at another account are still owed."""
    with db.transaction() as session:
        acme = store_seed.account(session, "Acme Corp", "Retail", owner_slack_id=OWNER)
        globex = store_seed.account(session, "Globex", "Retail", owner_slack_id=OWNER)
        jane = store_seed.advocate(session, acme, "Jane Doe", "reference_call;quote")
        row = session.get_one(Advocate, jane)
        row.email, row.title, row.time_zone, row.valued = JANE, "VP Ops", "Europe/Paris", "learning"
        session.add(
            Blackout(
                advocate_id=jane,
                starts_on=dt.date(2026, 12, 1),
                ends_on=dt.date(2026, 12, 5),
                note="close",
                created_at=NOW,
            )
        )
        store_seed.entry(session, acme, EntryKind.ADJUSTMENT, 10, NOW.date())
        session.add(
            NpsAnswer(
                account_id=acme,
                email=JANE,
                name="Jane Doe",
                score=10,
                comment="love it",
                answered_on=NOW.date(),
                imported_at=NOW,
            )
        )
    submitted = asking.submit(
        db,
        policy,
        Draft(
            account_id=acme, activity="reference_call", advocate_id=jane, context="Jane Doe knows their CFO"
        ),
        act(SELLER),
        source_key="view:1",
    )
    rid = submitted.request_id
    deciding.decide(db, policy, rid, act(OWNER), approve=True, consent_mode=consent.EMAIL)
    consent.answer(db, policy, rid, "yes", act(consent.ADVOCATE), note="call me Jane", times="mornings")
    with db.transaction() as session:
        session.add(
            Rating(
                request_id=rid,
                advocate_id=jane,
                rater="advocate",
                score=4,
                comment="Jane enjoyed it",
                created_at=NOW,
            )
        )
        ledger.post(
            session,
            account_id=acme,
            advocate_id=jane,
            kind=EntryKind.GIVE,
            amount=3,
            item="early_access",
            actor_id=OWNER,
            now=NOW,
            occurred_on=NOW.date(),
            note="beta of the new API",
        )
        queue.enqueue(
            session,
            key="rating-mail:test",
            kind=DeliveryKind.RATING_EMAIL,
            recipient=consent.mail_recipient(jane),
            now=NOW,
            request_id=rid,
        )
    capture.share(
        db,
        policy,
        jane,
        "quote",
        "Jane Doe, VP Ops: it halved our close.",
        act(consent.ADVOCATE),
        source_key="w",
    )
    nominating.nominate(
        db,
        policy,
        NominationDraft(globex, "Jane Doe", "VP", JANE, "she knows Globex too"),
        act(SELLER),
        key=KEY,
    )
    return acme, jane, rid


def every_text(db: Database) -> str:
    """Every text value of every table, one blob: where a name must not appear any more."""
    values: list[str] = []
    with db.transaction(readonly=True) as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text) or c.name == "data"]
            for row in session.execute(select(*columns)) if columns else []:
                values += [json.dumps(v) if isinstance(v, dict) else str(v) for v in row if v is not None]
    return "\n".join(values)


def test_the_export_holds_everything_about_them_as_json_and_csv(db: Database, policy: Policy) -> None:
    program(db, policy)

    data = data_rights.of_address(db, policy, " JANE@acme.example", NOW)
    with db.transaction(readonly=True) as session:
        jane_id = session.scalar(select(Advocate.id).where(Advocate.email == JANE))
    assert data_rights.of_advocate(db, policy, jane_id, NOW) == data

    [profile] = data["profile"]
    assert (profile["name"], profile["company"], profile["time_zone"]) == (
        "Jane Doe",
        "Acme Corp",
        "Europe/Paris",
    )
    assert profile["happy_to_do"] == ["Reference call with a prospect", "Written quote / testimonial"]
    assert profile["not_on_these_dates"] == [{"from": "2026-12-01", "to": "2026-12-05", "why": "close"}]
    [ask] = data["asks"]
    assert (ask["your_answer"], ask["your_note"], ask["times_that_suit"]) == (
        "yes",
        "call me Jane",
        "mornings",
    )
    assert "context" not in ask and "Jane Doe knows" not in json.dumps(data), "the internal context stays in"
    assert [r["comment"] for r in data["ratings"]] == ["Jane enjoyed it"]
    assert data["gives"] == [
        {"on": "2026-11-23", "what": "Early access / beta", "what_was_done": "beta of the new API"}
    ]
    assert [n["company"] for n in data["nominations"]] == ["Globex"]
    assert data["survey_answers"][0]["comment"] == "love it"
    [words] = data["your_words"]
    assert (words["text"], words["status"], words["times_used"]) == (
        "Jane Doe, VP Ops: it halved our close.",
        "awaiting",
        0,
    )
    assert json.loads(data_rights.to_json(data)) == data
    rows = list(csv.reader(io.StringIO(data_rights.to_csv(data))))
    assert rows[0] == ["section", "number", "field", "value"]
    assert ["asks", "1", "your_note", "call me Jane"] in rows
    assert ["profile", "1", "not_on_these_dates", "from=2026-12-01 to=2026-12-05 why=close"] in rows
    with pytest.raises(Gone):
        data_rights.of_address(db, policy, "nobody@nowhere.example", NOW)
    with pytest.raises(Invalid):
        data_rights.of_address(db, policy, "not an address", NOW)


def test_a_cell_that_looks_like_a_formula_is_kept_as_text() -> None:
    data = {section: [] for section in data_rights.SECTIONS}
    data["survey_answers"] = [{"comment": '=HYPERLINK("http://x")'}]

    assert "'=HYPERLINK" in data_rights.to_csv(data)


def test_remove_me_erases_them_keeps_the_sums_cancels_what_was_owed_and_tells_the_owner(
    db: Database, policy: Policy
) -> None:
    acme, jane, rid = program(db, policy)
    with db.transaction(readonly=True) as session:
        before = ledger.balance(session, policy.opening_balance, acme)
        entries = session.scalar(select(func.count()).select_from(LedgerEntry))

    done = erasure.forget_advocate(db, jane, key=KEY, now=NOW)

    text = every_text(db)
    assert "Jane" not in text and JANE not in text, "their name and address appear nowhere"
    with db.transaction(readonly=True) as session:
        assert ledger.balance(session, policy.opening_balance, acme) == before
        assert session.scalar(select(func.count()).select_from(LedgerEntry)) == entries
        row = session.get_one(Advocate, jane)
        assert (row.name, row.email, row.activities, row.forgotten_at) == (
            f"Removed advocate {jane}",
            None,
            "",
            NOW,
        )
        assert session.get_one(ReferenceRequest, rid).context == f"Removed advocate {jane} knows their CFO"
        assert session.get_one(Consent, rid).note == ""
        assert session.scalars(select(Blackout)).all() == []
        assert session.scalar(select(NpsAnswer.score)) == 10, "the score stays for the detractor rule"
        [words] = session.scalars(select(Evidence)).all()
        assert (words.status, words.text, words.withdrawn_at) == (EvidenceStatus.WITHDRAWN, "", NOW)
        [nomination] = session.scalars(select(Nomination)).all()
        assert (nomination.status, nomination.email, nomination.why) == (NominationStatus.WITHDRAWN, None, "")
        owed = {d.key: d.status for d in session.scalars(select(Delivery))}
        assert session.scalar(select(ForgottenAddress.fingerprint)) == KEY.fingerprint(JANE)
    assert owed["rating-mail:test"] == DeliveryStatus.CANCELLED
    assert owed[f"advocate-removed:{jane}"] == DeliveryStatus.PENDING
    assert done.delivery_keys[0] == f"advocate-removed:{jane}" and done.cancelled >= 1
    with pytest.raises(Gone):
        erasure.forget_advocate(db, jane, key=KEY, now=NOW)


def test_a_request_still_waiting_that_named_them_names_nobody_and_its_messages_are_rewritten(
    db: Database, policy: Policy
) -> None:
    acme, jane, approved = program(db, policy)
    with db.transaction() as session:
        sam = store_seed.advocate(session, acme, "Sam Roe", "quote")
    waiting = asking.submit(
        db,
        policy,
        Draft(account_id=acme, activity="quote", advocate_id=jane),
        act(SELLER),
        source_key="view:2",
    ).request_id

    done = erasure.forget_advocate(db, jane, key=KEY, now=NOW)

    with db.transaction(readonly=True) as session:
        still = session.get_one(ReferenceRequest, waiting)
        assert (still.status, still.advocate_id) == ("pending", None)
        assert session.get_one(ReferenceRequest, approved).advocate_id == jane, "what was asked stays"
    assert f"refresh:{waiting}:removed:{jane}" in done.delivery_keys
    assert f"refresh:{approved}:removed:{jane}" in done.delivery_keys, "what was sent names them no more"
    with pytest.raises(Invalid):  # nobody is named: the owner picks someone who can be asked
        deciding.decide(db, policy, waiting, act(OWNER), approve=True)
    assert (
        deciding.decide(db, policy, waiting, act(OWNER), approve=True, advocate_id=sam).status == "approved"
    )


def test_an_ask_of_someone_removed_can_be_neither_answered_nor_reminded_of_and_its_link_leads_nowhere(
    db: Database, policy: Policy
) -> None:
    with db.transaction() as session:
        acme = store_seed.account(session, "Acme Corp", "Retail", owner_slack_id=OWNER)
        jane = store_seed.advocate(session, acme, "Jane Doe", "reference_call")
        session.get_one(Advocate, jane).email = JANE
    draft = Draft(account_id=acme, activity="reference_call", advocate_id=jane)
    rid = asking.submit(db, policy, draft, act(SELLER), source_key="v").request_id
    deciding.decide(db, policy, rid, act(OWNER), approve=True, consent_mode=consent.EMAIL)
    with db.transaction(readonly=True) as session:
        link = session.get_one(ReferenceRequest, rid).public_id
    assert ask_view.view_by_public_id(db, policy, link, NOW.date()).open  # asked by e-mail, waiting

    erasure.forget_advocate(db, jane, key=KEY, now=NOW)

    with pytest.raises(Gone):  # the old e-mail's link: nothing to see, nothing to record
        ask_view.view_by_public_id(db, policy, link, NOW.date())
    for who in (consent.ADVOCATE, OWNER):
        with pytest.raises(Gone) as refused:
            consent.answer(db, policy, rid, "yes", act(who), note="call me")
        assert refused.value.why == consent.REMOVED
    week_later = NOW + dt.timedelta(days=7)
    assert consent.owe_reminders(db, now=week_later, after=dt.timedelta(days=3)) == []
    assert consent.fall_back_to_owner(db, rid, NOW) == ()
    assert not ask_view.view(db, policy, rid, NOW.date()).open, "the owner's DMs offer no answer"
    with db.transaction(readonly=True) as session:
        assert session.get_one(Consent, rid).answer is None and session.get_one(Consent, rid).note == ""


def test_a_removed_address_is_not_imported_or_nominated_again(
    db: Database, policy: Policy, tmp_path: Path
) -> None:
    acme, _, _ = program(db, policy)
    erasure.forget_address(db, "Jane@Acme.example", key=KEY, now=NOW)
    advocates = tmp_path / "advocates.csv"
    advocates.write_text(
        "account,name,title,email,activities\n"
        "Acme Corp,Jane Doe,VP Ops,JANE@acme.example,reference_call\n"
        "Acme Corp,Sam Roe,CTO,sam@acme.example,logo\n"
    )

    report = import_advocates(db, advocates, policy, key=KEY)
    again = import_advocates(db, advocates, policy, key=KEY)
    with pytest.raises(Invalid) as refused:
        nominating.nominate(
            db, policy, NominationDraft(acme, "Jane", "", JANE, "great"), act(SELLER), key=KEY
        )
    with pytest.raises(NoAddressKey):
        import_advocates(db, advocates, policy, key=None)

    assert (report.created, report.skipped, report.bad_rows) == (1, 1, [])
    assert report.warnings == ["line 2: skipped: this person asked to be removed from the program"]
    assert (again.created, again.updated, again.skipped) == (0, 1, 1)
    assert refused.value.errors == {"email": CANNOT_NOMINATE}
    assert "Jane" not in every_text(db)


def test_forget_by_address_needs_a_key_and_something_held(db: Database, policy: Policy) -> None:
    program(db, policy)
    with pytest.raises(NoAddressKey):
        erasure.forget_address(db, JANE, key=None, now=NOW)
    with pytest.raises(Gone):
        erasure.forget_address(db, "nobody@nowhere.example", key=KEY, now=NOW)
    done = erasure.forget_address(db, JANE, key=KEY, now=NOW)
    assert (len(done.advocates), done.nominations, done.survey_answers) == (1, 1, 1)


def test_an_advocate_without_an_address_is_erased_alone(db: Database, policy: Policy) -> None:
    with db.transaction() as session:
        acme = store_seed.account(session, "Acme Corp", "Retail")
        pat = store_seed.advocate(session, acme, "Pat Noaddress", "logo")
        other = store_seed.advocate(session, acme, "Other Person", "logo")

    done = erasure.forget_advocate(db, pat, key=None, now=NOW)

    assert done.advocates == (pat,) and done.delivery_keys == (), "no owner in Slack to tell"
    with db.transaction(readonly=True) as session:
        assert session.get_one(Advocate, other).name == "Other Person"
        assert session.scalars(select(ForgottenAddress)).all() == []


def test_a_removed_advocate_drops_out_of_the_lists(db: Database, policy: Policy) -> None:
    acme, jane, _ = program(db, policy)
    erasure.forget_advocate(db, jane, key=KEY, now=NOW)

    assert lookup.advocates_for(db, acme, None) == []
    with pytest.raises(Invalid):
        asking.submit(
            db,
            policy,
            Draft(account_id=acme, activity="quote", advocate_id=jane),
            act(SELLER),
            source_key="view:9",
        )


def test_a_colleague_an_advocate_named_is_exported_and_forgotten_by_their_address(
    db: Database, policy: Policy
) -> None:
    """Wendy never joined: Jane named her on an ask's page ("Someone else would be better"). What
    the program keeps of her is hers to download and to have erased, and her address is then
    refused like any removed person's."""
    with db.transaction() as session:
        acme = store_seed.account(session, "Acme Corp", "Retail", owner_slack_id=OWNER)
        jane = store_seed.advocate(session, acme, "Jane Doe", "reference_call")
        session.get_one(Advocate, jane).email = JANE
    rid = asking.submit(
        db,
        policy,
        Draft(account_id=acme, activity="reference_call", advocate_id=jane),
        act(SELLER),
        source_key="view:1",
    ).request_id
    deciding.decide(db, policy, rid, act(OWNER), approve=True, consent_mode=consent.EMAIL)
    wendy = Colleague("Wendy Wu", "Head of Finance", "Wendy@Acme.example")
    consent.answer(db, policy, rid, "someone_else", act(consent.ADVOCATE), colleague=wendy)

    data = data_rights.of_address(db, policy, "wendy@acme.example", NOW)
    done = erasure.forget_address(db, "wendy@acme.example", key=KEY, now=NOW)

    assert f"refresh:{rid}:colleague-removed" in done.delivery_keys, "the owner's DM naming her rewritten"
    assert data["named_as_colleague"] == [
        {
            "company": "Acme Corp",
            "name": "Wendy Wu",
            "title": "Head of Finance",
            "named_on": NOW.date().isoformat(),
        }
    ]
    assert done.advocates == () and "Wendy" not in every_text(db)
    assert "wendy@acme.example" not in every_text(db)
    with db.transaction(readonly=True) as session:
        assert session.get_one(Advocate, jane).name == "Jane Doe", "who named her stays"
    with pytest.raises(Invalid) as refused:
        nominating.nominate(
            db, policy, NominationDraft(acme, "Wendy Wu", "", "wendy@acme.example", ""), act(SELLER), key=KEY
        )
    assert refused.value.errors["email"] == CANNOT_NOMINATE

    # named again on another ask's page: nothing of her is kept, the owner is told the answer alone
    with db.transaction() as session:
        sam = store_seed.advocate(session, acme, "Sam Roe", "reference_call")
        session.get_one(Advocate, sam).email = "sam@acme.example"
    again = asking.submit(
        db,
        policy,
        Draft(account_id=acme, activity="reference_call", advocate_id=sam),
        act(SELLER),
        source_key="view:2",
    ).request_id
    deciding.decide(db, policy, again, act(OWNER), approve=True, consent_mode=consent.EMAIL)
    named = consent.answer(db, policy, again, "someone_else", act(consent.ADVOCATE), colleague=wendy, key=KEY)

    assert named.changed and not named.referred
    assert f"referral:{again}" not in named.delivery_keys
    assert f"consent-answer:{again}:1:owner" in named.delivery_keys
    assert "Wendy" not in every_text(db) and "wendy@acme.example" not in every_text(db)


def test_remove_me_lets_go_of_the_seats_offered_them(db: Database, policy: Policy) -> None:
    """A seat offered to Jane and not answered yet is released when she is removed: its invitation
    leads nowhere and the seat is someone else's to take. One she accepted stays the account's
    (the owner delivers or releases it). The owner's cards about both are rewritten (pseudonym)."""
    admin = "U0ADMIN01"
    with db.transaction() as session:
        acme = store_seed.account(session, "Acme Corp", "Retail", owner_slack_id=OWNER)
        jane = store_seed.advocate(session, acme, "Jane Doe", "reference_call")
        session.get_one(Advocate, jane).email = JANE
    closes = NOW.date() + dt.timedelta(days=30)
    manager, owner = Act(admin, frozenset({admin}), NOW, NOW.date()), act(OWNER)
    spring, summit = (
        catalog.create_offer(db, policy, OfferDraft(title, "early_access", "1", closes, "", "Betas"), manager)
        for title in ("Spring beta", "Summit beta")
    )
    waiting = reserve.offer_it(db, policy, spring.id, acme, owner, invite=True)
    taken = reserve.offer_it(db, policy, summit.id, acme, owner, invite=True)
    seat_changes.answer_from_advocate(db, policy, taken.id, True, email=JANE, now=NOW, today=NOW.date())
    day = NOW.date().isoformat()
    assert data_rights.of_advocate(db, policy, jane, NOW)["offers"] == [
        {"offer": "Spring beta", "invited_on": day, "status": "reserved", "answered_on": None},
        {"offer": "Summit beta", "invited_on": day, "status": "accepted", "answered_on": day},
    ], "what they were invited to is theirs to download"
    csv_rows = list(
        csv.reader(io.StringIO(data_rights.to_csv(data_rights.of_advocate(db, policy, jane, NOW))))
    )
    assert ["offers", "2", "offer", "Summit beta"] in csv_rows, "in the CSV download too"

    done = erasure.forget_advocate(db, jane, key=KEY, now=NOW)

    released, kept = seats.seat(db, policy, waiting.id), seats.seat(db, policy, taken.id)
    assert released is not None and released.status == SeatStatus.RELEASED
    assert kept is not None and kept.status == SeatStatus.ACCEPTED
    assert catalog.get_offer(db, policy, spring.id).seats_left == 1  # type: ignore[union-attr]
    for seat in (waiting, taken):
        assert f"offer_seat_refresh:{seat.id}:removed" in done.delivery_keys
        with pytest.raises(Gone):
            invitations.invitation(db, policy, seat.id, NOW.date())
    with pytest.raises(AlreadySettled):
        seat_changes.answer_from_advocate(db, policy, waiting.id, True, email=JANE, now=NOW, today=NOW.date())
    assert JANE not in every_text(db), "the address they answered from is not kept"
