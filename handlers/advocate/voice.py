"""Who speaks to the advocate, and how: the account's owner by their real name and title, at the
company customers know (never the program's own name, never a bare address), and the requester
who will be in touch after a yes.

Names come from Slack (`handlers.kit.people`). An e-mail waits for them: when Slack cannot say who
the owner is just now, the e-mail is tried again shortly (`NotYet`) rather than sent signed by
nobody. A page does not wait: it says "your account team" instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.kit.desk import Desk
from handlers.kit.people import Person, Unreachable
from handlers.outbox.messages import NotYet
from store.customer.ask_view import AskView


@dataclass(frozen=True)
class Voice:
    company: str
    #: the account's owner (None: unknown to Slack, or Slack unreachable for a page)
    owner: Person | None
    #: the requester, who contacts the advocate after a yes (None as for the owner)
    requester: Person | None
    #: the account's owner's address in the CRM, when Slack has none
    owner_email: str | None
    privacy_url: str | None = None

    @property
    def signer(self) -> str:
        """Who signs: the owner by name, else the account team."""
        return self.owner.name if self.owner else f"Your account team at {self.company}"

    @property
    def sender(self) -> str:
        """The From name: the owner at the company ("Olivia Owner (Northwind)"), else the company."""
        return f"{self.owner.name} ({self.company})" if self.owner else self.company

    @property
    def signature(self) -> str:
        """The line under the name: their title at the company."""
        if self.owner is None:
            return ""
        return f"{self.owner.title}, {self.company}" if self.owner.title else self.company

    @property
    def reply_to(self) -> str | None:
        return (self.owner.email if self.owner else None) or self.owner_email

    @property
    def owner_name(self) -> str:
        return self.owner.name if self.owner else f"your account team at {self.company}"

    @property
    def requester_short(self) -> str:
        """The requester by name only, once they were introduced."""
        return self.requester.name if self.requester else f"the person at {self.company} who asked"

    @property
    def requester_name(self) -> str:
        """The requester, as the advocate reads it: "Alice Seller (Account Executive)"."""
        if self.requester is None:
            return f"the person at {self.company} who asked"
        return (
            f"{self.requester.name} ({self.requester.title})" if self.requester.title else self.requester.name
        )


def voice(
    desk: Desk, owner_id: str | None, owner_email: str | None, *, requester_id: str | None = None, wait: bool
) -> Voice:
    """The voice of an e-mail (`wait`: Slack unreachable → `NotYet`) or of a page (fallbacks): the
    owner `owner_id` (`owner_email`: the CRM's address when Slack has none) and the requester."""
    company = desk.company or "our company"

    def look_up(user_id: str | None) -> Person | None:
        if desk.people is None or not user_id:
            return None
        try:
            return desk.people.person(user_id)
        except Unreachable as down:
            if wait:
                raise NotYet(f"Slack cannot say who {user_id} is just now ({down})") from None
            return None

    return Voice(
        company=company,
        owner=look_up(owner_id),
        requester=look_up(requester_id),
        owner_email=owner_email,
        privacy_url=desk.privacy_url,
    )


def page_values(said: Voice) -> dict[str, object]:
    """What every advocate page shows around its content (`base.html`): who sends it, for which
    company, and the privacy notice."""
    return {
        "voice": said,
        "company": said.company,
        "sender": said.owner_name if said.owner is None else f"{said.owner.name} at {said.company}",
        "privacy_url": said.privacy_url,
    }


def of_ask(desk: Desk, ask: AskView, *, wait: bool) -> Voice:
    """The voice of an ask: its owner, and its requester who contacts the advocate after a yes."""
    return voice(desk, ask.owner_id, ask.owner_email, requester_id=ask.requester_id, wait=wait)


def why_you(ask: AskView) -> str:
    """Why this advocate, from what the program knows: the same industry as the prospect, our
    products they use ("" when nothing says)."""
    reasons = []
    if ask.account_industry and ask.account_industry.casefold() == ask.prospect_industry.strip().casefold():
        reasons.append(f"{ask.account_name} is in {ask.account_industry} too")
    if ask.products:
        named = " and ".join(ask.products) if len(ask.products) < 3 else ", ".join(ask.products)
        reasons.append(f"you know our {named} from the inside")
    if not reasons:
        return ""
    sentence = ", and ".join(reasons)
    return sentence[:1].upper() + sentence[1:] + "."
