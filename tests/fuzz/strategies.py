"""Hypothesis strategies for what Slack (or someone holding the signing secret) can POST.

Every payload starts from Slack's published shape (../shared/fixtures/slack/all-fields, every field
with blank values) overlaid with what this app puts on screen: its action ids, its modals as it
builds them, its request ids. Values then come from `HOSTILE` text (mentions, links, mrkdwn, SQL,
10,000-character strings...), from `ODD_IDS` (unknown, negative, signed, non-ASCII digits) and from
people who may or may not act. `{{pending}}`, `{{approved}}`, `{{ownerless}}`, `{{acme}}`, ... are
placeholders the harness replaces with the seeded program's ids when the example runs.

Values that once tripped a bug (see `tests/fuzz/test_found_bugs.py`) — `BUGGY_TEXT`, `BUGGY_IDS`,
`TOO_LONG` — are drawn by every strategy (`buggy=True`, the default); `buggy=False` leaves them
out, for a property that wants to look at something else.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

from handlers.giveback.log_value import log_modal
from handlers.kit.ids import Action, View
from handlers.offers.commands import offer_modal
from handlers.requests.followups import done_modal
from handlers.requests.messages import reason_modal
from handlers.requests.modal import request_modal
from store.rules.policy import load_policy
from tests.fuzz.harness import PRIVILEGED
from tests.support.paths import FIXTURES

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

#: text a person can type that means something to Slack, to SQL, to Python or to a terminal
HOSTILE: tuple[str, ...] = (
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U0EVIL001>",
    "<#C0EVIL001|general>",
    "<http://evil.example|click here>",
    "<https://evil.example/x?a=1&b=2>",
    "*bold*",
    "_it_",
    "~s~",
    "`code`",
    "```",
    "> quote",
    "&amp;",
    "&lt;b&gt;",
    "<",
    ">",
    "&",
    "|",
    "\n",
    "\r\n",
    "\t",
    "\x1b[31m",
    "\u202e",
    "\u200b",
    "\ufeff",
    "🔥",
    "é",
    "%",
    "_%",
    "\\",
    "'",
    '"',
    "' OR '1'='1",
    "; DROP TABLE accounts; --",
    "{{pending}}",
    "help",
    "find",
    "status",
    "log",
    "acme",
    "Acme Corp",
    "A-1",
    "fintech",
)
#: 10,000 characters and more
LONG_TEXT: tuple[str, ...] = ("x" * 10_000, "🔥" * 3_000, "<!channel> " * 1_000)
#: NUL bytes (PostgreSQL refuses them in text) and a lone surrogate (valid in JSON's \u escapes,
#: not encodable as UTF-8): once bugs (test_found_bugs)
BUGGY_TEXT: tuple[str, ...] = ("\x00", "a\x00b", "\ud800", "x\udfffy")

#: strings that are almost, or not at all, a request or account id
ODD_IDS: tuple[str, ...] = (
    "0",
    "-1",
    "1.0",
    "1e3",
    " 1",
    "1 ",
    "+1",
    "0x10",
    "1_000",
    "",
    "null",
    "2147483648",
    "１",  # fullwidth 1: isdigit() and int() both accept it
    "٣",  # Arabic-Indic 3: same
)
#: ids of requests that do not exist (well inside the database's integer range)
UNKNOWN_IDS: tuple[str, ...] = ("0", "999999", "2147483647")
#: ids `str.isdigit()` accepts that `int()` refuses, or the database cannot hold: once bugs
NON_DECIMAL_DIGITS: tuple[str, ...] = ("²", "1²", "①")
OVERFLOW_IDS: tuple[str, ...] = ("2147483648", "99999999999", "9223372036854775808", "9" * 40)
BUGGY_IDS = NON_DECIMAL_DIGITS + OVERFLOW_IDS

OUTSIDERS: tuple[str, ...] = (
    "U0STRANGER",
    "U0BYSTAND1",
    "",
    "u0owner01",
    "U0OWNER01 ",
    " U0ADMIN01",
    "<@U0OWNER01>",
    "W0OWNER01",
    "U0ADMIN0１",
    "U0OWNER01,U0ADMIN01",
)
#: longer than the column that stores it (user ids: 32, event ids: 64, delivery keys: 200):
#: PostgreSQL refuses them, SQLite stores them; once a bug
TOO_LONG_USER = "U" + "0" * 40
TOO_LONG_EVENT_ID = "Ev" + "0" * 70
TOO_LONG_ACTION_TS = "1700000000." + "0" * 240
TOO_LONG_VIEW_ID = "V" + "0" * 199

#: characters people type, but NUL (once a bug on PostgreSQL); `st.characters` draws lone
#: surrogates unless told not to (`st.text` alone does not)
NO_NUL = st.characters(exclude_characters="\x00", exclude_categories=("Cs",))

SLOTS = ("{{pending}}", "{{ownerless}}", "{{approved}}")
ACCOUNT_SLOTS = ("{{acme}}", "{{globex}}", "{{initech}}")


def _short(node: Any) -> Any:
    """`node` with long strings cut and bulky Block Kit summed up, for reports people read."""
    if isinstance(node, str) and len(node) > 80:
        return f"{node[:30]}…[{len(node)} chars]…{node[-10:]}"
    if isinstance(node, dict):
        return {
            _short(k): f"<{k}: {len(repr(v))} chars of Block Kit>"
            if k in ("blocks", "message") and len(repr(v)) > 300
            else _short(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_short(v) for v in node]
    return node


@dataclass(frozen=True)
class Case:
    """One request: `payload` encoded the way Slack encodes its kind, then `damage` applied."""

    kind: str
    payload: dict[str, Any]
    #: "form" (slash commands), "interaction" (payload=<json> in a form) or "json" (events)
    encoding: str
    content_type: str | None
    damage: tuple[Any, ...] = field(default=())

    def __repr__(self) -> str:
        damage = ", ".join(repr(_short(repr(step))) for step in self.damage)
        return (
            f"Case({self.kind!r}, {_short(self.payload)!r}, {self.encoding!r}, {self.content_type!r}"
            + (f", damage=[{damage}]" if damage else "")
            + ")"
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Hypothesis prints falsifying examples with this."""
        printer.text(repr(self))


