"""Evidence in the store, on both databases: approval of the exact text, an edit that needs a new
approval, one use per click (and never a ledger entry), expiry on the program's calendar, renewal,
withdrawal, the erasure that withdraws everything, and a request withdrawn in favour of words."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo

import pytest
from sqlalchemy import func, select

from store.act import Act
from store.bench import their_words
from store.coverage import outcomes
from store.customer.consent import ADVOCATE
from store.db import Database
from store.errors import AlreadySettled, Changed, Gone, Invalid, NotAllowed
from store.evidence import approval, capture, expiry, figures, library, use, view
from store.evidence.approval import Approval
from store.evidence.capture import EvidenceDraft
from store.evidence.use import UseDraft
from store.models import (
    Account,
    AccountStatus,
    Advocate,
    Consent,
    ConsentAnswer,
    Delivery,
    Evidence,
    EvidenceStatus,
    EvidenceUse,
    LedgerEntry,
    ReferenceRequest,
)
from store.rules.policy import Policy
from tests.support import store_seed as seed

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
ADMIN, SELLER, OTHER = "U0ADMIN01", "U0SELLER1", "U0OTHER01"
ADMINS = frozenset({ADMIN})
SALES_ONLY = Approval(("sales",), "name_title_company", 2)


def act(user: str, now: dt.datetime = NOW, today: dt.date | None = None) -> Act:
    return Act(user, ADMINS, now, today or now.date())


def acme(db: Database) -> tuple[int, int]:
    """Acme Health (healthcare, EMEA) and its CTO Jane Roe, who has an e-mail address."""
    with db.transaction() as session:
        account = seed.account(session, "Acme Health", "Healthcare", region="EMEA", products="Payments")
        jane = seed.advocate(session, account, "Jane Roe", "reference_call;quote")
        person = session.get_one(Advocate, jane)
        person.title, person.email = "CTO", "jane@acme.example"
    return account, jane


def approved(
    db: Database, policy: Policy, jane: int, text: str = "It halved our close time.", **how: object
) -> int:
    """Jane's own words, written on her page and approved there."""
    item = capture.share(
        db, policy, jane, "quote", text, act(ADVOCATE), source_key=f"words:{jane}:{text[:40]}"
    )
    approval.approve(db, policy, item, 1, dataclasses.replace(SALES_ONLY, **how), act(ADVOCATE))
    return item


def found(db: Database, policy: Policy, words: str, today: dt.date = TODAY) -> list[int]:
    return [item.id for item in library.search(db, policy, words, today).items]


def row(db: Database, evidence_id: int) -> Evidence:
    with db.transaction() as session:
        item = session.get_one(Evidence, evidence_id)
        session.expunge(item)
        return item


def test_written_words_are_shown_to_nobody_until_the_advocate_approves_the_exact_text(
    db: Database, policy: Policy
) -> None:
    account, jane = acme(db)
    item = capture.share(
        db, policy, jane, "quote", "  It halved our close time.  ", act(ADVOCATE), source_key="k1"
    )
    assert row(db, item).status == EvidenceStatus.AWAITING
    assert found(db, policy, "healthcare") == []
    assert library.for_ask(db, policy, account, "reference_call", TODAY) == []

    approval.approve(
        db,
        policy,
        item,
        1,
        Approval(("website", "sales"), "name_title_company", 3),
        act(ADVOCATE, today=TODAY),
    )
    [hit] = library.search(db, policy, "healthcare", TODAY).items
    assert (hit.id, hit.text, hit.attributed_as) == (
        item,
        "It halved our close time.",
        "Jane Roe, CTO, Acme Health",
    )
    assert hit.places == ("sales", "website"), "in the page's order, whatever order they were sent in"
    assert hit.expires_on == dt.date(2029, 11, 23)
    # a later change of title does not rewrite the attribution approved
    with db.transaction() as session:
        session.get_one(Advocate, jane).title = "CEO"
    assert (
        library.search(db, policy, "healthcare", TODAY).items[0].attributed_as == "Jane Roe, CTO, Acme Health"
    )
    # the same approval sent again (a double click) changes nothing
    approval.approve(db, policy, item, 1, Approval(("press",), "anonymous", 1), act(ADVOCATE))
    assert row(db, item).places == "sales;website"


