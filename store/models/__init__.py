"""The persistent shape of the reference program (SQLAlchemy 2, typed), one module per aggregate.

Rules the schema itself enforces, so that no code path can break them:

* the equity ledger is insert-only; an ask is debited once per request and a reversal reverses
  one entry once (unique constraints in `store.models.ledger`);
* a modal submitted twice creates one request (`source_key` is unique);
* every piece of Slack output that must not be lost or sent twice is a `Delivery` row with a
  unique `key`: the row is written in the same transaction as the state change it reports, and
  a worker claims it (a lease) before sending.

Importing the package maps every table (Alembic and relationships need them all), so the names
are imported from here: `from store.models import Account, Delivery`.
"""

from store.models.accounts import Account, AccountStatus, Advocate
from store.models.base import NAMING_CONVENTION, Base, UtcDateTime, new_public_id, normalize
from store.models.bench import (
    OPEN_NOMINATION,
    Blackout,
    ForgottenAddress,
    Nomination,
    NominationStatus,
    NpsAnswer,
)
from store.models.customer import Consent, ConsentAnswer, Rating, Referral
from store.models.demand import Demand, DemandSource
from store.models.evidence import WITHDRAWN_BY_ERASURE, Evidence, EvidenceStatus, EvidenceUse, NameAs
from store.models.ledger import EntryKind, KeptBalance, LedgerEntry
from store.models.offers import HOLDING_SEAT, Offer, OfferSeat, OfferStatus, SeatStatus
from store.models.opportunities import Opportunity, OpportunityLink, OpportunityOutcome
from store.models.outbox import Delivery, DeliveryStatus, SeenEvent, SendSlot
from store.models.requests import (
    DEAL_CLOSED_NOTE,
    WERE_APPROVED,
    ReferenceRequest,
    RequestStatus,
)

__all__ = [
    "DEAL_CLOSED_NOTE",
    "HOLDING_SEAT",
    "NAMING_CONVENTION",
    "OPEN_NOMINATION",
    "WERE_APPROVED",
    "WITHDRAWN_BY_ERASURE",
    "Account",
    "AccountStatus",
    "Advocate",
    "Base",
    "Blackout",
    "Consent",
    "ConsentAnswer",
    "Delivery",
    "DeliveryStatus",
    "Demand",
    "DemandSource",
    "EntryKind",
    "Evidence",
    "EvidenceStatus",
    "EvidenceUse",
    "ForgottenAddress",
    "KeptBalance",
    "LedgerEntry",
    "NameAs",
    "Nomination",
    "NominationStatus",
    "NpsAnswer",
    "Offer",
    "OfferSeat",
    "OfferStatus",
    "Opportunity",
    "OpportunityLink",
    "OpportunityOutcome",
    "Rating",
    "ReferenceRequest",
    "Referral",
    "RequestStatus",
    "SeatStatus",
    "SeenEvent",
    "SendSlot",
    "UtcDateTime",
    "new_public_id",
    "normalize",
]