def typed(max_size: int, *, buggy: bool = True) -> st.SearchStrategy[str]:
    """Any text (Hypothesis never draws lone surrogates here); NUL bytes only when `buggy`."""
    return st.text(max_size=max_size) if buggy else st.text(alphabet=NO_NUL, max_size=max_size)


def text(*, buggy: bool = True) -> st.SearchStrategy[str]:
    hostile = st.sampled_from(HOSTILE + LONG_TEXT + (BUGGY_TEXT if buggy else ()))
    return st.one_of(
        hostile,
        typed(30, buggy=buggy),
        st.lists(st.one_of(hostile, typed(8, buggy=buggy)), min_size=1, max_size=4).map("".join),
    )


def ids(*, buggy: bool = True) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(SLOTS),
        st.sampled_from(ODD_IDS + UNKNOWN_IDS + (BUGGY_IDS if buggy else ())),
        st.integers(min_value=-(2**31), max_value=2**31).map(str),
        st.sampled_from(HOSTILE),
    )


def users(*, privileged: bool = True, buggy: bool = True) -> st.SearchStrategy[str]:
    odd = OUTSIDERS + ((TOO_LONG_USER, "U0ADMIN01\x00", "\ud800") if buggy else ())
    outsiders = st.one_of(
        st.sampled_from(odd),
        typed(12, buggy=buggy).filter(lambda u: u not in PRIVILEGED),
    )
    if not privileged:
        return outsiders
    return st.one_of(st.sampled_from(sorted(PRIVILEGED)), outsiders)