@pytest.mark.parametrize(
    ("how", "field"),
    [
        (Approval((), "company", 2), "places"),
        (Approval(("billboards",), "company", 2), "places"),
        (Approval(("sales",), "by nickname", 2), "name_as"),
        (Approval(("sales",), "company", 6), "years"),
        (Approval(("sales",), "company", 0), "years"),
    ],
)
def test_an_incomplete_approval_is_refused_by_field(
    db: Database, policy: Policy, how: Approval, field: str
) -> None:
    _, jane = acme(db)
    item = capture.share(db, policy, jane, "figure", "−40 % time to close", act(ADVOCATE), source_key="k")
    with pytest.raises(Invalid) as refused:
        approval.approve(db, policy, item, 1, how, act(ADVOCATE))
    assert set(refused.value.errors) == {field}
    assert row(db, item).status == EvidenceStatus.AWAITING


def test_only_the_advocate_approves_and_never_words_they_did_not_read(db: Database, policy: Policy) -> None:
    _, jane = acme(db)
    item = capture.share(db, policy, jane, "quote", "First words.", act(ADVOCATE), source_key="k")
    with pytest.raises(NotAllowed):
        approval.approve(db, policy, item, 1, SALES_ONLY, act(ADMIN))
    capture.edit(db, policy, item, EvidenceDraft(None, None, None, "Second words."), act(ADMIN))
    with pytest.raises(Changed):
        approval.approve(db, policy, item, 1, SALES_ONLY, act(ADVOCATE))
    approval.approve(db, policy, item, 2, SALES_ONLY, act(ADVOCATE))
    assert (row(db, item).status, row(db, item).text) == (EvidenceStatus.APPROVED, "Second words.")


def test_an_edit_by_anyone_after_approval_needs_a_new_approval(db: Database, policy: Policy) -> None:
    account, jane = acme(db)
    item = approved(db, policy, jane)
    assert found(db, policy, "healthcare") == [item]

    capture.edit(
        db, policy, item, EvidenceDraft(None, None, None, "It cut our close time by 40 %."), act(ADVOCATE)
    )
    assert row(db, item).status == EvidenceStatus.AWAITING and row(db, item).version == 2
    assert found(db, policy, "healthcare") == []
    assert library.for_ask(db, policy, account, None, TODAY) == []
    approval.approve(db, policy, item, 2, SALES_ONLY, act(ADVOCATE))
    assert found(db, policy, "healthcare") == [item]

    # an admin's change waits for the advocate too, who is e-mailed the new words
    changed = capture.edit(db, policy, item, EvidenceDraft(None, None, None, "Close time −40 %."), act(ADMIN))
    assert changed.delivery_keys == (f"evidence-approval:{item}:3",)
    assert found(db, policy, "healthcare") == []
    # the same change sent twice is one change
    again = capture.edit(db, policy, item, EvidenceDraft(None, None, None, "Close time −40 %."), act(ADMIN))
    assert again.delivery_keys == () and row(db, item).version == 3
    with pytest.raises(NotAllowed):
        capture.edit(db, policy, item, EvidenceDraft(None, None, None, "Mine now."), act(SELLER))


def test_an_admin_drafts_words_once_per_modal_and_the_advocate_is_asked_by_e_mail(
    db: Database, policy: Policy
) -> None:
    account, jane = acme(db)
    typed = EvidenceDraft(account, jane, "quote", "We closed in half the time.", source="our call on 3 March")
    with pytest.raises(NotAllowed):
        capture.draft(db, policy, typed, act(SELLER), source_key="view:1")
    drafted = capture.draft(db, policy, typed, act(ADMIN), source_key="view:1")
    twice = capture.draft(db, policy, typed, act(ADMIN), source_key="view:1")
    assert twice.evidence_id == drafted.evidence_id and twice.delivery_keys == ()
    assert drafted.delivery_keys == (f"evidence-approval:{drafted.evidence_id}:1",)
    with db.transaction() as session:
        mail = session.scalars(select(Delivery).where(Delivery.key == drafted.delivery_keys[0])).one()
        assert (mail.recipient, mail.data) == (
            f"advocate:{jane}",
            {"evidence_id": drafted.evidence_id, "version": 1},
        )
        assert session.scalar(select(func.count(Evidence.id))) == 1
    assert row(db, drafted.evidence_id).source == "our call on 3 March"
    assert found(db, policy, "") == [], "a draft is shown to nobody"

    with pytest.raises(Invalid) as refused:
        capture.draft(
            db, policy, EvidenceDraft(account, jane, "case_study", "Our story"), act(ADMIN), source_key="v2"
        )
    assert set(refused.value.errors) == {"link"}, "a case study is a link"
    with db.transaction() as session:
        session.get_one(Advocate, jane).email = None
    with pytest.raises(Invalid) as refused:
        capture.draft(db, policy, typed, act(ADMIN), source_key="view:3")
    assert "no e-mail address" in refused.value.errors["advocate"]


