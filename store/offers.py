"""Give first: offers admins post, which accounts they should reach, and their seats.

An offer is a value type of the policy (its credit and its social-capital group) with a number of
seats. Matching ranks the accounts that fit it so that the customers leaned on hardest are offered
first: the lowest balance relative to what they were asked in the last 12 months, then those that
received nothing of the offer's group in that time. Do-not-contact accounts are never offered
anything: giving is contact too.

Seats are exact whatever the concurrency: **Offer it** takes a seat with one conditional UPDATE
(`seats_taken < seats`, backed by a check constraint) and the reservation's `hold_key` is unique
while it holds a seat, so twenty clicks on the last seat — on one replica or two, SQLite or
PostgreSQL — leave one reservation. **Delivered** moves the reservation on with a conditional
UPDATE and posts the credit in the same transaction (the seat's `entry_id` is unique): once.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store import deliveries, ledger, social_capital
from store.db import Database
from store.delivery_kinds import DeliveryKind, HomeRefreshPayload, OfferSeatPayload
from store.errors import AlreadySettled, Gone, Invalid, NotAllowed
from store.models import (
    HOLDING_SEAT,
    Account,
    AccountStatus,
    Advocate,
    Delivery,
    DeliveryStatus,
    EntryKind,
    Offer,
    OfferSeat,
    OfferStatus,
    SeatStatus,
    normalize,
)
from store.policy import Policy, ValueType

TITLE_MAX = 150
DESCRIPTION_MAX = 2000
SEATS_MAX = 1000
#: the window "what they were asked" covers
ASKED_DAYS = 365
#: an offer is suggested to the best-ranked accounts only: twice its free seats, at least this many
MIN_REACH = 3
#: offers suggested per account
PER_ACCOUNT = 3
#: the words of the Fits input that name what an offer fits
FIT_LABELS = {
    "industry": "industries",
    "industries": "industries",
    "product": "products",
    "products": "products",
    "segment": "segments",
    "segments": "segments",
}
FIT_HINT = "industries:, products: or segments: (e.g. industries: Fintech)"
#: how the advocate's answer arrived
VIA_OWNER = "owner"
VIA_EMAIL = "email"


@dataclass(frozen=True)
class Fits:
    """Who an offer fits; an empty list fits every account on that field."""

    industries: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()

    def text(self) -> str:
        """As typed in the Fits input (and shown on the offer)."""
        lines = [(label, values) for label, values in self._fields() if values]
        return "\n".join(f"{label}: {', '.join(values)}" for label, values in lines)

    def _fields(self) -> list[tuple[str, tuple[str, ...]]]:
        return [("industries", self.industries), ("products", self.products), ("segments", self.segments)]

    def accepts(self, industry: str, products: str, segment: str) -> bool:
        def one_of(wanted: tuple[str, ...], have: set[str]) -> bool:
            return not wanted or bool({normalize(w) for w in wanted} & have)

        return (
            one_of(self.industries, {normalize(industry)})
            and one_of(self.products, {normalize(p) for p in products.split(";") if p.strip()})
            and one_of(self.segments, {normalize(segment)})
        )


@dataclass(frozen=True)
class OfferDraft:
    """The offer modal as typed, already parsed from strings where Slack does it."""

    title: str
    value: str | None
    seats: str
    closes_on: dt.date | None
    fits: str
    description: str


@dataclass(frozen=True)
class OfferView:
    id: int
    title: str
    value_key: str
    value_name: str
    group: str
    credit: int
    seats: int
    seats_taken: int
    closes_on: dt.date
    fits: Fits
    description: str
    status: str
    created_by: str

    @property
    def seats_left(self) -> int:
        return self.seats - self.seats_taken

    def open_on(self, today: dt.date) -> bool:
        return self.status == OfferStatus.OPEN and self.closes_on >= today


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
class SeatView:
    id: int
    offer_id: int
    offer_title: str
    value_name: str
    group: str
    credit: int
    account_id: int
    account_name: str
    owner_id: str | None
    advocate_name: str | None
    status: str
    reserved_by: str
    answered_via: str | None
    closed_by: str | None
    entry_id: int | None
    balance: int
    seats_left: int
    delivery_keys: tuple[str, ...] = ()

    @property
    def holds_seat(self) -> bool:
        return self.status in HOLDING_SEAT

    @property
    def settled(self) -> bool:
        """Nothing more can happen to it: delivered, or the seat given back."""
        return self.status in (SeatStatus.DELIVERED, SeatStatus.DECLINED, SeatStatus.RELEASED)


# --- managing offers (admins) -------------------------------------------------------------------


def check_manager(actor_id: str, admins: frozenset[str]) -> None:
    """Offers are the program's to give: only its admins post, edit and close them."""
    if actor_id not in admins:
        raise NotAllowed("manage offers")


