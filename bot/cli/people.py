"""`refdesk advocates export EMAIL` and `refdesk advocates forget EMAIL`: a person's data rights,
for an admin, with the same store calls as **Download my data** and **Remove me** on their page
(the owner is told by DM, e-mails still owed to them are cancelled)."""

from __future__ import annotations

from bot.app import build_desk
from bot.cli.program import send_owed
from bot.errors import CliError
from bot.settings import Settings
from store.bench import data_rights, erasure
from store.db import Database
from store.errors import Gone, Invalid
from store.forgotten import NoAddressKey
from store.rules.policy import load_policy

NOTHING_HELD = (
    "nothing is held about {address}: "
    "no advocate, nomination, colleague named on an ask or survey answer has this address"
)


def advocates_export(settings: Settings, db: Database, address: str, *, as_csv: bool) -> int:
    """Everything held about the person, as JSON (or CSV) on standard output."""
    desk = build_desk(settings, db, load_policy(settings.policy_file))
    try:
        data = data_rights.of_address(db, desk.policy, address, desk.now())
    except Invalid as invalid:
        raise CliError(f"EMAIL: {invalid.errors['email']}") from None
    except Gone:
        raise CliError(NOTHING_HELD.format(address=address)) from None
    print(data_rights.to_csv(data) if as_csv else data_rights.to_json(data), end="")
    return 0


def advocates_forget(settings: Settings, db: Database, address: str) -> int:
    """Erase the person in one transaction; their owner is told, what was owed to them cancelled."""
    desk = build_desk(settings, db)
    try:
        done = erasure.forget_address(db, address, key=desk.address_key, now=desk.now())
    except Invalid as invalid:
        raise CliError(f"EMAIL: {invalid.errors['email']}") from None
    except Gone:
        raise CliError(NOTHING_HELD.format(address=address)) from None
    except NoAddressKey as missing:
        raise CliError(str(missing)) from None
    print(
        f"removed: {len(done.advocates)} advocate(s), {done.nominations} nomination(s) and "
        f"{done.survey_answers} survey answer(s) erased, {done.cancelled} e-mail(s) owed to them "
        "cancelled; their address is kept only as a keyed fingerprint, so no import adds them again"
    )
    send_owed(desk, done.delivery_keys)
    return 0