def test_nothing_is_e_mailed_unasked_to_someone_who_asked_not_to_be_contacted(
    db: Database, policy: Policy
) -> None:
    """Words to approve and a notice that words expire go, like an offer's invitation, only to
    someone who may be approached: not after "Please don't ask me again", not to a do-not-contact
    account. Their approved words simply expire."""
    account, jane = acme(db)
    item = approved(db, policy, jane, years=1)  # expires on 2027-11-23
    typed = EvidenceDraft(account, jane, "quote", "We closed in half the time.")
    with db.transaction() as session:
        seed.said(session, jane, ConsentAnswer.NEVER)

    with pytest.raises(Invalid) as refused:
        capture.draft(db, policy, typed, act(ADMIN), source_key="view:1")
    notices = expiry.owe_renewal_notices(db, policy, NOW, dt.date(2027, 10, 24))

    assert refused.value.errors["advocate"] == (
        "Jane Roe may not be contacted now (they or their account asked not to be): nothing is sent to them."
    )
    with pytest.raises(Invalid) as changed:  # an admin's change would e-mail her for approval
        capture.edit(db, policy, item, dataclasses.replace(typed, text="Better words."), act(ADMIN))
    assert "may not be contacted now" in changed.value.errors["text"]
    assert notices == [] and row(db, item).status == EvidenceStatus.APPROVED
    with db.transaction() as session:
        [mine] = session.scalars(select(Consent).where(Consent.advocate_id == jane)).all()
        session.delete(mine)
        session.get_one(Account, account).status = AccountStatus.DO_NOT_CONTACT
    with pytest.raises(Invalid):
        capture.draft(db, policy, typed, act(ADMIN), source_key="view:2")
    assert expiry.owe_renewal_notices(db, policy, NOW, dt.date(2027, 10, 24)) == []
    with db.transaction() as session:
        session.get_one(Account, account).status = AccountStatus.ACTIVE
    assert expiry.owe_renewal_notices(db, policy, NOW, dt.date(2027, 10, 24)) == [
        f"evidence-renew:{item}:2027-11-23"
    ]


def test_words_are_kept_up_to_ten_thousand_characters_and_refused_beyond(
    db: Database, policy: Policy
) -> None:
    _, jane = acme(db)
    long = "<!channel> *hi* " * 625
    assert len(long) == 10_000
    item = capture.share(db, policy, jane, "quote", long, act(ADVOCATE), source_key="k")
    assert row(db, item).text == long.strip()
    with pytest.raises(Invalid) as refused:
        capture.share(db, policy, jane, "quote", long + "!" * 2, act(ADVOCATE), source_key="k2")
    assert "10,000" in refused.value.errors["text"]
    with pytest.raises(Invalid):
        capture.share(db, policy, jane, "link", "A link is the team's to add", act(ADVOCATE), source_key="k3")


