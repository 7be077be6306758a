"""The checklist's reads, each built once for today: a statement over a list of ids, its dates and
values bound at each call.

Building a statement costs SQLAlchemy more than running it on a handful of rows: the facts of one
ask that names its advocate (a decision, the advocate picker's submit) read about ten of them,
and building them afresh was most of the facts' time, which was half of a decision's (`cProfile`
of `decide()`, docs/performance.md). SQLAlchemy already caches each statement's SQL; this keeps
the statement itself. A read as of a past moment (the policy simulator) or over a subquery of ids
(the advocates of an account, when an ask names nobody; coverage's supply) is built for its call.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy import Select, bindparam

#: account or advocate ids: a list, or a subquery so that thousands of ids stay in the database
Ids = Collection[int] | Select[Any]
#: the name the ids are bound to in a statement built once
IDS = "ids"

Build = Callable[[Any, dt.datetime | None], Select[Any]]
Prepared = Callable[[Ids, dt.datetime | None], tuple[Select[Any], dict[str, Any]]]


def for_ids(build: Build) -> Prepared:
    """`build(ids, as_of)` — a statement over `ids` (a list, a subquery, or the bound parameter
    `IDS`), as of `as_of` or today, whose other values are bound parameters — kept for today over
    a list; each call gives the statement and the parameters that bind the ids."""
    today = functools.cache(lambda: build(bindparam(IDS, expanding=True), None))

    @functools.wraps(build)
    def prepared(ids: Ids, as_of: dt.datetime | None) -> tuple[Select[Any], dict[str, Any]]:
        if as_of is None and not isinstance(ids, Select):
            return today(), {IDS: list(ids)}
        return build(ids, as_of), {}

    return prepared