def json_values(max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """Any JSON value: what a field of the wrong type may hold."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        typed(20),
        st.sampled_from(HOSTILE[:20]),
    )
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=3), st.dictionaries(typed(8), children, max_size=3)
        ),
        max_leaves=max_leaves,
    )


# --- Slack's shapes ---------------------------------------------------------------------------


@cache
def _fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / "all-fields" / name).read_text(encoding="utf-8"))


def fixture(name: str) -> dict[str, Any]:
    return copy.deepcopy(_fixture(name))


@cache
def _modals() -> dict[str, dict[str, Any]]:
    """The modals as the app builds them, by callback id (what Slack echoes back on submit)."""
    policy = load_policy()
    today = dt.date(2026, 11, 23)
    return {
        View.REQUEST: request_modal(policy),
        View.DECLINE: reason_modal(View.DECLINE, "Decline request", "Why?", 0, "Decline"),
        View.OVERRIDE: reason_modal(View.OVERRIDE, "Approve with override", "Why?", 0, "Approve"),
        View.DONE: done_modal(0),
        View.FELL_THROUGH: reason_modal(View.FELL_THROUGH, "Fell through", "What?", 0, "Fell through"),
        View.LOG_VALUE: log_modal(policy, today),
        View.OFFER: offer_modal(policy),
    }


@cache
def _policy_keys() -> tuple[list[str], list[str]]:
    policy = load_policy()
    return sorted(policy.activities), sorted(policy.values)


def slack_view(view: dict[str, Any], *, view_id: str, private_metadata: str) -> dict[str, Any]:
    """A view as Slack sends it back: every field of the fixture, the app's blocks, Slack's ids."""
    shape = fixture("ViewSubmissionPayload.json")["view"]
    return {
        **shape,
        **copy.deepcopy(view),
        "id": view_id,
        "team_id": "T0000000001",
        "hash": "1700000000.abcdef",
        "private_metadata": private_metadata,
    }


def _user(user_id: str) -> dict[str, Any]:
    return {"id": user_id, "username": "someone", "name": "someone", "team_id": "T0000000001"}


# --- slash commands ---------------------------------------------------------------------------

WORDS = ("", "help", "find", "status", "log", "HELP", "Find", "acme", "globex", "nothing-matches", "ask")


@st.composite
def slash_commands(
    draw: st.DrawFn,
    *,
    texts: st.SearchStrategy[str] | None = None,
    user_ids: st.SearchStrategy[str] | None = None,
    buggy: bool = True,
) -> Case:
    command = fixture("SlashCommandPayload.json")
    words = text(buggy=buggy)
    if texts is None:
        texts = st.one_of(
            st.tuples(st.sampled_from(WORDS), words).map(" ".join), words, st.sampled_from(WORDS)
        )
    command.update(
        command=draw(st.sampled_from(["/reference", "/reference", "/reference", "/other", "", "/REFERENCE"])),
        text=draw(texts),
        user_id=draw(user_ids if user_ids is not None else users(buggy=buggy)),
        user_name="someone",
        team_id="T0000000001",
        channel_id=draw(st.sampled_from(["D0000000001", "C0000000001", ""])),
        trigger_id=draw(st.sampled_from(["", "1337.42.abcd"])),
        response_url=draw(st.sampled_from(["", "{{response_url}}"])),
        api_app_id="A0REFDESK",
    )
    return Case("slash command", command, "form", FORM)


# --- block actions ----------------------------------------------------------------------------

KNOWN_ACTIONS = tuple(str(a) for a in Action)
UNKNOWN_ACTIONS = ("", "approve ", "APPROVE", "approve_all", "value", "reason", "decision", "x" * 300)
CONTAINERS = ("message", "home", "modal")
#: where the app draws each of its actions
DRAWN_IN: dict[str, tuple[str, ...]] = {
    Action.ACCOUNT: ("modal",),
    Action.ACTIVITY: ("modal",),
    Action.LOG_ADVOCATE: ("modal",),
    Action.REQUEST_ACCOUNT: ("message",),
    Action.CANCEL_REQUEST: ("message", "home"),
    Action.APPROVE: ("message", "home"),
    Action.DECLINE: ("message", "home"),
    Action.APPROVE_OVERRIDE: ("message", "home"),
    Action.LOG_VALUE: ("message",),
    Action.DONE: ("message",),
    Action.FELL_THROUGH: ("message",),
    Action.NEW_OFFER: ("home",),
    Action.EDIT_OFFER: ("message",),
    Action.CLOSE_OFFER: ("message",),
    Action.OFFER_IT: ("message", "home"),
    Action.SEAT_YES: ("message", "home"),
    Action.SEAT_NO: ("message", "home"),
    Action.DELIVERED: ("message", "home"),
    Action.RELEASE_SEAT: ("message", "home"),
}


def action_ids() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(KNOWN_ACTIONS), st.sampled_from(UNKNOWN_ACTIONS), st.sampled_from(HOSTILE)
    )


@st.composite
def block_actions(
    draw: st.DrawFn,
    *,
    user_ids: st.SearchStrategy[str] | None = None,
    actions: st.SearchStrategy[str] | None = None,
    values: st.SearchStrategy[str] | None = None,
    containers: tuple[str, ...] | None = None,
    anywhere: bool = False,
    buggy: bool = True,
) -> Case:
    """A click on a button or a choice in a select: in a message, in App Home or in a modal.

    Each of the app's actions comes where the app draws it (the account select in a modal,
    Approve in a DM or on Home...) unless `anywhere` or `containers` say otherwise.
    """
    user_id = draw(user_ids if user_ids is not None else users(buggy=buggy))
    action_id = draw(actions if actions is not None else action_ids())
    if containers is None:
        containers = CONTAINERS if anywhere else DRAWN_IN.get(action_id, CONTAINERS)
    container = draw(st.sampled_from(containers))
    if values is None:
        values = ids(buggy=buggy)
    value = draw(values)
    payload = fixture("BlockActionPayload.json")
    action = {
        **payload["actions"][0],
        "action_id": action_id,
        "block_id": draw(st.sampled_from(["decision", "decision:1", "followup", "account", "", "x" * 300])),
        "action_ts": draw(
            st.sampled_from(["1700000000.000001", ""] + ([TOO_LONG_ACTION_TS] if buggy else []))
        ),
    }
    kind = draw(st.sampled_from(["button", "static_select", "external_select", "radio_buttons"]))
    action["type"] = kind
    if kind == "button":
        action["value"] = value
    else:
        action["selected_option"] = {"text": {"type": "plain_text", "text": "x"}, "value": value}
    payload.update(
        team={"id": "T0000000001", "domain": "refdesk"},
        user=_user(user_id),
        api_app_id="A0REFDESK",
        trigger_id=draw(st.sampled_from(["", "1337.42.abcd"])),
        actions=[action],
    )
    if container == "message":
        payload.pop("view", None)
        payload["container"] = {
            "type": "message",
            "message_ts": "1700000000.000100",
            "channel_id": "D0000000001",
            "is_ephemeral": False,
        }
        payload["channel"] = {"id": "D0000000001", "name": "directmessage"}
        payload["response_url"] = draw(st.sampled_from(["", "{{response_url}}"]))
        return Case("block_actions", payload, "interaction", FORM)
    for key in ("channel", "message", "response_url"):
        payload.pop(key, None)
    if container == "home":
        view: dict[str, Any] = {"type": "home", "callback_id": "", "blocks": []}
    elif not anywhere and action_id in (Action.ACCOUNT, Action.ACTIVITY):
        view = _modals()[View.REQUEST]
    elif not anywhere and action_id == Action.LOG_ADVOCATE:
        view = _modals()[View.LOG_VALUE]
    else:
        view = draw(st.sampled_from(sorted(_modals().items())))[1]
    payload["view"] = slack_view(view, view_id="V0VIEW0001", private_metadata=draw(ids(buggy=buggy)))
    payload["view"]["state"] = {"values": draw(state_values(view, buggy=buggy))}
    payload["container"] = {"type": "view", "view_id": "V0VIEW0001"}
    return Case("block_actions", payload, "interaction", FORM)


# --- view submissions -------------------------------------------------------------------------


def _selected(value: str, kind: str = "static_select") -> dict[str, Any]:
    return {"type": kind, "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": value}}


def _typed(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def dates() -> st.SearchStrategy[str | None]:
    return st.one_of(
        st.none(),
        st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(dt.date.isoformat),
        st.sampled_from(["2026-02-30", "2026-13-01", "20261123", "today", "", "2026-11-23T00:00:00"]),
        st.sampled_from(HOSTILE),
    )


@st.composite
def state_values(draw: st.DrawFn, view: dict[str, Any], *, buggy: bool = True) -> dict[str, Any]:
    """Input state for a modal, keyed by its input blocks as Slack sends it."""
    activities, values = _policy_keys()
    chosen_ids = st.one_of(st.sampled_from(ACCOUNT_SLOTS), ids(buggy=buggy))
    typed = text(buggy=buggy)
    values_out: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input" or not draw(st.integers(0, 9)):
            continue  # an optional input left empty (or a required one Slack did not send)
        block_id = block["block_id"]
        element = block["element"]
        action_id = element.get("action_id", "value")
        kind = element.get("type")
        if block_id == "account":
            state = _selected(draw(chosen_ids), kind)
        elif block_id == "activity":
            state = _selected(draw(st.one_of(st.sampled_from(activities), typed)), kind)
        elif block_id == "value":
            state = _selected(draw(st.one_of(st.sampled_from(values), typed)), kind)
        elif block_id.startswith("advocate"):
            state = _selected(draw(st.one_of(st.just("{{advocate}}"), ids(buggy=buggy))), kind)
        elif block_id == "deal":
            state = _selected(draw(st.one_of(st.sampled_from(["moved", "closed", "no"]), typed)), kind)
        elif kind == "datepicker":
            state = {"type": "datepicker", "selected_date": draw(dates())}
        elif kind == "checkboxes":
            ticked = st.sampled_from([[], element["options"], [{"value": 5}], "yes", 7, None])
            state = {"type": "checkboxes", "selected_options": draw(ticked)}
        elif block_id == "amount":
            state = _typed(
                draw(st.one_of(st.sampled_from(["120000", "$1,000", "1e999", "-5", "NaN"]), typed))
            )
        elif block_id == "crm_link":
            links = ["https://crm.example/1", "javascript:alert(1)", "https://x.example/<!channel>"]
            state = _typed(draw(st.one_of(st.sampled_from(links), typed)))
        else:
            state = _typed(draw(typed))
        values_out[block_id] = {action_id: state}
    return values_out


KNOWN_VIEWS = tuple(str(v) for v in View)


@st.composite
def view_submissions(
    draw: st.DrawFn,
    *,
    user_ids: st.SearchStrategy[str] | None = None,
    callbacks: st.SearchStrategy[str] | None = None,
    metadata: st.SearchStrategy[str] | None = None,
    buggy: bool = True,
) -> Case:
    """Submitting one of the app's modals (or a modal it never opened)."""
    modals = _modals()
    callback_id = draw(
        callbacks
        if callbacks is not None
        else st.one_of(
            st.sampled_from(KNOWN_VIEWS), st.sampled_from(["", "unknown_modal"]), st.sampled_from(HOSTILE)
        )
    )
    view = modals.get(callback_id) or draw(st.sampled_from(sorted(modals.items())))[1]
    if metadata is None:
        if callback_id in (View.REQUEST, View.LOG_VALUE):
            metadata = st.sampled_from(["", "{{acme}}", '{"account_id": {{acme}}}', '{"search": ""}'])
        else:
            metadata = ids(buggy=buggy)
        metadata = st.one_of(metadata, text(buggy=buggy))
    view_ids = ["V0SUBMIT01", "V0SUBMIT02", ""] + ([TOO_LONG_VIEW_ID] if buggy else [])
    submitted = slack_view(
        {**view, "callback_id": callback_id},
        view_id=draw(st.sampled_from(view_ids)),
        private_metadata=draw(metadata),
    )
    submitted["state"] = {"values": draw(state_values(view, buggy=buggy))}
    payload = fixture("ViewSubmissionPayload.json")
    payload.update(
        team={"id": "T0000000001", "domain": "refdesk"},
        user=_user(draw(user_ids if user_ids is not None else users(buggy=buggy))),
        api_app_id="A0REFDESK",
        trigger_id="1337.42.abcd",
        view=submitted,
    )
    return Case("view_submission", payload, "interaction", FORM)