def parse_fits(text: str) -> Fits:
    """`industries: Fintech, Retail` / `products: Payments` / `segments: Enterprise`, a line each."""
    found: dict[str, list[str]] = {"industries": [], "products": [], "segments": []}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        label, colon, values = line.partition(":")
        field = FIT_LABELS.get(normalize(label))
        if not colon or field is None:
            raise Invalid({"fits": f"Line {number}: start it with {FIT_HINT}."})
        found[field] += [" ".join(v.split()) for v in values.replace(";", ",").split(",") if v.strip()]
    return Fits(*(tuple(dict.fromkeys(found[f])) for f in ("industries", "products", "segments")))


def _fits_of(offer: Offer) -> Fits:
    def split(text: str) -> tuple[str, ...]:
        return tuple(v for v in text.split(";") if v)

    return Fits(split(offer.fits_industries), split(offer.fits_products), split(offer.fits_segments))


def _view(policy: Policy, offer: Offer) -> OfferView:
    value = policy.values.get(offer.value) or ValueType(offer.value, offer.value, "other", 0)
    return OfferView(
        id=offer.id,
        title=offer.title,
        value_key=offer.value,
        value_name=value.name,
        group=value.group,
        credit=value.credit,
        seats=offer.seats,
        seats_taken=offer.seats_taken,
        closes_on=offer.closes_on,
        fits=_fits_of(offer),
        description=offer.description,
        status=offer.status,
        created_by=offer.created_by,
    )


def _validate(policy: Policy, draft: OfferDraft, today: dt.date, seats_taken: int) -> tuple[int, Fits]:
    errors: dict[str, str] = {}
    if not draft.title.strip():
        errors["title"] = "Give the offer a title."
    elif len(draft.title.strip()) > TITLE_MAX:
        errors["title"] = f"Keep it under {TITLE_MAX} characters."
    if draft.value is None:
        errors["value"] = "Pick the value the customer gets."
    elif draft.value not in policy.values:
        errors["value"] = "That kind of value is no longer in the policy. Pick another one."
    seats = 0
    try:
        seats = int(draft.seats.strip())
    except ValueError:
        errors["seats"] = "Seats is a whole number, e.g. 5."
    else:
        if not 1 <= seats <= SEATS_MAX:
            errors["seats"] = f"Offer between 1 and {SEATS_MAX} seats."
        elif seats < seats_taken:
            errors["seats"] = f"{seats_taken} seats are already reserved: keep at least that many."
    if draft.closes_on is None:
        errors["closes_on"] = "Pick the day the offer closes."
    elif draft.closes_on < today:
        errors["closes_on"] = "That day is in the past. Pick today or later."
    if len(draft.description.strip()) > DESCRIPTION_MAX:
        errors["description"] = f"Keep it under {DESCRIPTION_MAX} characters."
    fits = Fits()
    try:
        fits = parse_fits(draft.fits)
    except Invalid as invalid:
        errors.update(invalid.errors)
    if errors:
        raise Invalid(errors)
    return seats, fits


