"""What the checklist judges and what it says: the rules (in the order the approver reads them),
the verdicts, one result per rule, and the facts of one prospective ask.

Apart from `store.rules.checklist` (the judge itself) so the checklist's branches can live in more
than one module without importing each other; `store.rules.checklist` re-exports every name here,
which is where the rest of the program imports them from.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass


class Rule(enum.StrEnum):
    """The checklist's rules, in the order the approver reads them: product.md's order.

    It also runs from what a requester can mend soonest (give something back) to what only the
    customer can (a paused account), so find lists blocked accounts in this order and needs to
    know nothing about any rule (`rank`).

    Each rule carries what the replay's table calls it (`label`) and whether the equity ledger is
    what drives it (`ledger`: the simulator's "no ledger rules" run ignores those): whoever lists
    rules reads them here, so a new rule cannot be missing from a list kept elsewhere.
    """

    label: str
    ledger: bool

    def __new__(cls, value: str, label: str, ledger: bool = False) -> Rule:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.ledger = ledger
        return member

    BALANCE = "balance", "balance stays ≥ 0", True
    ADVOCATE_REST = "advocate_rest", "advocate's rest period", True
    ADVOCATE_CAP = "advocate_cap", "advocate's asks in the window", True
    #: the advocate's own limit of asks a quarter (`Advocate.asks_per_quarter`)
    ADVOCATE_LIMIT = "advocate_limit", "advocate's own limit per quarter"
    #: what the advocate said: not for 3 months, or never ask again
    ADVOCATE_SAY = "advocate_say", "advocate said not now / never"
    #: the activities the advocate agreed to, each its own consent (their page, the import)
    ADVOCATE_ACTIVITY = "advocate_activity", "advocate's own activities"
    #: the dates the advocate asked not to be asked on (their page)
    ADVOCATE_BLACKOUT = "advocate_blackout", "advocate's dates not to ask"
    ADVOCATE_RATING = "advocate_rating", "advocate's last rating"
    #: an ask that names nobody, at an account where a ⛔ rule protects every advocate
    NOBODY_TO_ASK = "nobody_to_ask", "nobody at the account can be asked"
    ACTIVITY_CAP = "activity_cap", "capped activity per quarter"
    ACCOUNT_STATUS = "account_status", "account paused / do not contact"
    RENEWAL = "renewal", "renewal close"
    #: someone at the account scored the company 0–6 on the NPS survey lately
    DETRACTOR = "detractor", "NPS detractor lately"
    DUPLICATE = "duplicate", "another request pending"
    GIVE_BACK = "give_back", "nothing given back lately"

    @property
    def rank(self) -> int:
        """1 for the rule read first (the soonest mended), and so on down the checklist."""
        return list(Rule).index(self) + 1


#: the rules about the person asked: what tells one advocate of an account from another
ADVOCATE_RULES = frozenset(
    {
        Rule.ADVOCATE_REST,
        Rule.ADVOCATE_CAP,
        Rule.ADVOCATE_LIMIT,
        Rule.ADVOCATE_SAY,
        Rule.ADVOCATE_ACTIVITY,
        Rule.ADVOCATE_BLACKOUT,
        Rule.ADVOCATE_RATING,
    }
)


class Verdict(enum.StrEnum):
    OK = "ok"
    WARNING = "warning"
    BLOCKING = "blocking"

    @property
    def emoji(self) -> str:
        return {"ok": "✅", "warning": "⚠️", "blocking": "⛔"}[self.value]


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    verdict: Verdict
    #: what the approver reads in the checklist
    sentence: str
    #: the few words a list shows beside an account ("paused", "resting: asked on …"); every ⚠️
    #: and ⛔ has one, a ✅ needs none
    reason: str = ""


@dataclass(frozen=True)
class DatesOff:
    """A range of days an advocate is not to be asked, both included, and why in their words."""

    starts_on: dt.date
    ends_on: dt.date
    note: str = ""

    def covers(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on

    @property
    def dates(self) -> str:
        return f"{self.starts_on.isoformat()} to {self.ends_on.isoformat()}"


@dataclass(frozen=True)
class NpsFact:
    """The NPS answer an ask of the account should know about: the latest detractor's in the
    window if there is one, else the latest answer in it."""

    score: int
    answered_on: dt.date
    comment: str = ""


@dataclass(frozen=True)
class PolicyFacts:
    """What the checklist needs to know about one prospective ask."""

    today: dt.date
    #: the activity key; None when nothing is named yet (find with words only)
    activity: str | None
    cost: int
    balance: int
    account_status: str
    renewal_date: dt.date | None
    other_pending_requests: int
    #: the account's asks this quarter for the policy's `capped_activity`
    capped_asks_this_quarter: int
    last_give_on: dt.date | None
    #: the account has never been asked: nothing is owed back yet
    first_ask: bool = False
    advocate_name: str | None = None
    advocate_last_ask_on: dt.date | None = None
    advocate_asks_in_window: int = 0
    #: the advocate's asks this quarter, and the most they said they want (None: no limit of theirs)
    advocate_asks_this_quarter: int = 0
    advocate_limit: int | None = None
    #: the advocate answered "Please don't ask me again"
    advocate_never: bool = False
    #: the advocate answered "Not for 3 months": the last day they rest
    advocate_rests_until: dt.date | None = None
    #: the advocate's own rating of their last activity (1–5)
    advocate_last_rating: int | None = None
    account_name: str = ""
    #: for an ask that names nobody: why each of the account's advocates cannot be asked, when a
    #: ⛔ rule protects every one of them ("Jane Doe (resting until …)"); empty when someone can be
    nobody_to_ask: tuple[str, ...] = ()
    #: the activities the advocate agreed to; None when no advocate's consent was read
    advocate_activities: tuple[str, ...] | None = None
    #: the advocate's dates not to ask that end today or later, soonest first
    advocate_dates_off: tuple[DatesOff, ...] = ()
    #: the day the activity is needed by, when the ask says (a blackout covering it blocks)
    needed_by: dt.date | None = None
    #: the account's NPS answer that matters in the policy's window, if any
    nps: NpsFact | None = None