# --- block suggestions (options loads) --------------------------------------------------------


@st.composite
def block_suggestions(draw: st.DrawFn, *, buggy: bool = True) -> Case:
    modals = _modals()
    view = modals[draw(st.sampled_from([View.REQUEST, View.LOG_VALUE]))]
    action_id = draw(
        st.one_of(
            st.sampled_from([Action.ACCOUNT, Action.LOG_ADVOCATE, "unknown", ""]), st.sampled_from(HOSTILE)
        )
    )
    metadata = st.sampled_from(["{{acme}}", "", '{"account_id": {{acme}}}', "{", "[]"])
    payload = {
        "type": "block_suggestion",
        "team": {"id": "T0000000001", "domain": "refdesk"},
        "user": _user(draw(users(buggy=buggy))),
        "api_app_id": "A0REFDESK",
        "token": "",
        "action_id": str(action_id),
        "block_id": draw(st.sampled_from(["account", "advocate", ""])),
        "value": draw(text(buggy=buggy)),
        "container": {"type": "view", "view_id": "V0SUGGEST1"},
        "view": slack_view(
            view, view_id="V0SUGGEST1", private_metadata=draw(st.one_of(metadata, text(buggy=buggy)))
        ),
    }
    payload["view"]["state"] = {"values": draw(state_values(view, buggy=buggy))}
    return Case("block_suggestion", payload, "interaction", FORM)