def _write(offer: Offer, draft: OfferDraft, seats: int, fits: Fits, now: dt.datetime) -> None:
    assert draft.value is not None and draft.closes_on is not None
    offer.title = draft.title.strip()
    offer.value = draft.value
    offer.seats = seats
    offer.closes_on = draft.closes_on
    offer.fits_industries = ";".join(fits.industries)
    offer.fits_products = ";".join(fits.products)
    offer.fits_segments = ";".join(fits.segments)
    offer.description = draft.description.strip()
    offer.updated_at = now


def create_offer(
    db: Database,
    policy: Policy,
    draft: OfferDraft,
    *,
    actor_id: str,
    admins: frozenset[str],
    now: dt.datetime,
    today: dt.date,
) -> OfferView:
    check_manager(actor_id, admins)
    seats, fits = _validate(policy, draft, today, 0)
    with db.transaction() as session:
        offer = Offer(seats_taken=0, status=OfferStatus.OPEN, created_by=actor_id, created_at=now)
        _write(offer, draft, seats, fits, now)
        session.add(offer)
        session.flush()
        return _view(policy, offer)


def edit_offer(
    db: Database,
    policy: Policy,
    offer_id: int,
    draft: OfferDraft,
    *,
    actor_id: str,
    admins: frozenset[str],
    now: dt.datetime,
    today: dt.date,
) -> OfferView:
    """Change an offer; its seats never drop below those reserved (the row is locked meanwhile)."""
    check_manager(actor_id, admins)
    with db.transaction() as session:
        offer = _locked_offer(session, offer_id)
        seats, fits = _validate(policy, draft, today, offer.seats_taken)
        _write(offer, draft, seats, fits, now)
        session.flush()
        return _view(policy, offer)


def close_offer(
    db: Database, policy: Policy, offer_id: int, *, actor_id: str, admins: frozenset[str], now: dt.datetime
) -> OfferView:
    """No more seats are reserved; the reservations made stay, to be delivered or released."""
    check_manager(actor_id, admins)
    with db.transaction() as session:
        offer = _locked_offer(session, offer_id)
        offer.status = OfferStatus.CLOSED
        offer.updated_at = now
        session.flush()
        return _view(policy, offer)


def _locked_offer(session: Session, offer_id: int) -> Offer:
    offer = (
        session.scalar(select(Offer).where(Offer.id == offer_id).with_for_update())
        if 0 < offer_id <= ledger.ID_MAX
        else None
    )
    if offer is None:
        raise Gone(f"offer {offer_id}")
    return offer


def get_offer(db: Database, policy: Policy, offer_id: int) -> OfferView | None:
    with db.transaction(readonly=True) as session:
        offer = session.get(Offer, offer_id) if 0 < offer_id <= ledger.ID_MAX else None
        return _view(policy, offer) if offer else None


def list_offers(
    db: Database, policy: Policy, today: dt.date, *, include_closed: bool = False
) -> list[OfferView]:
    """Open offers first, soonest to close first; closed (or past their day) after, when asked for."""
    with db.transaction(readonly=True) as session:
        offers = [_view(policy, o) for o in session.scalars(select(Offer))]
    listed = [o for o in offers if include_closed or o.open_on(today)]
    return sorted(listed, key=lambda o: (not o.open_on(today), o.closes_on, o.title.casefold(), o.id))


# --- matching -----------------------------------------------------------------------------------


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


