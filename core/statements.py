"""SQL the ORM compiles once per process, then runs with each call's values.

Building and compiling a Django query costs CPU on every call (0.3-2 ms each); on the hot write path that was more
than running some of them (issue 11). A Statement builds its query once, with placeholder values no real parameter
can equal, and finds where each placeholder went among the compiled parameters; a call swaps its own values in.
Only for queries whose shape does not depend on the values (no list whose length varies, no branch on a value).
"""

import datetime
import secrets
import threading
from collections.abc import Callable
from typing import Any, NamedTuple

from django.db import connections

# Placeholders by type: values no query of this service sends (an id below zero, dates before the service began,
# random text).
PLACEHOLDERS: dict[type, list] = {
    int: [-7_340_001, -7_340_002, -7_340_003, -7_340_004],
    datetime.date: [datetime.date(1901, 1, 2), datetime.date(1901, 3, 4), datetime.date(1901, 5, 6)],
    str: [f"placeholder-{secrets.token_hex(8)}" for _ in range(3)],
}


class Compiled(NamedTuple):
    sql: str
    params: list
    positions: dict[str, list[int]]  # where each value goes among the params
    columns: tuple[str, ...]  # the names of the SELECT list, for first()


class Statement:
    """`build(**values)` returns a QuerySet; `types` names each value's type (int, datetime.date or str)."""

    def __init__(self, build: Callable[..., Any], **types: type):
        self.build, self.types = build, types
        self.compiled: dict[str, Compiled] = {}
        self.lock = threading.Lock()

    def _compile(self, using: str) -> Compiled:
        free = {kind: list(values) for kind, values in PLACEHOLDERS.items()}
        placeholders = {name: free[kind].pop(0) for name, kind in self.types.items()}
        query = self.build(**placeholders).using(using).query
        sql, params = query.sql_with_params()
        params = list(params)
        positions = {name: [i for i, p in enumerate(params) if p == value] for name, value in placeholders.items()}
        if not all(positions.values()):
            raise RuntimeError(f"A value does not reach the compiled query: {positions}")
        columns = (*query.extra_select, *query.values_select, *query.annotation_select)
        return Compiled(sql, params, positions, columns)

    def _compiled(self, using: str) -> Compiled:
        key = f"{using}:{connections[using].vendor}"
        if key not in self.compiled:
            with self.lock:
                if key not in self.compiled:  # another thread may have compiled it while this one waited
                    self.compiled[key] = self._compile(using)
        return self.compiled[key]

    def sql_with_params(self, using: str = "default", **values) -> tuple[str, list]:
        """The compiled SQL and its parameters with `values` in place."""
        compiled = self._compiled(using)
        params = list(compiled.params)
        for name, value in values.items():
            for i in compiled.positions[name]:
                params[i] = value
        return compiled.sql, params

    def first(self, using: str = "default", **values) -> dict | None:
        """The first row of a values() query run with `values`, as {column: value}; None if there is none."""
        sql, params = self.sql_with_params(using, **values)
        with connections[using].cursor() as cursor:  # Django's cursor: counted, logged, timed like any query
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return None if row is None else dict(zip(self._compiled(using).columns, row, strict=True))
