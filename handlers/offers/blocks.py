"""Block Kit for giving first: offers, suggestions, a seat's card, and the social-capital line.

Pure builders shared by the surfaces that show them (the nudge, App Home, `/reference give`, the
decision DM, find), so an offer reads the same wherever it appears.
"""

from __future__ import annotations

from handlers.kit.blocks import Block, actions, button, context, escape, section, user, when
from handlers.kit.ids import Action
from store.giveback.social_capital import SocialCapital
from store.models import SeatStatus
from store.offers import seat_changes
from store.offers.catalog import OfferView
from store.offers.matching import Suggestion
from store.offers.seats import SeatView
from store.rules.policy import points


def capital_line(capital: SocialCapital | None) -> str:
    """One line: what the account received in 12 months by group, and the groups it never got."""
    if capital is None:
        return ""
    got = ", ".join(f"{escape(line.group)} ×{line.gives}" for line in capital.received)
    received = f"Received in 12 months: {got}" if got else "Nothing given back in 12 months"
    never = ", ".join(escape(group) for group in capital.missing)
    missing = f" · never: {never}" if capital.missing and got else ""
    return received + missing


def offer_summary(offer: OfferView) -> str:
    seats = f"{offer.seats_left} of {offer.seats} seat{'' if offer.seats == 1 else 's'} left"
    return (
        f"*{escape(offer.title)}* · {escape(offer.value_name)} ({escape(offer.group)}, "
        f"{points(offer.credit, signed=True)}) · {seats} · closes {offer.closes_on.isoformat()}"
    )


def offer_it_value(offer_id: int, account_id: int) -> str:
    return f"{offer_id}:{account_id}"


def suggestion_block(suggestion: Suggestion) -> Block:
    """One suggested offer for one account, with **Offer it**."""
    why = (
        f" · {escape(suggestion.account_name)} got no {escape(suggestion.offer.group)} in 12 months"
        if suggestion.missing_group
        else ""
    )
    return section(
        f"{offer_summary(suggestion.offer)}\nfor *{escape(suggestion.account_name)}*{why}",
        accessory=button(
            "Offer it", Action.OFFER_IT, offer_it_value(suggestion.offer.id, suggestion.account_id), "primary"
        ),
    )


def offer_blocks(offer: OfferView, *, admin: bool) -> list[Block]:
    """An offer in a list; admins get **Edit** and **Close** while it is open."""
    lines = [offer_summary(offer)]
    if offer.fits.text():
        lines.append("Fits " + escape(offer.fits.text().replace("\n", " · ")))
    if offer.description:
        lines.append(escape(offer.description))
    if offer.status != "open":
        lines.append("_Closed_")
    blocks = [section("\n".join(lines))]
    if admin and offer.status == "open":
        blocks.append(
            actions(
                button("Edit", Action.EDIT_OFFER, str(offer.id)),
                button("Close", Action.CLOSE_OFFER, str(offer.id), "danger"),
            )
        )
    return blocks


SEAT_OUTCOMES = {
    SeatStatus.DELIVERED: "✅ Delivered",
    SeatStatus.DECLINED: "↩️ The customer said no, thanks: the seat went back",
    SeatStatus.RELEASED: "↩️ Seat released",
}


def seat_blocks(seat: SeatView) -> list[Block]:
    """The owner's card of a reserved seat: record the customer's answer, then Delivered or release."""
    advocate = f" ({escape(seat.advocate_name)})" if seat.advocate_name else ""
    head = (
        f"Seat on *{escape(seat.offer_title)}* for *{escape(seat.account_name)}*{advocate}: "
        f"{escape(seat.value_name)}, {points(seat.credit, signed=True)} when delivered."
    )
    if seat.settled:
        outcome = SEAT_OUTCOMES.get(SeatStatus(seat.status), seat.status)
        by = f" by {user(seat.closed_by)}" if seat.closed_by else ""
        if seat.closed_by == seat_changes.REMOVED:
            by = ": the advocate was removed from the program at their request"
        balance = f" Balance now *{points(seat.balance)}*."
        return [section(head), context(f"{outcome}{by}.{balance}")]
    buttons = []
    if seat.status == SeatStatus.RESERVED:
        state = "Waiting for the customer's answer: record it here once you have it."
        if seat.invited_at is not None:
            state = (
                f"{escape(seat.advocate_name or 'The advocate')} was invited by e-mail on "
                f"{when(seat.invited_at)}: their answer shows here. "
                "If they tell you in person, record it here."
            )
        buttons += [
            button("Yes, count me in", Action.SEAT_YES, str(seat.id), "primary"),
            button("No, thanks", Action.SEAT_NO, str(seat.id)),
        ]
    else:
        via = "by e-mail" if seat.answered_via == "email" else "recorded by the owner"
        state = f"The customer said yes ({via}). Mark it delivered once they got it."
    buttons += [
        button("Delivered", Action.DELIVERED, str(seat.id)),
        button("Release seat", Action.RELEASE_SEAT, str(seat.id)),
    ]
    return [section(head), context(state), actions(*buttons)]


def seat_text(seat: SeatView) -> str:
    """The notification text of a seat's card."""
    if seat.status == SeatStatus.DELIVERED:
        return (
            f"Delivered {escape(seat.offer_title)} to {escape(seat.account_name)}: "
            f"{points(seat.credit, signed=True)}, balance now {points(seat.balance)}"
        )
    offer, account = escape(seat.offer_title), escape(seat.account_name)
    who = escape(seat.advocate_name or account)
    return {
        SeatStatus.RESERVED: (
            f"{offer}: a seat is held for {account}; {who} is invited by e-mail"
            if seat.invited_at
            else f"{offer}: a seat is held for {account}; ask {who} and record their answer"
        ),
        SeatStatus.ACCEPTED: f"{who} said yes to {offer}: mark it Delivered once it happened",
        SeatStatus.DECLINED: f"{who} said no, thanks, to {offer}: the seat went back",
        SeatStatus.RELEASED: f"The seat on {offer} for {account} was released",
    }.get(SeatStatus(seat.status), f"Seat on {offer} for {account}: {seat.status.replace('_', ' ')}")