def test_use_is_recorded_once_per_click_with_the_text_as_approved_and_never_on_the_ledger(
    db: Database, policy: Policy
) -> None:
    _, jane = acme(db)
    item = approved(db, policy, jane)
    with db.transaction() as session:
        ledger_before = session.scalar(select(func.count(LedgerEntry.id)))
    draft = UseDraft(item, "Globex renewal", "sales", crm_link="https://crm.example.com/deal/G1")
    first = use.record(db, policy, draft, act(SELLER), source_key="view:V1")
    again = use.record(db, policy, draft, act(SELLER), source_key="view:V1")
    other = use.record(db, policy, draft, act(OTHER), source_key="view:V2")
    assert first.use_id == again.use_id != other.use_id
    assert (first.text, first.attributed_as, first.place) == (
        "It halved our close time.",
        "Jane Roe, CTO, Acme Health",
        "In sales conversations",
    )
    with db.transaction() as session:
        uses = session.execute(
            select(EvidenceUse.used_by, EvidenceUse.opportunity_name, EvidenceUse.place)
        ).all()
        assert sorted(uses) == [(OTHER, "Globex renewal", "sales"), (SELLER, "Globex renewal", "sales")]
        assert session.scalar(select(func.count(LedgerEntry.id))) == ledger_before
    assert library.search(db, policy, "", TODAY).items[0].uses == 2

    with pytest.raises(Invalid) as refused:
        use.record(db, policy, UseDraft(item, "Globex", "press"), act(SELLER), source_key="view:V3")
    assert set(refused.value.errors) == {"place"}, "only a place the customer allowed"
    with pytest.raises(Invalid) as refused:
        use.record(
            db, policy, UseDraft(item, " ", "sales", crm_link="javascript:x"), act(SELLER), source_key="v4"
        )
    assert set(refused.value.errors) == {"opportunity_name", "crm_link"}


def test_a_pending_request_withdrawn_in_favour_of_words_costs_nothing_and_counts_as_filled(
    db: Database, policy: Policy
) -> None:
    account, jane = acme(db)
    item = approved(db, policy, jane)
    with db.transaction() as session:
        rid = seed.request(session, account, requester=SELLER, activity="reference_call")
        decided = seed.request(session, account, requester=SELLER, status="approved", decided_at=NOW)
    [offered] = library.for_request(db, policy, rid, TODAY)
    assert offered.id == item and offered.covers
    assert library.for_request(db, policy, decided, TODAY) == [], "only a request still pending"

    with pytest.raises(NotAllowed):
        use.use_form(db, policy, item, rid, act(OTHER))
    form = use.use_form(db, policy, item, rid, act(SELLER))
    assert (form.activity_name, form.account_name, form.places) == (
        "Reference call with a prospect",
        "Acme Health",
        (("sales", "In sales conversations"),),
    )
    used = use.record(
        db, policy, UseDraft(item, "Initech", "sales", request_id=rid), act(SELLER), source_key="v1"
    )
    assert used.withdrew == rid and any(key.startswith(f"refresh:{rid}:") for key in used.delivery_keys)
    with db.transaction() as session:
        assert session.get_one(ReferenceRequest, rid).status == "cancelled"
        assert session.scalar(select(func.count(LedgerEntry.id))) == 0, "it was never debited"
        filled = figures.filled_by_evidence(session)
    assert [(f.request_id, f.account_id, f.activity) for f in filled] == [(rid, account, "reference_call")]
    with db.transaction() as session:
        ended = outcomes.request_outcomes(session, [rid], TODAY)
    assert ended[rid].outcome is outcomes.Outcome.FILLED_BY_EVIDENCE, "coverage counts it filled"
    with pytest.raises(Invalid):
        use.record(
            db, policy, UseDraft(item, "Initech", "sales", request_id=decided), act(SELLER), source_key="v2"
        )

    # words used from the request modal instead of an ask count too
    use.record(db, policy, UseDraft(item, "Hooli", "sales", instead_of="quote"), act(SELLER), source_key="v3")
    use.record(db, policy, UseDraft(item, "Plain use", "sales"), act(SELLER), source_key="v4")
    with db.transaction() as session:
        filled = figures.filled_by_evidence(session)
    assert [(f.request_id, f.activity) for f in filled] == [(rid, "reference_call"), (None, "quote")]


