"""What the advocate's pages show about their words, as plain data: **Share a few words** (their
words so far, and how they helped) and one item's page (the exact text, the approval's choices
each as it will read, the approval as given, the expiry in the program's calendar)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from store.customer.consent import ADVOCATE
from store.db import Database
from store.errors import Gone
from store.evidence.figures import Helped, helped
from store.evidence.items import add_years, get, is_usable, renewal_until
from store.evidence.naming import choices
from store.models import Account, Advocate, Evidence, EvidenceStatus
from store.rules.policy import Policy


@dataclass(frozen=True)
class ItemView:
    id: int
    #: what its page's link carries (never the sequential id)
    public_id: str
    advocate_id: int
    advocate_name: str
    advocate_email: str | None
    account_name: str
    #: who the e-mails come from and the pages say sent them: the account's owner (Slack id, CRM address)
    owner_id: str | None
    owner_email: str | None
    kind_name: str
    text: str
    link: str | None
    #: where an admin's draft came from ("our call on 3 March"); empty for the advocate's own words
    source: str
    drafted_by_team: bool
    status: str
    version: int
    #: as approved (or last approved, while a change waits)
    places: tuple[str, ...]
    name_as: str | None
    attributed_as: str
    expires_on: dt.date | None
    #: approved and not expired today: what requesters may use now
    usable: bool
    #: **Name me as**: (key, how the page puts it, the attribution it gives)
    name_choices: tuple[tuple[str, str, str], ...]
    #: the expiries offered: (years, the day it would expire)
    year_choices: tuple[tuple[int, dt.date], ...]
    #: the period offered first: the one approved before, else the kind's default
    years: int
    #: where **Renew** would take the expiry today (None: not approved yet)
    renews_to: dt.date | None
    helped: Helped

    @property
    def awaiting(self) -> bool:
        return self.status == EvidenceStatus.AWAITING

    @property
    def withdrawn(self) -> bool:
        return self.status == EvidenceStatus.WITHDRAWN


def id_of(db: Database, public_id: str) -> int:
    """The item a page's link names by its public id (`Gone` when none has it)."""
    with db.transaction(readonly=True) as session:
        found = session.scalar(select(Evidence.id).where(Evidence.public_id == public_id))
    if found is None:
        raise Gone("no such evidence")
    return found


def advocate_of(db: Database, public_id: str) -> int:
    """The advocate **Share a few words**' link names by their public id (`Gone` when none has it,
    or when they were removed from the program: the link then leads nowhere)."""
    with db.transaction(readonly=True) as session:
        found = session.scalar(
            select(Advocate.id).where(Advocate.public_id == public_id, Advocate.forgotten_at.is_(None))
        )
    if found is None:
        raise Gone("no such advocate")
    return found


def advocate_key(db: Database, advocate_id: int) -> str:
    """What **Share a few words**' link carries for this advocate (`Gone` when they are gone)."""
    with db.transaction(readonly=True) as session:
        found = session.scalar(
            select(Advocate.public_id).where(Advocate.id == advocate_id, Advocate.forgotten_at.is_(None))
        )
    if found is None:
        raise Gone(f"no advocate {advocate_id}")
    return found


def item(db: Database, policy: Policy, evidence_id: int, today: dt.date) -> ItemView:
    with db.transaction(readonly=True) as session:
        row = get(session, evidence_id)
        advocate = session.get(Advocate, row.advocate_id)
        account = session.get(Account, row.account_id)
        if advocate is None or account is None:
            raise Gone(f"evidence {evidence_id} has no advocate")
        kind = policy.evidence.kind(row.kind)
        return ItemView(
            id=row.id,
            public_id=row.public_id,
            advocate_id=advocate.id,
            advocate_name=advocate.name,
            advocate_email=advocate.email,
            account_name=account.name,
            owner_id=account.owner_slack_id,
            owner_email=account.owner_email,
            kind_name=policy.evidence.name_of(row.kind),
            text=row.text,
            link=row.link,
            source=row.source,
            drafted_by_team=row.drafted_by != ADVOCATE,
            status=row.status,
            version=row.version,
            places=tuple(row.place_keys),
            name_as=row.name_as,
            attributed_as=row.attributed_as,
            expires_on=row.expires_on,
            usable=is_usable(row, today),
            name_choices=tuple(
                (str(key), words, reads)
                for key, words, reads in choices(
                    name=advocate.name, title=advocate.title, company=account.name, industry=account.industry
                )
            ),
            year_choices=tuple(
                (years, add_years(today, years)) for years in range(1, policy.evidence.max_years + 1)
            ),
            years=row.years or (kind.years if kind else 1),
            renews_to=(
                renewal_until(row.expires_on, row.years, today, policy.evidence.max_years)
                if row.expires_on and row.years
                else None
            ),
            helped=helped(session, policy, advocate.id, today),
        )


@dataclass(frozen=True)
class ItemLine:
    id: int
    public_id: str
    kind_name: str
    text: str
    status: str
    expires_on: dt.date | None
    usable: bool


@dataclass(frozen=True)
class WordsView:
    """**Share a few words**: the form's kinds, and the advocate's words so far."""

    advocate_id: int
    advocate_name: str
    account_name: str
    owner_id: str | None
    owner_email: str | None
    #: the kinds they can write: (key, name)
    kinds: tuple[tuple[str, str], ...]
    #: their words not withdrawn, newest first
    items: tuple[ItemLine, ...]
    helped: Helped


def words(db: Database, policy: Policy, advocate_id: int, today: dt.date) -> WordsView:
    with db.transaction(readonly=True) as session:
        advocate = session.get(Advocate, advocate_id)
        if advocate is None:
            raise Gone(f"no advocate {advocate_id}")
        account = session.get_one(Account, advocate.account_id)
        rows = session.scalars(
            select(Evidence)
            .where(Evidence.advocate_id == advocate_id, Evidence.status != EvidenceStatus.WITHDRAWN)
            .order_by(Evidence.id.desc())
        )
        lines = [
            ItemLine(
                row.id,
                row.public_id,
                policy.evidence.name_of(row.kind),
                row.text,
                row.status,
                row.expires_on,
                is_usable(row, today),
            )
            for row in rows
        ]
        return WordsView(
            advocate_id=advocate.id,
            advocate_name=advocate.name,
            account_name=account.name,
            owner_id=account.owner_slack_id,
            owner_email=account.owner_email,
            kinds=tuple((kind.key, kind.name) for kind in policy.evidence.written),
            items=tuple(lines),
            helped=helped(session, policy, advocate.id, today),
        )