# --- events -------------------------------------------------------------------------------------


@st.composite
def events(draw: st.DrawFn, *, event_ids: st.SearchStrategy[str] | None = None, buggy: bool = True) -> Case:
    name = draw(st.sampled_from(["AppHomeOpenedPayload.json", "AppUninstalledPayload.json"]))
    payload = fixture(name)
    if event_ids is None:
        odd = ("", "Ev0000000001", "Ev0000000001 ") + ((TOO_LONG_EVENT_ID, *BUGGY_TEXT) if buggy else ())
        event_ids = st.one_of(st.sampled_from(odd), typed(20, buggy=buggy), st.sampled_from(HOSTILE))
    payload.update(
        type=draw(st.sampled_from(["event_callback", "event_callback", "", "url_verification", "unknown"])),
        team_id="T0000000001",
        api_app_id="A0REFDESK",
        event_id=draw(event_ids),
        event_time=draw(st.one_of(st.integers(min_value=0, max_value=2**40), st.none())),
    )
    event = payload["event"]
    if name.startswith("AppHome"):
        event.update(
            user=draw(users(buggy=buggy)),
            tab=draw(st.sampled_from(["home", "messages", "", "about"])),
            channel="D0000000001",
        )
        if draw(st.booleans()):
            event.pop("view", None)
    if payload["type"] == "url_verification":
        payload["challenge"] = draw(text())
    return Case("event", payload, "json", JSON)


