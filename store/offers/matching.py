"""Which accounts an offer should reach first, and the best offers for an owner's accounts.

Matching ranks the accounts that fit an offer so that the customers leaned on hardest are offered
first: the lowest balance relative to what they were asked in the last 12 months, then those that
received nothing of the offer's group in that time. Do-not-contact accounts are never offered
anything: giving is contact too.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import ledger
from store.db import Database
from store.errors import Gone
from store.giveback import social_capital
from store.models import HOLDING_SEAT, Account, AccountStatus, Advocate, Offer, OfferSeat
from store.offers.catalog import OfferView, offer_view
from store.rules.policy import Policy

#: the window "what they were asked" covers
ASKED_DAYS = 365
#: an offer is suggested to the best-ranked accounts only: twice its free seats, at least this many
MIN_REACH = 3
#: offers suggested per account
PER_ACCOUNT = 3


@dataclass(frozen=True)
class Match:
    """One account an offer fits, with the figures it was ranked by."""

    account_id: int
    name: str
    owner_id: str | None
    balance: int
    #: points asked of it in the last 12 months (asks that fell through excluded)
    asked: int
    #: received nothing of the offer's social-capital group in 12 months
    missing_group: bool

    @property
    def cover(self) -> float:
        """Balance per point asked: the lower, the more over-asked; never asked is +∞."""
        return self.balance / self.asked if self.asked > 0 else math.inf

    def rank_key(self) -> tuple[float, int, int, str]:
        return (self.cover, 0 if self.missing_group else 1, -self.asked, self.name.casefold())


@dataclass(frozen=True)
class Suggestion:
    offer: OfferView
    account_id: int
    account_name: str
    #: 1 = the account the offer should reach first
    position: int
    missing_group: bool


@dataclass(frozen=True)
class _Candidate:
    id: int
    name: str
    owner_id: str | None
    industry: str
    products: str
    segment: str


def _candidates(session: Session) -> list[_Candidate]:
    rows = session.execute(
        select(
            Account.id,
            Account.name,
            Account.owner_slack_id,
            Account.industry,
            Account.products,
            Account.segment,
        ).where(Account.status != AccountStatus.DO_NOT_CONTACT)
    )
    return [_Candidate(*row) for row in rows]


def _holding(session: Session, offer_ids: list[int]) -> set[tuple[int, int]]:
    """(offer, account) pairs that already hold a seat."""
    if not offer_ids:
        return set()
    rows = session.execute(
        select(OfferSeat.offer_id, OfferSeat.account_id).where(
            OfferSeat.offer_id.in_(offer_ids), OfferSeat.status.in_(HOLDING_SEAT)
        )
    )
    return {(offer_id, account_id) for offer_id, account_id in rows}


def _rankings(
    session: Session, policy: Policy, offers: list[OfferView], today: dt.date
) -> dict[int, list[Match]]:
    """Every offer's fitting accounts, best first; accounts already holding one of its seats left out."""
    candidates = _candidates(session)
    ids = [c.id for c in candidates]
    balances = ledger.balances(session, policy.opening_balance, ids)
    asked = ledger.asked_since(session, ids, today - dt.timedelta(days=ASKED_DAYS))
    capital = social_capital.breakdowns_in(session, policy, ids, today)
    holding = _holding(session, [o.id for o in offers])
    rankings = {}
    for offer in offers:
        matches = [
            Match(
                account_id=c.id,
                name=c.name,
                owner_id=c.owner_id,
                balance=balances.get(c.id, policy.opening_balance),
                asked=asked.get(c.id, 0),
                missing_group=not capital[c.id].has(offer.group),
            )
            for c in candidates
            if (offer.id, c.id) not in holding and offer.fits.accepts(c.industry, c.products, c.segment)
        ]
        rankings[offer.id] = sorted(matches, key=Match.rank_key)
    return rankings


def _valued(session: Session, account_ids: set[int]) -> dict[int, set[str]]:
    """The groups of social capital the advocates of each account said would be valuable to them."""
    valued: dict[int, set[str]] = {}
    for account_id, groups in session.execute(
        select(Advocate.account_id, Advocate.valued).where(
            Advocate.account_id.in_(account_ids), Advocate.valued != "", Advocate.forgotten_at.is_(None)
        )
    ):
        valued.setdefault(account_id, set()).update(group for group in groups.split(";") if group)
    return valued


def ranked_accounts(db: Database, policy: Policy, offer_id: int, today: dt.date) -> list[Match]:
    """The accounts an offer should reach, the most over-asked first."""
    with db.transaction(readonly=True) as session:
        offer = session.get(Offer, offer_id) if 0 < offer_id <= ledger.ID_MAX else None
        if offer is None:
            raise Gone(f"offer {offer_id}")
        view = offer_view(policy, offer)
        return _rankings(session, policy, [view], today)[offer_id]


def reach(offer: OfferView) -> int:
    """How far down its ranking an offer is suggested: scarce seats go to the top of the list."""
    return max(MIN_REACH, 2 * offer.seats_left)


def suggestions(
    db: Database,
    policy: Policy,
    account_ids: Iterable[int],
    today: dt.date,
    *,
    per_account: int = PER_ACCOUNT,
    within_reach: bool = True,
) -> dict[int, list[Suggestion]]:
    """The best open offers for each of `account_ids` (accounts with none are absent).

    An offer is suggested to an account when the account is within the offer's `reach` of its
    ranking (every fitting offer when `within_reach` is False: an owner asking about one account
    sees them all); an account's offers come in the order: the kinds of social capital its
    advocates said they value (their own page) first, then the group it is missing, then where it
    stands in the offer's ranking, then the offer that closes soonest.
    """
    wanted = set(account_ids)
    if not wanted:
        return {}
    with db.transaction(readonly=True) as session:
        offers = [
            view
            for view in (offer_view(policy, o) for o in session.scalars(select(Offer)))
            if view.open_on(today) and view.seats_left > 0
        ]
        if not offers:  # the common case: no ranking to compute
            return {}
        rankings = _rankings(session, policy, offers, today)
        valued = _valued(session, wanted)
    by_account: dict[int, list[Suggestion]] = {}
    for offer in offers:
        ranking = rankings[offer.id] if not within_reach else rankings[offer.id][: reach(offer)]
        for position, match in enumerate(ranking, start=1):
            if match.account_id in wanted:
                by_account.setdefault(match.account_id, []).append(
                    Suggestion(offer, match.account_id, match.name, position, match.missing_group)
                )
    for account_id, found in by_account.items():
        wants = valued.get(account_id, set())
        found.sort(
            key=lambda s: (
                s.offer.group not in wants,
                not s.missing_group,
                s.position,
                s.offer.closes_on,
                s.offer.id,
            )
        )
        by_account[account_id] = found[:per_account]
    return by_account