def test_words_fit_an_ask_only_when_their_kind_covers_it_and_the_approval_allows_its_place(
    db: Database, policy: Policy
) -> None:
    account, jane = acme(db)
    website = approved(db, policy, jane, "Website words.", places=("website",))
    press = approved(db, policy, jane, "Press words.", places=("press",))
    assert [i.id for i in library.for_ask(db, policy, account, "reference_call", TODAY)] == []
    assert [i.id for i in library.for_ask(db, policy, account, "analyst_briefing", TODAY)] == [press]
    assert [i.id for i in library.for_ask(db, policy, account, None, TODAY)] == [press, website]
    assert library.for_ask(db, policy, account, "webinar", TODAY) == [], "no kind covers a webinar"
    # the library names the ask: only kinds that cover it, those whose place fits first
    result = library.search(db, policy, "health analyst briefing", TODAY)
    assert result.activity is not None and result.activity.key == "analyst_briefing"
    assert [(i.id, i.covers) for i in result.items] == [(press, True), (website, False)]
    assert found(db, policy, "retail") == []
    assert found(db, policy, "press words") == [press, website], "most words matched first"


def test_expiry_follows_the_program_s_calendar_to_the_minute(db: Database, policy: Policy) -> None:
    """Approved for 1 year on 23 November 2026 in Los Angeles: usable through 22 November 2027
    there, gone at midnight in Los Angeles, whatever the day is in UTC."""
    tz = zoneinfo.ZoneInfo("America/Los_Angeles")
    account, jane = acme(db)
    item = approved(db, policy, jane, years=1)
    assert row(db, item).expires_on == dt.date(2027, 11, 23)

    def usable_at(moment: dt.datetime) -> bool:
        today = moment.astimezone(tz).date()
        shown = [found(db, policy, "healthcare", today), library.for_ask(db, policy, account, None, today)]
        try:
            use.use_form(db, policy, item, None, act(SELLER, moment, today))
        except Gone as gone:
            assert gone.why and "withdrawn or have expired" in gone.why
            assert shown == [[], []]
            return False
        assert shown[0] == [item] and len(shown[1]) == 1
        return True

    last_minute = dt.datetime(2027, 11, 23, 7, 59, tzinfo=dt.UTC)  # 23:59 on the 22nd in LA
    assert usable_at(last_minute)
    assert not usable_at(last_minute + dt.timedelta(minutes=1))  # midnight in LA, 08:00 UTC
    assert not usable_at(dt.datetime(2028, 6, 1, tzinfo=dt.UTC))


def test_the_renewal_notice_is_owed_once_per_item_and_expiry_within_its_days(
    db: Database, policy: Policy
) -> None:
    _, jane = acme(db)
    item = approved(db, policy, jane, years=1)  # expires on 2027-11-23
    expires = dt.date(2027, 11, 23)

    def claim(today: dt.date) -> list[str]:
        return expiry.owe_renewal_notices(db, policy, NOW, today)

    assert claim(expires - dt.timedelta(days=31)) == []
    key = f"evidence-renew:{item}:2027-11-23"
    assert claim(expires - dt.timedelta(days=30)) == [key]
    assert claim(expires - dt.timedelta(days=29)) == [], "once per item and period"
    assert claim(expires) == [], "expired: nothing left to renew by e-mail"

    renewing_on = expires - dt.timedelta(days=10)
    approval.renew(db, policy, item, expires, act(ADVOCATE, today=renewing_on))
    approval.renew(db, policy, item, expires, act(ADVOCATE, today=renewing_on))  # the same click again
    assert row(db, item).expires_on == dt.date(2028, 11, 23), "another period, from the expiry, once"
    assert claim(dt.date(2028, 10, 24)) == [f"evidence-renew:{item}:2028-11-23"]


def test_renewal_never_runs_past_the_longest_approval_and_restarts_after_expiry(
    db: Database, policy: Policy
) -> None:
    _, jane = acme(db)
    item = approved(db, policy, jane, years=5)  # expires on 2031-11-23
    approval.renew(db, policy, item, dt.date(2031, 11, 23), act(ADVOCATE, today=dt.date(2027, 1, 1)))
    assert row(db, item).expires_on == dt.date(2032, 1, 1), "at most 5 years from the day renewed"
    short = approved(db, policy, jane, "Short words.", years=1)
    approval.renew(db, policy, short, dt.date(2027, 11, 23), act(ADVOCATE, today=dt.date(2028, 2, 29)))
    assert row(db, short).expires_on == dt.date(2029, 2, 28), "expired: a period from today"
    approval.withdraw(db, short, act(ADVOCATE))
    with pytest.raises(AlreadySettled):
        approval.renew(db, policy, short, dt.date(2029, 2, 28), act(ADVOCATE))


