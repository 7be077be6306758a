"""Give first: the offers program admins post (a value type of the policy with a number of seats).

An offer's value type sets its credit and its social-capital group. Which accounts an offer should
reach is `store.offers.matching`; its seats are `store.offers.seats`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store import ledger
from store.act import Act
from store.db import Database
from store.errors import Gone, Invalid, NotAllowed
from store.models import Offer, OfferStatus, normalize
from store.rules.policy import Policy, ValueType

TITLE_MAX = 150
DESCRIPTION_MAX = 2000
SEATS_MAX = 1000
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


# --- managing offers (admins) -------------------------------------------------------------------


def check_manager(act: Act) -> None:
    """Offers are the program's to give: only its admins post, edit and close them."""
    if not act.by_admin:
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


def offer_view(policy: Policy, offer: Offer) -> OfferView:
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
    db: Database, policy: Policy, draft: OfferDraft, act: Act, *, source_key: str | None = None
) -> OfferView:
    """A new offer; the same modal (`source_key`) sent again, even at the same moment, answers
    with the offer it created instead of a second one."""
    check_manager(act)
    seats, fits = _validate(policy, draft, act.today, 0)
    with db.transaction() as session:
        if source_key is not None:
            again = session.scalar(select(Offer).where(Offer.source_key == source_key))
            if again is not None:
                return offer_view(policy, again)
        offer = Offer(
            source_key=source_key,
            seats_taken=0,
            status=OfferStatus.OPEN,
            created_by=act.user,
            created_at=act.now,
        )
        _write(offer, draft, seats, fits, act.now)
        offer_id = _insert_once(session, offer)
        if offer_id is None:  # the same modal's other copy created it a moment ago
            offer_id = session.scalar(select(Offer.id).where(Offer.source_key == source_key))
        return offer_view(policy, session.get_one(Offer, offer_id))


def _insert_once(session: Session, offer: Offer) -> int | None:
    """The new offer's id, or None when its `source_key` is already taken: `INSERT ... ON CONFLICT
    DO NOTHING` answers on both databases without breaking the transaction."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = Offer.__table__
    values = {column.key: getattr(offer, column.key) for column in table.columns if column.key != "id"}
    return session.scalar(insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id))


def edit_offer(db: Database, policy: Policy, offer_id: int, draft: OfferDraft, act: Act) -> OfferView:
    """Change an offer; its seats never drop below those reserved (the row is locked meanwhile)."""
    check_manager(act)
    with db.transaction() as session:
        offer = _locked_offer(session, offer_id)
        seats, fits = _validate(policy, draft, act.today, offer.seats_taken)
        _write(offer, draft, seats, fits, act.now)
        session.flush()
        return offer_view(policy, offer)


def close_offer(db: Database, policy: Policy, offer_id: int, act: Act) -> OfferView:
    """No more seats are reserved; the reservations made stay, to be delivered or released."""
    check_manager(act)
    with db.transaction() as session:
        offer = _locked_offer(session, offer_id)
        offer.status = OfferStatus.CLOSED
        offer.updated_at = act.now
        session.flush()
        return offer_view(policy, offer)


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
        return offer_view(policy, offer) if offer else None


def list_offers(
    db: Database, policy: Policy, today: dt.date, *, include_closed: bool = False
) -> list[OfferView]:
    """Open offers first, soonest to close first; closed (or past their day) after, when asked for."""
    with db.transaction(readonly=True) as session:
        offers = [offer_view(policy, o) for o in session.scalars(select(Offer))]
    listed = [o for o in offers if include_closed or o.open_on(today)]
    return sorted(listed, key=lambda o: (not o.open_on(today), o.closes_on, o.title.casefold(), o.id))
