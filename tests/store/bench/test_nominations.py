"""Nominations on SQLite and PostgreSQL: nominate (with every refusal), the owner's invite or not
now, the contact's join or no thanks (twice, and at once), and the week-old nominations that
remind whoever they wait for, once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import pytest
from sqlalchemy import select

from store.act import Act
from store.addresses import AddressKey
from store.bench import deciding, joining, nominating, views
from store.bench.nominating import CANNOT_NOMINATE, NominationDraft
from store.db import Database
from store.errors import AlreadySettled, Invalid, NotAllowed
from store.models import (
    Account,
    AccountStatus,
    Advocate,
    Delivery,
    ForgottenAddress,
    Nomination,
    NominationStatus,
    ReferenceRequest,
)
from store.rules.policy import Policy
from tests.support import store_seed

OWNER, SELLER, STRANGER, ADMIN = "U0OWNER01", "U0SELLER1", "U0NOBODY1", "U0ADMIN01"
ADMINS = frozenset({ADMIN})
NOW = store_seed.NOW
KEY = AddressKey(b"test-erasure-key")
HANK = NominationDraft(
    account_id=None,
    name="Hank  Hill",
    title="Head of Ops",
    email=" Hank@Acme.Example ",
    why="Ran our rollout across 40 stores",
    activities=("reference_call", "quote"),
)


def act(user: str, when: dt.datetime = NOW) -> Act:
    return Act(user, ADMINS, when, when.date())


def setup(db: Database, name: str = "Acme Corp", **fields: object) -> int:
    fields.setdefault("owner_slack_id", OWNER)
    with db.transaction() as session:
        return store_seed.account(session, name, "Retail", **fields)


def nominate(
    db: Database, policy: Policy, account: int, by: str = SELLER, **changes: object
) -> nominating.Nominated:
    draft = dataclasses.replace(HANK, account_id=account, **changes)
    return nominating.nominate(db, policy, draft, act(by), key=KEY, source_key=f"view:{by}:{changes}")


def deliveries(db: Database) -> dict[str, str]:
    with db.transaction(readonly=True) as session:
        return {d.key: d.recipient for d in session.scalars(select(Delivery))}


def stored(db: Database, nomination_id: int) -> Nomination:
    with db.transaction(readonly=True) as session:
        return session.get_one(Nomination, nomination_id)


def test_a_nomination_waits_for_the_owner_who_gets_the_dm(db: Database, policy: Policy) -> None:
    acme = setup(db)
    done = nominate(db, policy, acme)
    again = nominating.nominate(
        db,
        policy,
        dataclasses.replace(HANK, account_id=acme),
        act(SELLER),
        key=KEY,
        source_key=f"view:{SELLER}:{{}}",
    )

    row = stored(db, done.nomination_id)
    assert (done.status, done.deciders, done.created) == (NominationStatus.PROPOSED, (OWNER,), True)
    assert (row.name, row.email, row.activities, row.nominated_by) == (
        "Hank Hill",
        "hank@acme.example",
        "reference_call;quote",
        SELLER,
    )
    assert done.delivery_keys == (f"nomination-decide:{row.id}:{OWNER}",)
    assert deliveries(db) == {f"nomination-decide:{row.id}:{OWNER}": OWNER}
    assert (again.created, again.nomination_id) == (False, row.id), "a modal sent twice nominates once"


def test_an_account_without_owner_is_decided_by_the_admins(db: Database, policy: Policy) -> None:
    acme = setup(db, owner_slack_id=None)
    done = nominate(db, policy, acme)
    admin_s_own = nominate(db, policy, acme, by=ADMIN, email="peggy@acme.example")

    assert done.deciders == (ADMIN,)
    assert admin_s_own.status == NominationStatus.INVITED, (
        "the admins decide: an admin's own needs no second decision"
    )


def test_the_owner_s_own_nomination_goes_straight_to_the_contact(db: Database, policy: Policy) -> None:
    acme = setup(db)
    done = nominate(db, policy, acme, by=OWNER)

    row = stored(db, done.nomination_id)
    assert (done.status, row.decided_by, row.invited_at) == (NominationStatus.INVITED, OWNER, NOW)
    assert deliveries(db) == {f"nomination-invite:{row.id}": f"nominee:{row.id}"}


def test_every_refusal_is_said_on_its_input(db: Database, policy: Policy) -> None:
    acme = setup(db)
    closed = setup(db, "Umbrella", status="do_not_contact")
    with db.transaction() as session:
        jane = store_seed.advocate(session, acme, "Jane Doe", "reference_call")
        session.get_one(Advocate, jane).email = "jane@acme.example"

    with pytest.raises(Invalid) as empty:
        nominating.nominate(
            db,
            policy,
            NominationDraft(None, " ", "", "not-an-address", "", ("juggling",)),
            act(SELLER),
            key=KEY,
        )
    with pytest.raises(Invalid) as advocate:
        nominate(db, policy, acme, email="JANE@acme.example")
    with pytest.raises(Invalid) as do_not_contact:
        nominate(db, policy, closed)
    nominate(db, policy, acme)
    with pytest.raises(Invalid) as twice:
        nominate(db, policy, acme, by=STRANGER)

    assert empty.value.errors == {
        "account": "Pick an account.",
        "name": "Enter their name.",
        "why": "Say what makes them a good advocate: the owner and they will read it.",
        "activities": "That activity is no longer offered: pick again.",
        "email": "Enter their e-mail address, like jane@example.com.",
    }
    assert advocate.value.errors == {"email": "Jane Doe is already an advocate of Acme Corp."}
    assert do_not_contact.value.errors == {
        "account": "Umbrella is do not contact: nobody there can be nominated."
    }
    assert twice.value.errors == {
        "email": "Hank Hill was already nominated on 2026-11-23: it waits for the owner's decision."
    }


def test_a_removed_person_or_a_no_thanks_cannot_be_nominated_and_the_sentence_does_not_say_which(
    db: Database, policy: Policy
) -> None:
    acme = setup(db)
    with db.transaction() as session:
        session.add(ForgottenAddress(fingerprint=KEY.fingerprint("hank@acme.example"), forgotten_at=NOW))
    with pytest.raises(Invalid) as forgotten:
        nominate(db, policy, acme)
    peggy = nominate(db, policy, acme, by=OWNER, email="peggy@acme.example")
    joining.no_thanks(db, peggy.nomination_id, now=NOW, key=KEY)
    with pytest.raises(Invalid) as declined:
        nominate(db, policy, setup(db, "Globex"), email="peggy@acme.example")

    assert forgotten.value.errors == declined.value.errors == {"email": CANNOT_NOMINATE}
    assert "removed" not in CANNOT_NOMINATE and "forgot" not in CANNOT_NOMINATE


def test_invite_tells_the_nominator_owes_the_e_mail_and_rewrites_the_dm_once(
    db: Database, policy: Policy
) -> None:
    acme = setup(db)
    nid = nominate(db, policy, acme).nomination_id

    with pytest.raises(NotAllowed):
        deciding.invite(db, nid, act(STRANGER))
    invited = deciding.invite(db, nid, act(OWNER))
    with pytest.raises(AlreadySettled) as second:
        deciding.invite(db, nid, act(ADMIN))

    assert invited.status == NominationStatus.INVITED
    assert set(invited.delivery_keys) == {
        f"nomination-invite:{nid}",
        f"nomination-news:{nid}:invited:{SELLER}",
        f"nomination-refresh:{nid}:invited",
    }
    assert (second.value.status, second.value.by) == (NominationStatus.INVITED, OWNER)
    assert stored(db, nid).invited_at == NOW


def test_nobody_is_invited_or_reminded_at_a_do_not_contact_account_or_after_no_thanks_elsewhere(
    db: Database, policy: Policy
) -> None:
    """Nominated at Acme and at Globex, Hank says **No, thanks** to Globex's invitation: Acme's
    owner cannot invite him too (the news said he won't be asked again). Peggy's account becomes
    do not contact after she was invited: no reminder goes to her."""
    acme, globex = setup(db), setup(db, "Globex")
    at_acme = nominate(db, policy, acme).nomination_id
    at_globex = nominate(db, policy, globex, by=OWNER).nomination_id
    joining.no_thanks(db, at_globex, now=NOW, key=KEY)
    peggy = nominate(db, policy, acme, by=OWNER, email="peggy@acme.example").nomination_id
    with db.transaction() as session:
        session.get_one(Account, acme).status = AccountStatus.DO_NOT_CONTACT

    with pytest.raises(Invalid) as refused:
        deciding.invite(db, at_acme, act(OWNER))
    week = dt.timedelta(days=7)
    reminders = deciding.owe_reminders(db, now=NOW + week, after=week, admins=ADMINS)

    assert refused.value.errors == {
        "nomination": "Their account is now do not contact: nobody there is invited."
    }
    assert stored(db, at_acme).status == NominationStatus.PROPOSED
    assert f"nomination-remind:{peggy}:invited" not in reminders
    with db.transaction() as session:
        session.get_one(Account, acme).status = AccountStatus.ACTIVE
    with pytest.raises(Invalid) as again:
        deciding.invite(db, at_acme, act(OWNER))
    assert "They said no, thanks" in again.value.errors["nomination"]


def test_not_now_needs_a_reason_the_nominator_reads_and_closes_the_nomination(
    db: Database, policy: Policy
) -> None:
    acme = setup(db)
    nid = nominate(db, policy, acme).nomination_id

    with pytest.raises(Invalid) as blank:
        deciding.not_now(db, nid, "  ", act(OWNER))
    moved = deciding.not_now(db, nid, "renewal next month: ask again in March", act(OWNER))
    reopened = nominate(db, policy, acme, by=STRANGER)

    assert blank.value.errors == {"reason": "Say why, for the person who nominated them."}
    assert moved.status == NominationStatus.NOT_NOW
    assert stored(db, nid).reason == "renewal next month: ask again in March"
    assert f"nomination-news:{nid}:not_now:{SELLER}" in moved.delivery_keys
    assert not any(key.startswith("nomination-invite") for key in deliveries(db)), "the contact hears nothing"
    assert reopened.status == NominationStatus.PROPOSED, "a not now can be nominated again later"


def test_join_makes_an_advocate_with_what_they_ticked_and_tells_nominator_and_owner(
    db: Database, policy: Policy
) -> None:
    acme = setup(db)
    nid = nominate(db, policy, acme).nomination_id
    deciding.invite(db, nid, act(OWNER))

    with pytest.raises(Invalid):
        joining.join(db, policy, nid, (), now=NOW, key=KEY)
    joined = joining.join(db, policy, nid, ("quote", "logo"), now=NOW, key=KEY)
    again = joining.join(db, policy, nid, ("quote",), now=NOW, key=KEY)

    with db.transaction(readonly=True) as session:
        advocate = session.get_one(Advocate, joined.advocate_id)
        assert (advocate.name, advocate.email, advocate.title) == (
            "Hank Hill",
            "hank@acme.example",
            "Head of Ops",
        )
        assert (advocate.activities, advocate.person_key, advocate.joined_at) == (
            "quote;logo",
            "hank@acme.example",
            NOW,
        )
    assert set(joined.delivery_keys) == {
        f"nomination-news:{nid}:joined:{SELLER}",
        f"nomination-news:{nid}:joined:{OWNER}",
        f"nomination-refresh:{nid}:joined",
    }
    assert (again.changed, again.advocate_id) == (False, joined.advocate_id)
    assert stored(db, nid).open_key is None
    with pytest.raises(AlreadySettled):
        joining.no_thanks(db, nid, now=NOW, key=KEY)


def test_concurrent_joins_make_one_advocate(db: Database, policy: Policy) -> None:
    acme = setup(db)
    nid = nominate(db, policy, acme, by=OWNER).nomination_id
    start = threading.Barrier(4)
    results: list[object] = []

    def click() -> None:
        start.wait(5)
        try:
            results.append(joining.join(db, policy, nid, ("quote",), now=NOW, key=KEY))
        except Exception as exc:  # a lock timeout or a duplicate would show here
            results.append(exc)

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)

    assert all(isinstance(r, deciding.NominationMoved) for r in results), results
    moved = [r for r in results if isinstance(r, deciding.NominationMoved)]
    assert sorted(r.changed for r in moved) == [False, False, False, True]
    assert len({r.advocate_id for r in moved}) == 1
    with db.transaction(readonly=True) as session:
        assert len(session.scalars(select(Advocate).where(Advocate.account_id == acme)).all()) == 1
    assert sum(key.startswith(f"nomination-news:{nid}:joined") for key in deliveries(db)) == 1


def test_no_thanks_ends_it_for_good_unless_they_join_after_all(db: Database, policy: Policy) -> None:
    acme = setup(db)
    nid = nominate(db, policy, acme, by=OWNER).nomination_id

    declined = joining.no_thanks(db, nid, now=NOW, key=KEY)
    twice = joining.no_thanks(db, nid, now=NOW, key=KEY)
    after_all = joining.join(db, policy, nid, ("quote",), now=NOW, key=KEY)

    assert (
        declined.status == NominationStatus.NO_THANKS
        and f"nomination-news:{nid}:no_thanks:{OWNER}" in deliveries(db)
    )
    assert not twice.changed
    assert after_all.status == NominationStatus.JOINED, "their own action may still bring them in"


def test_a_nomination_removed_meanwhile_cannot_be_joined(db: Database, policy: Policy) -> None:
    acme = setup(db)
    nid = nominate(db, policy, acme, by=OWNER).nomination_id
    with db.transaction() as session:
        session.add(ForgottenAddress(fingerprint=KEY.fingerprint("hank@acme.example"), forgotten_at=NOW))

    with pytest.raises(AlreadySettled):
        joining.join(db, policy, nid, ("quote",), now=NOW, key=KEY)


def test_a_week_old_nomination_reminds_whoever_it_waits_for_once(db: Database, policy: Policy) -> None:
    acme = setup(db)
    waiting = nominate(db, policy, acme).nomination_id
    invited = nominate(db, policy, acme, by=OWNER, email="peggy@acme.example").nomination_id
    week = dt.timedelta(days=7)

    early = deciding.owe_reminders(db, now=NOW + dt.timedelta(days=6), after=week, admins=ADMINS)
    due = deciding.owe_reminders(db, now=NOW + week, after=week, admins=ADMINS)
    later = deciding.owe_reminders(db, now=NOW + 2 * week, after=week, admins=ADMINS)

    assert early == [] and later == []
    assert due == [f"nomination-remind:{waiting}:proposed:{OWNER}", f"nomination-remind:{invited}:invited"]
    deciding.invite(db, waiting, act(OWNER, NOW + 2 * week))
    after_invite = deciding.owe_reminders(db, now=NOW + 3 * week, after=week, admins=ADMINS)
    assert after_invite == [f"nomination-remind:{waiting}:invited"], "the next wait reminds once too"


def test_an_advocate_names_a_colleague_on_the_account_of_their_ask(db: Database, policy: Policy) -> None:
    acme = setup(db)
    with db.transaction() as session:
        request_id = store_seed.request(session, acme)
    done = nominating.nominate(
        db, policy, dataclasses.replace(HANK, from_request=request_id), act(joining.CONTACT), key=KEY
    )

    view = views.nomination(db, policy, done.nomination_id)
    assert (view.account_id, view.nominated_by, view.from_request_id) == (
        acme,
        nominating.BY_ADVOCATE,
        request_id,
    )
    assert done.status == NominationStatus.PROPOSED and done.deciders == (OWNER,)
    with db.transaction(readonly=True) as session:
        assert session.get_one(ReferenceRequest, request_id).account_id == acme


def test_open_nominations_and_those_waiting_for_one_owner(db: Database, policy: Policy) -> None:
    acme = setup(db)
    first = nominate(db, policy, acme).nomination_id
    nominate(db, policy, acme, by=OWNER, email="peggy@acme.example")
    closed = nominate(db, policy, acme, email="dale@acme.example").nomination_id
    deciding.not_now(db, closed, "no", act(OWNER))

    shown, total = views.open_nominations(db, policy, limit=1)
    mine = views.waiting_for(db, policy, OWNER, ADMINS, limit=5)

    assert ([v.id for v in shown], total) == ([first], 2)
    assert [v.id for v in mine] == [first]
    assert shown[0].age_days(NOW + dt.timedelta(days=9, hours=1)) == 9
    assert views.waiting_for(db, policy, STRANGER, ADMINS, limit=5) == []