def any_well_formed(*, buggy: bool = True) -> st.SearchStrategy[Case]:
    return st.one_of(
        slash_commands(buggy=buggy),
        block_actions(buggy=buggy),
        view_submissions(buggy=buggy),
        block_suggestions(buggy=buggy),
        events(buggy=buggy),
    )


# --- damage: wrong types, missing fields, broken bytes -----------------------------------------


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Where a value sits in a payload (not below depth 12: a deep value is replaced whole)."""
    found = [prefix] if prefix else []
    if len(prefix) >= 12:
        return found
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _set(node: Any, path: tuple[Any, ...], value: Any, *, delete: bool = False) -> None:
    for step in path[:-1]:
        node = node[step]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value


def deep(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"a": [value]}
    return value


#: fields Bolt itself reads to route a payload (and trusts to have Slack's types); a wrong type
#: there was a bug (test_found_bugs), so `mutated` leaves them alone unless asked
BOLT_ROUTING: frozenset[tuple[Any, ...]] = frozenset(
    {
        ("type",),
        ("view",),
        ("view", "type"),
        ("view", "callback_id"),
        ("actions",),
        ("actions", 0),
        ("actions", 0, "action_id"),
        ("actions", 0, "block_id"),
        ("event",),
        ("event", "type"),
        ("action_id",),
        ("block_id",),
        ("command",),
    }
)


#: fields a listener reads without looking (known bug: a KeyError, a traceback in the log)
LISTENER_READS: tuple[tuple[Any, ...], ...] = (
    ("user",),
    ("user", "id"),
    ("user_id",),
    ("trigger_id",),
    ("view", "id"),
)


@st.composite
def mutated(draw: st.DrawFn, cases: st.SearchStrategy[Case], *, routing: bool = False) -> Case:
    """A well-formed case with fields deleted, or replaced by values of the wrong type.

    Only the fields Bolt routes on when `routing`, all the others otherwise.
    """
    case = draw(cases)
    payload = copy.deepcopy(case.payload)

    def wanted(path: tuple[Any, ...]) -> bool:
        return (path in BOLT_ROUTING) == routing

    for _ in range(draw(st.integers(min_value=1, max_value=1 if routing else 3))):
        paths = [p for p in _paths(payload) if wanted(p)]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        how = draw(st.sampled_from(["delete", "replace", "replace", "deep"]))
        if how == "delete":
            _set(payload, path, None, delete=True)
        elif how == "deep":
            _set(payload, path, deep(draw(st.sampled_from([50, 200]))))
        else:
            _set(payload, path, draw(json_values()))
    if case.encoding == "form":
        # a form holds only strings: what a wrong type becomes there is its JSON text
        payload = {k: v if isinstance(v, str) else json.dumps(v) for k, v in payload.items()}
    return Case(case.kind, payload, case.encoding, case.content_type)


@st.composite
def without(draw: st.DrawFn, cases: st.SearchStrategy[Case], fields: tuple[tuple[Any, ...], ...]) -> Case:
    """A case with one of `fields` (those it has) deleted."""
    case = draw(cases)
    payload = copy.deepcopy(case.payload)
    present = [f for f in fields if f in _paths(payload)]
    if present:
        _set(payload, draw(st.sampled_from(present)), None, delete=True)
    return Case(case.kind, payload, case.encoding, case.content_type)


def _form_quote(value: Any) -> str:
    return quote(str(value), safe="", errors="surrogatepass")


def encode(case: Case, resolve: Any = None) -> bytes:
    """The body Slack would POST for the case (placeholders resolved first)."""
    payload = resolve(case.payload) if resolve else case.payload
    if case.encoding == "form":
        raw = "&".join(f"{_form_quote(k)}={_form_quote(v)}" for k, v in payload.items()).encode()
    elif case.encoding == "interaction":
        raw = ("payload=" + quote(json.dumps(payload), safe="")).encode()
    else:
        raw = json.dumps(payload).encode()
    for step in case.damage:
        raw = step(raw)
    return raw


@dataclass(frozen=True)
class Truncate:
    at: float

    def __call__(self, raw: bytes) -> bytes:
        return raw[: int(len(raw) * self.at)]


@dataclass(frozen=True)
class Append:
    tail: bytes

    def __call__(self, raw: bytes) -> bytes:
        return raw + self.tail


@dataclass(frozen=True)
class Replace:
    body: bytes

    def __call__(self, raw: bytes) -> bytes:
        return self.body


@dataclass(frozen=True)
class Insert:
    bad: bytes
    where: float

    def __call__(self, raw: bytes) -> bytes:
        at = int(len(raw) * self.where)
        return raw[:at] + self.bad + raw[at:]


OTHER_BODIES: tuple[bytes, ...] = (
    b"",
    b"payload=",
    b"payload=null",
    b"payload=[]",
    b"payload=%7B%7D",
    b"payload=1",
    b"payload=%22text%22",
    b"{}",
    b"[]",
    b"null",
    b"123",
    b'"text"',
    b"{" * 5_000,
    b"[" * 100_000,
    b"payload=" + b"%5B" * 20_000,
    b"ssl_check=1&token=x",
    b"type=url_verification&challenge=x",
    b'{"type": "url_verification", "challenge": "<!channel>"}',
    b"command=/reference&text=help",
    b"command=/reference&command=/other&text=help",
    b"x" * 1_000_001,
)
CONTENT_TYPES = (FORM, JSON, "text/plain", None, "multipart/form-data", "application/json; charset=utf-8")


@st.composite
def other_bodies(draw: st.DrawFn) -> Case:
    """A body that is not what Slack sends at all: empty, JSON of another shape, deep, huge, text."""
    body = draw(st.one_of(st.sampled_from(OTHER_BODIES), typed(200).map(str.encode)))
    return Case("other", {}, "json", draw(st.sampled_from(CONTENT_TYPES)), (Replace(body),))


@st.composite
def damaged(draw: st.DrawFn, cases: st.SearchStrategy[Case]) -> Case:
    """Broken in transit or by a bad client: truncated, or trailing garbage, under any content type."""
    case = draw(cases)
    step = draw(
        st.one_of(
            st.floats(min_value=0, max_value=0.999).map(Truncate),
            st.sampled_from([b"}", b"]]]", b"&payload=", b"&&&", b"%", b"%zz", b"=", b"&payload={"]).map(
                Append
            ),
        )
    )
    content_type = draw(st.sampled_from((case.content_type, *CONTENT_TYPES)))
    return Case(case.kind, case.payload, case.encoding, content_type, (step,))


#: bytes that are not UTF-8, where a body may carry them
NON_UTF8 = (b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x80abc", b"\xf8\x88\x80\x80\x80")


@st.composite
def non_utf8(draw: st.DrawFn, cases: st.SearchStrategy[Case]) -> Case:
    case = draw(cases)
    step = Insert(draw(st.sampled_from(NON_UTF8)), draw(st.floats(min_value=0, max_value=1)))
    return Case(case.kind, case.payload, case.encoding, case.content_type, (step,))


# --- who may decide -----------------------------------------------------------------------------

CHANGING_ACTIONS = (
    Action.APPROVE,
    Action.DECLINE,
    Action.APPROVE_OVERRIDE,
    Action.CANCEL_REQUEST,
    Action.DONE,
    Action.FELL_THROUGH,
)
CHANGING_VIEWS = (View.DECLINE, View.OVERRIDE, View.DONE, View.FELL_THROUGH)


def outsider_changes() -> st.SearchStrategy[Case]:
    """Every click and submission that decides, cancels or closes a request, by someone else."""
    return st.one_of(
        block_actions(
            user_ids=users(privileged=False, buggy=True),
            actions=st.sampled_from(CHANGING_ACTIONS).map(str),
            values=st.sampled_from(SLOTS),
        ),
        view_submissions(
            user_ids=users(privileged=False, buggy=True),
            callbacks=st.sampled_from(CHANGING_VIEWS).map(str),
            metadata=st.sampled_from(SLOTS),
            buggy=True,
        ),
    )
