"""The advocate's own page (flow 18), linked from every e-mail the program sends them:

    GET  /me/<public id>/<token>     their preferences, dates not to ask, the relationship statement
    POST /me/<public id>/<token>     do=save (**Save**), do=download (**Download my data**, JSON or
                                     CSV), do=remove (**Remove me**, once they tick that they understand)

Everything saved applies at once (`store.bench.profile`). Removing them erases their details in
one transaction (`store.bench.erasure`); the page then says so, and the link leads nowhere again.
"""

from __future__ import annotations

import datetime as dt

from handlers.advocate import voice
from handlers.advocate.templating import render
from handlers.advocate.web import Download, Page, PageRequest, Reply, problem
from handlers.kit.desk import Desk
from handlers.kit.forms import as_id
from handlers.outbox.sender import send_soon
from store.bench import data_rights, erasure, profile
from store.bench.profile import Preferences, Profile
from store.errors import Gone, Invalid
from store.evidence import figures
from store.rules.checklist import DatesOff

SAVE, DOWNLOAD, REMOVE = "save", "download", "remove"
FORMATS = {
    "json": ("application/json; charset=utf-8", data_rights.to_json),
    "csv": ("text/csv; charset=utf-8", data_rights.to_csv),
}
#: the form's field prefixes: one field per activity, per value group (by position), per range to remove
ACTIVITY, VALUE, REMOVE_RANGE = "do_", "value_", "remove_"


def respond(desk: Desk, request: PageRequest, *, share: Page | None = None) -> Reply | Download:
    """Their page (GET) or what its buttons sent; `share`: the page **Share a few words** opens."""
    try:
        mine = profile.profile(desk.db, desk.policy, request.key, desk.today())
    except Gone:
        return problem("404 Not Found", "Page not found", "There is no page here any more.")
    shared = request.root + share.path(desk.links, request.key)[0] if share and desk.links else ""
    form = request.form
    if form is None:
        return _page(desk, mine, request, share=shared)
    what = form.get("do", "")
    if what == DOWNLOAD:
        return _download(desk, mine, form.get("format", ""))
    if what == REMOVE:
        return _remove(desk, mine, request, form, shared)
    if what != SAVE:
        return _page(
            desk,
            mine,
            request,
            status="400 Bad Request",
            error="Please use one of the page's buttons.",
            share=shared,
        )
    try:
        profile.save(
            desk.db,
            desk.policy,
            mine.advocate_id,
            _preferences(desk, form),
            now=desk.now(),
            today=desk.today(),
        )
    except Invalid as invalid:
        error = next(iter(invalid.errors.values()), "Please check the form.")
        return _page(desk, mine, request, status="400 Bad Request", error=error, share=shared)
    saved = profile.profile(desk.db, desk.policy, mine.advocate_id, desk.today())
    return _page(desk, saved, request, notice="Saved. It applies from now on.", share=shared)


def _preferences(desk: Desk, form: dict[str, str]) -> Preferences:
    groups = list(desk.policy.value_groups())
    how_often = form.get("how_often", "")
    if how_often and not (how_often.isascii() and how_often.isdigit() and len(how_often) < 4):
        raise Invalid({"asks_per_quarter": "Pick how often from the list."})
    return Preferences(
        activities=tuple(key for key in desk.policy.activities if form.get(ACTIVITY + key) == "yes"),
        asks_per_quarter=int(how_often) if how_often else None,
        time_zone=form.get("time_zone", ""),
        times_that_suit=form.get("times", ""),
        valued=tuple(group for number, group in enumerate(groups) if form.get(f"{VALUE}{number}") == "yes"),
        value_note=form.get("value_note", ""),
        remove_dates=tuple(
            range_id
            for name, ticked in form.items()
            if name.startswith(REMOVE_RANGE)
            and ticked == "yes"
            and (range_id := as_id(name.removeprefix(REMOVE_RANGE))) is not None
        ),
        add_dates=_new_range(form),
    )


def _new_range(form: dict[str, str]) -> DatesOff | None:
    starts, ends = form.get("off_from", "").strip(), form.get("off_to", "").strip()
    if not starts and not ends:
        return None
    try:
        return DatesOff(
            dt.date.fromisoformat(starts), dt.date.fromisoformat(ends or starts), form.get("off_why", "")
        )
    except ValueError:
        raise Invalid({"dates": "Enter both days as dates, like 2026-12-24."}) from None


def _download(desk: Desk, mine: Profile, chosen: str) -> Download:
    content_type, write = FORMATS.get(chosen, FORMATS["json"])
    data = data_rights.of_advocate(desk.db, desk.policy, mine.advocate_id, desk.now())
    extension = chosen if chosen in FORMATS else "json"
    return Download(f"my-data.{extension}", content_type, write(data))


def _remove(desk: Desk, mine: Profile, request: PageRequest, form: dict[str, str], share: str) -> Reply:
    if form.get("confirm") != "yes":
        error = "Tick the box to confirm you want to be removed."
        return _page(desk, mine, request, status="400 Bad Request", error=error, share=share)
    try:
        done = erasure.forget_advocate(desk.db, mine.advocate_id, key=desk.address_key, now=desk.now())
        send_soon(desk, done.delivery_keys)
    except Gone:  # removed a moment ago (the button sent twice): what they asked for is done
        pass
    return "200 OK", render("removed.html", title="You have been removed", **_around(desk, mine))


def _around(desk: Desk, mine: Profile) -> dict[str, object]:
    """Who the page speaks for: the account's owner, by name, at the company."""
    return voice.page_values(voice.voice(desk, mine.owner_id, mine.owner_email, wait=False))


def _page(
    desk: Desk,
    mine: Profile,
    request: PageRequest,
    *,
    status: str = "200 OK",
    error: str | None = None,
    notice: str | None = None,
    share: str = "",
) -> Reply:
    rules = desk.policy.rules
    body = render(
        "me.html",
        title=f"{mine.name}: your page",
        me=mine,
        activities=list(desk.policy.activities.values()),
        groups=list(desk.policy.value_groups().items()),
        zones=profile.time_zones(),
        window=rules.advocate_window_days,
        rest=rules.advocate_rest_days,
        fields={"activity": ACTIVITY, "value": VALUE, "remove": REMOVE_RANGE},
        today=desk.today(),
        csrf=request.csrf,
        action=request.action,
        error=error,
        notice=notice,
        helped=figures.helped_by(desk.db, desk.policy, mine.advocate_id, desk.today()).words(),
        share=share,
        **_around(desk, mine),
    )
    return status, body
