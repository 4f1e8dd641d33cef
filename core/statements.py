"""SQL the ORM compiles once per process, then runs with each call's values.

Building and compiling a Django query costs CPU on every call (0.3-2 ms each); on the hot write path that was more
than running some of them (issue 11). A Statement builds its query once, with placeholder values no real parameter
can equal, and finds where each placeholder went among the compiled parameters; a call swaps its own values in.
Only for queries whose shape does not depend on the values (no list whose length varies, no branch on a value).
"""

import datetime
import threading
from collections.abc import Callable
from typing import Any

from django.db import connections

# Placeholders by type: values no query of this service sends (an id below zero, dates before the service began).
PLACEHOLDERS: dict[type, list] = {
    int: [-7_340_001, -7_340_002, -7_340_003, -7_340_004],
    datetime.date: [datetime.date(1901, 1, 2), datetime.date(1901, 3, 4), datetime.date(1901, 5, 6)],
}


class Statement:
    """`build(**values)` returns a QuerySet; `types` names each value's type (int or datetime.date)."""

    def __init__(self, build: Callable[..., Any], **types: type):
        self.build, self.types = build, types
        self.compiled: dict[str, tuple[str, list, dict[str, list[int]]]] = {}
        self.lock = threading.Lock()

    def _compile(self, using: str) -> tuple[str, list, dict[str, list[int]]]:
        free = {kind: list(values) for kind, values in PLACEHOLDERS.items()}
        placeholders = {name: free[kind].pop(0) for name, kind in self.types.items()}
        sql, params = self.build(**placeholders).using(using).query.sql_with_params()
        params = list(params)
        positions = {name: [i for i, p in enumerate(params) if p == value] for name, value in placeholders.items()}
        if not all(positions.values()):
            raise RuntimeError(f"A value does not reach the compiled query: {positions}")
        return sql, params, positions

    def sql_with_params(self, using: str = "default", **values) -> tuple[str, list]:
        """The compiled SQL and its parameters with `values` in place."""
        key = f"{using}:{connections[using].vendor}"
        if key not in self.compiled:
            with self.lock:
                self.compiled.setdefault(key, self._compile(using))
        sql, params, positions = self.compiled[key]
        params = list(params)
        for name, value in values.items():
            for i in positions[name]:
                params[i] = value
        return sql, params