def ranked_accounts(db: Database, policy: Policy, offer_id: int, today: dt.date) -> list[Match]:
    """The accounts an offer should reach, the most over-asked first."""
    with db.transaction(readonly=True) as session:
        offer = session.get(Offer, offer_id) if 0 < offer_id <= ledger.ID_MAX else None
        if offer is None:
            raise Gone(f"offer {offer_id}")
        view = _view(policy, offer)
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
    sees them all); an account's offers come in the order: the group it is missing first, then where it
    stands in the offer's ranking, then the offer that closes soonest.
    """
    wanted = set(account_ids)
    if not wanted:
        return {}
    with db.transaction(readonly=True) as session:
        offers = [
            view
            for view in (_view(policy, o) for o in session.scalars(select(Offer)))
            if view.open_on(today) and view.seats_left > 0
        ]
        if not offers:  # the common case: no ranking to compute
            return {}
        rankings = _rankings(session, policy, offers, today)
    by_account: dict[int, list[Suggestion]] = {}
    for offer in offers:
        ranking = rankings[offer.id] if not within_reach else rankings[offer.id][: reach(offer)]
        for position, match in enumerate(ranking, start=1):
            if match.account_id in wanted:
                by_account.setdefault(match.account_id, []).append(
                    Suggestion(offer, match.account_id, match.name, position, match.missing_group)
                )
    for account_id, found in by_account.items():
        found.sort(key=lambda s: (not s.missing_group, s.position, s.offer.closes_on, s.offer.id))
        by_account[account_id] = found[:per_account]
    return by_account


# --- seats --------------------------------------------------------------------------------------


def _may_act(account: Account, actor_id: str, admins: frozenset[str], act: str) -> None:
    if actor_id != account.owner_slack_id and actor_id not in admins:
        raise NotAllowed(act, (account.owner_slack_id,) if account.owner_slack_id else ())


def _account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id) if 0 < account_id <= ledger.ID_MAX else None
    if account is None:
        raise Gone(f"account {account_id}")
    return account


def no_seats_left(offer: OfferView | Offer) -> str:
    return f"No seats left on “{offer.title}”: all {offer.seats} are taken. Nothing changed."


def offer_it(
    db: Database,
    policy: Policy,
    offer_id: int,
    account_id: int,
    *,
    actor_id: str,
    admins: frozenset[str],
    now: dt.datetime,
    today: dt.date,
    advocate_id: int | None = None,
    home_of: str | None = None,
) -> SeatView:
    """Reserve a seat of the offer for the account (the account's owner or an admin).

    The seat is taken by a conditional UPDATE, so a click that finds no seat left reserves
    nothing and says so; the reservation and the DM that carries its buttons are written in the
    same transaction.
    """
    with db.transaction() as session:
        account = _account(session, account_id)
        _may_act(account, actor_id, admins, "offer this to the account")
        if account.status == AccountStatus.DO_NOT_CONTACT:
            raise Invalid({"account": f"{account.name} asked not to be contacted: nothing is offered to it."})
        offer = session.get(Offer, offer_id) if 0 < offer_id <= ledger.ID_MAX else None
        if offer is None:
            raise Gone(f"offer {offer_id}")
        if offer.status != OfferStatus.OPEN or offer.closes_on < today:
            raise Invalid({"offer": f"“{offer.title}” is closed. Nothing changed."})
        if advocate_id is not None:
            advocate = session.get(Advocate, advocate_id)
            if advocate is None or advocate.account_id != account.id:
                raise Invalid({"advocate": "That advocate is not at this account."})
        took = session.execute(
            update(Offer)
            .where(
                Offer.id == offer_id,
                Offer.status == OfferStatus.OPEN,
                Offer.seats_taken < Offer.seats,
            )
            .values(seats_taken=Offer.seats_taken + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not took:
            raise Invalid({"offer": no_seats_left(offer)})
        seat_id = _insert_seat(session, offer_id, account.id, advocate_id, actor_id, now)
        if seat_id is None:  # this account already holds a seat: the one taken above is rolled back
            raise Invalid(
                {"offer": f"“{offer.title}” already holds a seat for {account.name}. Nothing changed."}
            )
        key = seat_message_key(seat_id)
        deliveries.enqueue(
            session,
            key=key,
            kind=DeliveryKind.OFFER_SEAT,
            recipient=account.owner_slack_id or actor_id,
            now=now,
            payload=OfferSeatPayload(seat_id),
        )
        session.flush()
        keys = (key, *_owe_home(session, home_of, f"seat:{seat_id}:reserved", now))
        return replace(_seat_view(session, policy, seat_id), delivery_keys=keys)


def _insert_seat(
    session: Session, offer_id: int, account_id: int, advocate_id: int | None, actor_id: str, now: dt.datetime
) -> int | None:
    """The reservation's id, or None when the account already holds a seat of the offer.

    `ON CONFLICT DO NOTHING` on the unique `hold_key`: a twin click waits for the first to commit
    (PostgreSQL) or queues behind it (SQLite), then finds the key taken instead of failing.
    """
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = OfferSeat.__table__
    row = session.execute(
        insert(table)
        .values(
            offer_id=offer_id,
            account_id=account_id,
            advocate_id=advocate_id,
            hold_key=f"{offer_id}:{account_id}",
            status=SeatStatus.RESERVED,
            reserved_by=actor_id,
            reserved_at=now,
        )
        .on_conflict_do_nothing(index_elements=["hold_key"])
        .returning(table.c.id)
    ).first()
    return None if row is None else int(row[0])


def seat_message_key(seat_id: int) -> str:
    """The outbox key of the reservation's DM (its buttons; later rewritten in place)."""
    return f"{DeliveryKind.OFFER_SEAT}:{seat_id}"


def card_landed(db: Database, seat_id: int) -> tuple[str, str] | None:
    """(channel, ts) of the seat's card once it reached Slack, so a refresh can rewrite it."""
    with db.transaction(readonly=True) as session:
        row = session.execute(
            select(Delivery.channel, Delivery.ts).where(
                Delivery.key == seat_message_key(seat_id), Delivery.status == DeliveryStatus.SENT
            )
        ).first()
    return (row.channel, row.ts) if row is not None and row.channel and row.ts else None


def _owe_refresh(session: Session, seat: OfferSeat, why: str, now: dt.datetime) -> str:
    key = f"{DeliveryKind.OFFER_SEAT_REFRESH}:{seat.id}:{why}"
    recipient = session.scalar(select(Account.owner_slack_id).where(Account.id == seat.account_id))
    deliveries.enqueue(
        session,
        key=key,
        kind=DeliveryKind.OFFER_SEAT_REFRESH,
        recipient=recipient or seat.reserved_by,
        now=now,
        payload=OfferSeatPayload(seat.id),
    )
    return key


def _owe_home(session: Session, home_of: str | None, why: str, now: dt.datetime) -> tuple[str, ...]:
    """A click on App Home owes that Home a republish, so it shows the seat as it now stands."""
    if home_of is None:
        return ()
    key = f"{DeliveryKind.HOME_REFRESH}:{home_of}:{why}"
    deliveries.enqueue(
        session,
        key=key,
        kind=DeliveryKind.HOME_REFRESH,
        recipient=home_of,
        now=now,
        payload=HomeRefreshPayload(),
    )
    return (key,)


def _seat_for_change(
    session: Session, seat_id: int, actor_id: str | None, admins: frozenset[str], act: str
) -> OfferSeat:
    seat = session.get(OfferSeat, seat_id) if 0 < seat_id <= ledger.ID_MAX else None
    if seat is None:
        raise Gone(f"seat {seat_id}")
    if actor_id is not None:
        _may_act(_account(session, seat.account_id), actor_id, admins, act)
    return seat


def _move(session: Session, seat_id: int, from_: tuple[str, ...], **values: object) -> bool:
    """A conditional state change: True only for the one writer that found the seat in `from_`."""
    return bool(
        session.execute(
            update(OfferSeat)
            .where(OfferSeat.id == seat_id, OfferSeat.status.in_(from_))
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
    )


def _give_back_seat(session: Session, offer_id: int) -> None:
    session.execute(
        update(Offer)
        .where(Offer.id == offer_id, Offer.seats_taken > 0)
        .values(seats_taken=Offer.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )


def _settled(seat: OfferSeat) -> AlreadySettled:
    return AlreadySettled(seat.status, seat.closed_by or seat.answered_by)


def record_answer(
    db: Database,
    policy: Policy,
    seat_id: int,
    accepted: bool,
    *,
    actor_id: str,
    admins: frozenset[str],
    now: dt.datetime,
    home_of: str | None = None,
) -> SeatView:
    """The owner records the advocate's answer (**Yes, count me in** / **No, thanks**)."""
    return _answer(
        db,
        policy,
        seat_id,
        accepted,
        actor_id=actor_id,
        admins=admins,
        via=VIA_OWNER,
        by=actor_id,
        now=now,
        home_of=home_of,
    )


def answer_from_advocate(
    db: Database, policy: Policy, seat_id: int, accepted: bool, *, email: str, now: dt.datetime
) -> SeatView:
    """The advocate's own answer, from the e-mail invitation's page (its signed link is the proof).

    The hook for the customer's-say e-mail: the page calls this; the owner's buttons call
    `record_answer`; whichever comes first wins, the other finds the seat answered.
    """
    return _answer(
        db, policy, seat_id, accepted, actor_id=None, admins=frozenset(), via=VIA_EMAIL, by=email, now=now
    )


def _answer(
    db: Database,
    policy: Policy,
    seat_id: int,
    accepted: bool,
    *,
    actor_id: str | None,
    admins: frozenset[str],
    via: str,
    by: str,
    now: dt.datetime,
    home_of: str | None = None,
) -> SeatView:
    with db.transaction() as session:
        seat = _seat_for_change(session, seat_id, actor_id, admins, "record the customer's answer")
        answer = {"answered_via": via, "answered_by": by[:64], "answered_at": now}
        if accepted:
            moved = _move(session, seat_id, (SeatStatus.RESERVED,), status=SeatStatus.ACCEPTED, **answer)
        else:
            moved = _move(
                session,
                seat_id,
                (SeatStatus.RESERVED, SeatStatus.ACCEPTED),
                status=SeatStatus.DECLINED,
                hold_key=None,
                closed_at=now,
                **answer,
            )
            if moved:
                _give_back_seat(session, seat.offer_id)
        session.refresh(seat)
        if not moved:
            raise _settled(seat)
        key = _owe_refresh(session, seat, seat.status, now)
        keys = (key, *_owe_home(session, home_of, f"seat:{seat_id}:{seat.status}", now))
        return replace(_seat_view(session, policy, seat_id), delivery_keys=keys)


def deliver_seat(
    db: Database,
    policy: Policy,
    seat_id: int,
    *,
    actor_id: str,
    admins: frozenset[str],
    now: dt.datetime,
    today: dt.date,
    home_of: str | None = None,
) -> SeatView:
    """**Delivered**: the account got the value; the ledger is credited with the value's credit, once."""
    with db.transaction() as session:
        seat = _seat_for_change(session, seat_id, actor_id, admins, "mark this delivered")
        moved = _move(
            session,
            seat_id,
            (SeatStatus.RESERVED, SeatStatus.ACCEPTED),
            status=SeatStatus.DELIVERED,
            closed_by=actor_id,
            closed_at=now,
        )
        session.refresh(seat)
        if not moved:
            raise _settled(seat)
        offer = session.get_one(Offer, seat.offer_id)
        value = policy.values.get(offer.value)
        if value is None:
            raise Invalid({"offer": "This offer's value is no longer in the policy: ask a program admin."})
        entry = ledger.post(
            session,
            account_id=seat.account_id,
            advocate_id=seat.advocate_id,
            kind=EntryKind.GIVE,
            amount=value.credit,
            item=value.key,
            actor_id=actor_id,
            now=now,
            occurred_on=today,
            note=f"Offer: {offer.title}"[:1000],
        )
        seat.entry_id = entry.id
        session.flush()
        key = _owe_refresh(session, seat, SeatStatus.DELIVERED, now)
        keys = (key, *_owe_home(session, home_of, f"seat:{seat_id}:delivered", now))
        return replace(_seat_view(session, policy, seat_id), delivery_keys=keys)


def release_seat(
    db: Database,
    policy: Policy,
    seat_id: int,
    *,
    actor_id: str,
    admins: frozenset[str],
    now: dt.datetime,
    home_of: str | None = None,
) -> SeatView:
    """**Release seat**: the reservation ends undelivered and the seat is free for someone else."""
    with db.transaction() as session:
        seat = _seat_for_change(session, seat_id, actor_id, admins, "release this seat")
        moved = _move(
            session,
            seat_id,
            (SeatStatus.RESERVED, SeatStatus.ACCEPTED),
            status=SeatStatus.RELEASED,
            hold_key=None,
            closed_by=actor_id,
            closed_at=now,
        )
        session.refresh(seat)
        if not moved:
            raise _settled(seat)
        _give_back_seat(session, seat.offer_id)
        key = _owe_refresh(session, seat, SeatStatus.RELEASED, now)
        keys = (key, *_owe_home(session, home_of, f"seat:{seat_id}:released", now))
        return replace(_seat_view(session, policy, seat_id), delivery_keys=keys)


def _seat_view(session: Session, policy: Policy, seat_id: int) -> SeatView:
    seat = session.get_one(OfferSeat, seat_id)
    session.refresh(seat)
    offer = session.get_one(Offer, seat.offer_id)
    session.refresh(offer)
    account = session.get_one(Account, seat.account_id)
    advocate = session.get(Advocate, seat.advocate_id) if seat.advocate_id else None
    view = _view(policy, offer)
    return SeatView(
        id=seat.id,
        offer_id=offer.id,
        offer_title=offer.title,
        value_name=view.value_name,
        group=view.group,
        credit=view.credit,
        account_id=account.id,
        account_name=account.name,
        owner_id=account.owner_slack_id,
        advocate_name=advocate.name if advocate else None,
        status=seat.status,
        reserved_by=seat.reserved_by,
        answered_via=seat.answered_via,
        closed_by=seat.closed_by,
        entry_id=seat.entry_id,
        balance=ledger.balance(session, policy.opening_balance, account.id),
        seats_left=view.seats_left,
    )


def seat(db: Database, policy: Policy, seat_id: int) -> SeatView | None:
    with db.transaction(readonly=True) as session:
        if session.get(OfferSeat, seat_id) is None:
            return None
        return _seat_view(session, policy, seat_id)


def open_seats(db: Database, policy: Policy, owner_id: str, *, limit: int = 10) -> list[SeatView]:
    """The reservations of one owner's accounts still waiting to be delivered or released."""
    with db.transaction(readonly=True) as session:
        ids = session.scalars(
            select(OfferSeat.id)
            .join(Account, Account.id == OfferSeat.account_id)
            .where(
                Account.owner_slack_id == owner_id,
                OfferSeat.status.in_((SeatStatus.RESERVED, SeatStatus.ACCEPTED)),
            )
            .order_by(OfferSeat.reserved_at, OfferSeat.id)
            .limit(limit)
        ).all()
        return [_seat_view(session, policy, i) for i in ids]


def reservation_count(db: Database, offer_id: int) -> int:
    """Reservations holding a seat of the offer (what the seat counter must equal)."""
    with db.transaction(readonly=True) as session:
        return int(
            session.scalar(
                select(func.count()).where(
                    and_(OfferSeat.offer_id == offer_id, OfferSeat.status.in_(HOLDING_SEAT))
                )
            )
            or 0
        )
