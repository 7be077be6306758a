"""The messages about nominations and promoters, as pure functions of what the store hands back:
the deciders' card (**Invite them** / **Not now**), the news of an outcome, the owner told an
advocate was removed, a promoter to nominate, and the admins' list of open nominations.
Every piece of text from people or imports goes through `escape`."""

from __future__ import annotations

import datetime as dt

from handlers.kit.blocks import Block, actions, button, context, day, day_of, escape, header, section, user
from handlers.kit.ids import Action
from handlers.kit.nominating import FROM_PROMOTER, nominate_button
from store.bench.notices import UNDELIVERABLE
from store.bench.views import NominationView
from store.models import NominationStatus
from store.promoters import Promoter

INVITE_THEM, NOT_NOW = "Invite them", "Not now"
#: where a nomination stands, in a line
STATUS_LINE = {
    NominationStatus.PROPOSED: "⏳ Waiting for the owner's decision",
    NominationStatus.INVITED: "✉️ Invited: waiting for their answer",
    NominationStatus.JOINED: "🎉 Joined the program",
    NominationStatus.NOT_NOW: "⏸️ Not now",
    NominationStatus.NO_THANKS: "🙅 They said no, thanks",
    NominationStatus.WITHDRAWN: "🚫 Withdrawn: the person was removed from the program",
}


def written_day(on: dt.date) -> str:
    """A date as words typed into a modal's text (a prefilled "Why them"), where no token works."""
    return on.strftime("%-d %B %Y")


def _by(view: NominationView) -> str:
    if view.nominated_by.startswith(("U", "W")):
        return user(view.nominated_by)
    return "their colleague, on the ask they answered" if view.from_request_id else "an advocate"


def _who(view: NominationView) -> str:
    title = f", {escape(view.title)}" if view.title else ""
    return f"*{escape(view.name)}*{title}"


def nomination_blocks(view: NominationView, *, reminder: bool = False, days: int = 0) -> list[Block]:
    """The deciders' card: who, where, why, what they might do; the buttons while it is theirs
    to decide, else where it stands."""
    blocks: list[Block] = []
    if reminder and view.status == NominationStatus.PROPOSED:
        blocks.append(context(f"⏰ This nomination has waited {days} days for your decision."))
    blocks.append(header(f"Nomination: {view.name}"))
    address = f" · {escape(view.email)}" if view.email else ""
    blocks.append(
        section(
            f"{_who(view)}{address}\nat *{escape(view.account_name)}* · nominated by {_by(view)} "
            f"on {day_of(view.created_at)}"
        )
    )
    blocks.append(section(f"*Why them*\n> {escape(view.why) or '—'}"))
    might = ", ".join(view.activity_names) or "—"
    blocks.append(section(f"*Activities they might do*: {escape(might)}"))
    if view.status == NominationStatus.PROPOSED:
        blocks.append(
            context(
                f"*{INVITE_THEM}* e-mails {escape(view.name)} on your behalf: what being an advocate "
                f"means for them, and a link to join or say no, thanks. *{NOT_NOW}* asks for a reason, "
                "which the person who nominated them reads."
            )
        )
        blocks.append(
            actions(
                button(INVITE_THEM, Action.NOMINATION_INVITE, str(view.id), style="primary"),
                button(NOT_NOW, Action.NOMINATION_NOT_NOW, str(view.id)),
                block_id=f"nomination:{view.id}",
            )
        )
    else:
        blocks.append(section(outcome_line(view)))
    return blocks


def outcome_line(view: NominationView) -> str:
    line = STATUS_LINE.get(NominationStatus(view.status), view.status)
    if view.status in (NominationStatus.INVITED, NominationStatus.NOT_NOW) and view.decided_by:
        line += f" (by {user(view.decided_by)})"
    if view.status == NominationStatus.NOT_NOW and view.reason:
        line += f"\n> {escape(view.reason)}"
    return line


def news(view: NominationView, about: str) -> tuple[str, list[Block]]:
    """The nominator (or the owner) told how a nomination went: (notification text, blocks)."""
    name, account = escape(view.name), escape(view.account_name)
    if about == NominationStatus.INVITED:
        text = f"✉️ {name} ({account}) is invited to join the program: they decide on their own page."
    elif about == NominationStatus.NOT_NOW:
        text = f"⏸️ Your nomination of {name} ({account}): not now, said {user(view.decided_by)}."
    elif about == NominationStatus.JOINED:
        text = f"🎉 {name} joined the program as an advocate of {account}."
    elif about == NominationStatus.NO_THANKS:
        text = f"🙅 {name} ({account}) said no, thanks to joining the program: they won't be asked again."
    elif about == UNDELIVERABLE:
        text = (
            f"⚠️ The invitation to {name} ({account}) could not be e-mailed: invite them yourself, "
            "or check their address and nominate them again."
        )
    else:
        text = f"{name} ({account}): {outcome_line(view)}"
    blocks = [section(text)]
    if about == NominationStatus.NOT_NOW and view.reason:
        blocks.append(section(f"*Reason*\n> {escape(view.reason)}"))
    return text, blocks


def removed(account_name: str, by_admin: bool) -> tuple[str, list[Block]]:
    """The owner told an advocate of their account was removed (never named: their name is gone)."""
    how = "A program admin removed" if by_admin else "At their request, we removed"
    text = f"{how} an advocate of {escape(account_name)} from the program."
    detail = (
        "Their personal details are erased and they will not be asked again. Their asks stay in the "
        "ledger as sums, so the account's balance is unchanged."
    )
    return text, [section(f"{text} {detail}")]


def promoter_line(promoter: Promoter) -> str:
    """ "Hank Hill gave us 10 on 3 November 2026: 'great support'" (flow 17)."""
    said = f": “{escape(promoter.comment[:150])}”" if promoter.comment else ""
    who = escape(promoter.name or promoter.email)
    return (
        f"*{who}* at {escape(promoter.account_name)} gave us {promoter.score} on "
        f"{day(promoter.answered_on)}{said}"
    )


def promoter_block(promoter: Promoter) -> Block:
    return section(promoter_line(promoter), accessory=nominate_button(f"{FROM_PROMOTER}{promoter.answer_id}"))


def open_nominations_blocks(views: list[NominationView], total: int, now: dt.datetime) -> list[Block]:
    """The admins' list: every open nomination with its age and whom it waits for."""
    if not views:
        return [context("No nomination is open.")]
    lines = []
    for view in views:
        waits = "the owner's decision" if view.status == NominationStatus.PROPOSED else "their answer"
        age = view.age_days(now)
        lines.append(
            f"• {_who(view)} at *{escape(view.account_name)}*: waits for {waits} · "
            f"{age} day{'' if age == 1 else 's'} old"
        )
    blocks = [section("\n".join(lines))]
    if total > len(views):
        blocks.append(context(f"…and {total - len(views)} more open nominations."))
    return blocks


def nomination_line_blocks(view: NominationView) -> list[Block]:
    """A nomination waiting for this person's decision, as App Home lists it: who, where, why, and
    the same buttons as the DM (the same listeners decide)."""
    why = escape(view.why[:300]) or "—"
    return [
        section(
            f"{_who(view)} at *{escape(view.account_name)}* · nominated by {_by(view)} on "
            f"{day_of(view.created_at)}\n> {why}"
        ),
        actions(
            button(INVITE_THEM, Action.NOMINATION_INVITE, str(view.id), style="primary"),
            button(NOT_NOW, Action.NOMINATION_NOT_NOW, str(view.id)),
            block_id=f"nomination:{view.id}",
        ),
    ]
