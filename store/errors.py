"""What the domain refuses, as plain data: every surface turns these into words in one place.

The store raises; it never words a refusal for Slack. Each error carries what a surface needs to
say it well (field names, the user ids who may act, the state the thing is already in), and
`handlers.kit.refusals` is the one place that turns it into an inline modal error, an ephemeral
reply or a notice on App Home.
"""

from __future__ import annotations

import datetime as dt


class DomainError(Exception):
    """Something a person asked for that the program will not do; nothing was changed."""


class Invalid(DomainError):
    """What is wrong with what was typed, by field name, in words for the person who typed it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NamesNobody(Invalid):
    """An approval that names nobody who can be asked: none given where the request leaves the
    choice to its owner, or one not (or no longer) at the account. Said on the advocate field;
    **Approve** and **I'll ask them myself** open the picker instead."""

    def __init__(self) -> None:
        super().__init__({"advocate": "Pick the advocate to ask: an approval names who is asked."})


class NotAllowed(DomainError):
    """This person may not `act`; `people` (Slack user ids) and the program admins may."""

    def __init__(self, act: str, people: tuple[str, ...] = (), *, why: str | None = None) -> None:
        super().__init__(f"only {', '.join(people) or 'admins'} may {act}")
        self.act = act
        self.people = people
        self.why = why


class AlreadySettled(DomainError):
    """Someone else (or an earlier click) got there first: the thing is already `status`.

    `thing` says what it is ("request", "seat"): the same word means different things for each
    ("declined" by the owner, or "No, thanks" from the advocate)."""

    def __init__(self, status: str, by: str | None = None, *, thing: str = "request") -> None:
        super().__init__(f"already {status}")
        self.status = status
        self.by = by
        self.thing = thing


class Blocked(NotAllowed):
    """An owner's approval a ⛔ rule blocks now: only a program admin can approve, with override.

    `admins_told`: the program admins have the DM to decide it (the surface that asked them sets
    it), so the owner knows it went on rather than stopped."""

    def __init__(self) -> None:
        super().__init__("approve this", why="a ⛔ rule blocks it")
        self.admins_told = False


class NeedsOverride(DomainError):
    """A ⛔ rule blocks approval now: only a program admin can approve, with override.

    `admins_told` as for `Blocked` (an owner's Approve that finds nobody at the account who can
    be asked)."""

    def __init__(self) -> None:
        super().__init__("a ⛔ rule blocks approval now")
        self.admins_told = False


class TooSoon(DomainError):
    """Changed a moment ago: it may change again once `wait` has passed."""

    def __init__(self, wait: dt.timedelta) -> None:
        super().__init__(f"changed a moment ago; may change again in {wait}")
        self.wait = wait

    @property
    def minutes(self) -> int:
        """The wait in whole minutes, rounded up: what a sentence says."""
        return max(1, -(-int(self.wait.total_seconds()) // 60))


class Gone(DomainError):
    """What the button or form points at no longer exists (or can no longer be used: `why` says so)."""

    def __init__(self, message: str = "", *, why: str | None = None) -> None:
        super().__init__(message)
        self.why = why


class Changed(DomainError):
    """What the form showed has changed since it was opened (the words of evidence were edited):
    nothing was recorded, and the form is shown again as things now stand."""


class Unavailable(DomainError):
    """The database did not answer in time; nothing was saved (and nothing will be, later)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the database did not answer in time ({reason}); nothing was saved")
        self.reason = reason