def test_withdrawn_words_disappear_from_every_surface_at_once(db: Database, policy: Policy) -> None:
    account, jane = acme(db)
    item = approved(db, policy, jane)
    with db.transaction() as session:
        rid = seed.request(session, account, requester=SELLER)
    with pytest.raises(NotAllowed):
        approval.withdraw(db, item, act(SELLER))
    approval.withdraw(db, item, act(ADVOCATE))
    approval.withdraw(db, item, act(ADVOCATE))
    assert row(db, item).status == EvidenceStatus.WITHDRAWN and row(db, item).withdrawn_by == ADVOCATE
    assert found(db, policy, "") == []
    assert library.for_ask(db, policy, account, None, TODAY) == []
    assert library.for_request(db, policy, rid, TODAY) == []
    assert figures.overview(db, policy, TODAY) == figures.Overview(0, 0, 0)
    with pytest.raises(Gone):
        use.record(db, policy, UseDraft(item, "Globex", "sales"), act(SELLER), source_key="v1")
    with pytest.raises(AlreadySettled):
        capture.edit(db, policy, item, EvidenceDraft(None, None, None, "Back again?"), act(ADVOCATE))
    assert view.item(db, policy, item, TODAY).withdrawn
    assert view.words(db, policy, jane, TODAY).items == ()


def test_erasure_withdraws_every_item_and_erases_the_words(db: Database, policy: Policy) -> None:
    account, jane = acme(db)
    first = approved(db, policy, jane, "First words.")
    waiting = capture.share(db, policy, jane, "figure", "+40 %", act(ADVOCATE), source_key="k")
    use.record(db, policy, UseDraft(first, "Globex", "sales"), act(SELLER), source_key="v1")
    with db.transaction() as session:
        sam = seed.advocate(session, account, "Sam Poe", "quote")
    kept = approved(db, policy, sam, "Sam's words.")
    with db.transaction() as session:
        exported = their_words.export_for(session, jane)
    assert [(e["text"], e["status"], e["times_used"]) for e in exported] == [
        ("First words.", "approved", 1),
        ("+40 %", "awaiting", 0),
    ]
    assert exported[0]["attributed_as"] == "Jane Roe, CTO, Acme Health"

    with db.transaction() as session:
        assert their_words.withdraw_all_for(session, jane, NOW) == 2
    for item in (first, waiting):
        gone = row(db, item)
        assert (gone.status, gone.text, gone.attributed_as, gone.withdrawn_by) == (
            "withdrawn",
            "",
            "",
            "erasure",
        )
    assert found(db, policy, "") == [kept]
    week = figures.thanks(db, policy, NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=1))
    assert [t.advocate_name for t in week] == [], "an erased person is not thanked by name"
    with db.transaction() as session:
        assert session.scalar(select(func.count(EvidenceUse.id))) == 1, "the use stays, without the words"


def test_how_words_helped_counts_deals_this_quarter_and_the_digest_thanks_their_authors(
    db: Database, policy: Policy
) -> None:
    _, jane = acme(db)
    quote = approved(db, policy, jane)
    link = "https://crm.example.com/deal/G1"
    for key, deal, crm in (
        ("a", "Globex", link),
        ("b", "GLOBEX ", link),
        ("c", "Initech", None),
        ("d", "initech", None),
    ):
        use.record(db, policy, UseDraft(quote, deal, "sales", crm_link=crm), act(SELLER), source_key=key)
    with db.transaction() as session:
        helped = figures.helped(session, policy, jane, TODAY)
        later = figures.helped(session, policy, jane, dt.date(2027, 1, 2))
    assert helped.words() == "Your quote helped 2 deals this quarter."
    assert later.words() is None, "a new quarter starts from nothing"
    week = figures.thanks(db, policy, NOW - dt.timedelta(days=7), NOW + dt.timedelta(minutes=1))
    assert [(t.advocate_name, t.account_name, t.helped.deals) for t in week] == [
        ("Jane Roe", "Acme Health", 2)
    ]
    assert figures.thanks(db, policy, NOW + dt.timedelta(minutes=1), NOW + dt.timedelta(days=7)) == []
