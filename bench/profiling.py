"""Where a benchmark phase spends its time: SQL statements by kind, and cProfile's top rows.

The statement counter wraps every `execute`/`executemany` Django sends, so its total is the
time spent inside SQLite and its driver; the rest of the wall time is Python.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

_VERB_TABLE = re.compile(
    r"^\s*(?:WITH\b.*?\)\s*)?(SELECT|UPDATE|INSERT INTO|DELETE FROM|BEGIN|COMMIT|SAVEPOINT|RELEASE)"
    r'(?:.*?\bFROM\s+|\s+)?"?(\w+)?',
    re.IGNORECASE | re.DOTALL,
)


@dataclass
class StatementStats:
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    rows: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def record(self, sql: str, params: Any, many: bool, seconds: float) -> None:
        match = _VERB_TABLE.match(sql)
        kind = f"{match.group(1).upper()} {match.group(2) or ''}".strip() if match else sql[:40]
        self.calls[kind] += 1
        self.rows[kind] += len(params) if many and params is not None else 1
        self.seconds[kind] += seconds

    def table(self) -> str:
        lines = [f"{'statement':<42}{'calls':>9}{'rows':>11}{'seconds':>10}"]
        for kind in sorted(self.seconds, key=self.seconds.__getitem__, reverse=True):
            lines.append(
                f"{kind:<42}{self.calls[kind]:>9}{self.rows[kind]:>11}{self.seconds[kind]:>10.2f}"
            )
        lines.append(f"{'total in SQLite':<62}{sum(self.seconds.values()):>10.2f}")
        return "\n".join(lines)


@contextmanager
def counting_statements() -> Iterator[StatementStats]:
    stats = StatementStats()

    def wrapper(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        if many:
            params = list(params)
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            stats.record(sql, params, many, time.perf_counter() - start)

    with connection.execute_wrapper(wrapper):
        yield stats


def profiled(function: Callable[[], Any], *, top: int = 40) -> tuple[Any, str]:
    """Run `function` under cProfile; its result, and the top rows by own and by total time."""
    profile = cProfile.Profile()
    value = profile.runcall(function)
    report = io.StringIO()
    stats = pstats.Stats(profile, stream=report)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return value, report.getvalue()
