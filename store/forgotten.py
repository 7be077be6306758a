"""Who may not be added to the program again: people removed at their request ("Remove me", or
`refdesk advocates forget`), known only by the keyed fingerprint of their address, and contacts
who answered an invitation with **No, thanks**.

Every way in (a nomination, a CSV import, joining) asks here first, in its own transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from store.addresses import AddressKey
from store.models import ForgottenAddress, Nomination, NominationStatus


class NoAddressKey(Exception):
    """People were removed, and this process has no key to recognise their addresses by."""

    def __init__(self) -> None:
        super().__init__(
            "REFDESK_ERASURE_SECRET is not set, so the addresses of people removed from the program "
            "cannot be recognised: set it (or REFDESK_LINK_SECRET) to the value the program used"
        )


def forgotten_among(session: Session, key: AddressKey | None, addresses: Iterable[str]) -> set[str]:
    """Those of `addresses` (cleaned) whose owner was removed from the program.

    Without a key nobody can be recognised: fine while nobody was removed, refused (`NoAddressKey`)
    once someone was, rather than let them back in.
    """
    wanted = set(addresses)
    if not wanted:
        return set()
    if key is None:
        if session.scalar(select(exists().where(ForgottenAddress.fingerprint.is_not(None)))):
            raise NoAddressKey()
        return set()
    by_print = {key.fingerprint(address): address for address in wanted}
    found = session.scalars(
        select(ForgottenAddress.fingerprint).where(ForgottenAddress.fingerprint.in_(list(by_print)))
    )
    return {by_print[fingerprint] for fingerprint in found}


def said_no_thanks(session: Session, address: str) -> bool:
    """They answered an invitation with **No, thanks**: never nominated again without their own action."""
    return bool(
        session.scalar(
            select(
                exists().where(Nomination.email == address, Nomination.status == NominationStatus.NO_THANKS)
            )
        )
    )
